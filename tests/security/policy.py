"""Who may do what: the expected answer for every endpoint of the four services, for every kind of
caller, written down from CONTRACT.md and ARCHITECTURE.md ("Identity and access").

The resources the matrix acts on belong to the region Börde. The callers:

- ``anonymous`` (no token), ``state`` (state_coordinator), ``admin`` (operations, no region);
- ``office``, ``steering`` (network_office, steering_member of Börde) and ``school``, ``partner``
  (a Börde school, an organisation that is partner of the Börde application) — the *own* side;
- ``office_other``, ``steering_other`` (the same roles in Harz), ``school_other``,
  ``partner_other`` (a Harz school and organisation) — the *other* side;
- ``member``: a signed-in user without any role who sits in the Börde steering group (meetings
  grant a seat's holder, found by the token's ``sub``, what the committee's readers get);
- ``roleless``: a validly signed token without any known role and without a seat. It gets the
  anonymous answer where no token is needed, what every signed-in user gets, and 403 everywhere
  else a token is needed (the contract: 403 when the token's role does not allow it, never 404).

Expected classes:

- ``ALLOW``: the caller gets through and the call succeeds (2xx). Every call of the matrix is
  valid and made on a resource in the right state (``world.py``), so a 404, 409 or 422 for an
  allowed caller is a failure too: allowed means the read or the change really happened.
- ``UNAUTHORIZED``: 401 with a ``WWW-Authenticate: Bearer`` challenge.
- ``FORBIDDEN``: 403.
- ``HIDDEN``: the caller may not see the resource at all and the service may hide that it exists:
  404 or 403 for a signed-in caller, 404 or 401 for an anonymous one. Where a service answers
  404 for other regions' non-public data (registry persons, offers applications, notifications)
  that is its documented choice, not a deviation.
- ``REFUSED``: 403, 404 or 422 with nothing changed: the request names something of another
  region the caller may not use (the CSV import rejects each row of a region the caller does not
  manage and writes nothing, all-or-nothing; a person the caller may not see cannot be seated).

Lists are readable by more callers than single resources, but must not leak: ``Rule.hidden_from``
names the callers whose answer must not contain the Börde resource's id (checked in the body).

Variants check one operation on several resources or queries: a public and a non-public meeting
or person, a draft and a submitted application, lists filtered to Börde, a registration made with
and without a token, and moving a Börde resource to Harz (which needs the right to manage both
regions). After a denied change the matrix also checks that nothing changed (version, status,
region as before; nothing created) wherever ``world.py`` knows how to look.

``KNOWN_DEVIATIONS`` lists cases where a service answers otherwise than this policy, reported to
the lead; their tests are strict xfails so they turn red once fixed and the entry must go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Expect(Enum):
    ALLOW = "allow"
    UNAUTHORIZED = "401"
    FORBIDDEN = "403"
    HIDDEN = "hidden"
    REFUSED = "refused"

    def accepts(self, status: int, *, anonymous: bool) -> bool:
        """Whether ``status`` is what this class expects."""
        if self is Expect.ALLOW:
            return 200 <= status < 300
        if self is Expect.UNAUTHORIZED:
            return status == 401
        if self is Expect.FORBIDDEN:
            return status == 403
        if self is Expect.HIDDEN:
            return status in ((401, 404) if anonymous else (403, 404))
        return status in (403, 404, 422)  # REFUSED


ALLOW, UNAUTHORIZED, FORBIDDEN, HIDDEN, REFUSED = (
    Expect.ALLOW,
    Expect.UNAUTHORIZED,
    Expect.FORBIDDEN,
    Expect.HIDDEN,
    Expect.REFUSED,
)

CALLERS = (
    "anonymous",
    "state",
    "admin",
    "office",
    "office_other",
    "steering",
    "steering_other",
    "school",
    "school_other",
    "partner",
    "partner_other",
    "member",
    "roleless",
)
OTHERS = ("office_other", "steering_other", "school_other", "partner_other")


@dataclass(frozen=True)
class Rule:
    """The expected class per caller for one operation (and variant), and why."""

    expect: dict[str, Expect]
    note: str = ""
    hidden_from: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        missing = set(CALLERS) - set(self.expect)
        if missing:
            raise ValueError(f"rule lacks callers: {sorted(missing)}")


def rule(
    default: Expect, note: str = "", *, hidden_from: tuple[str, ...] = (), **by_caller: Expect
) -> Rule:
    """A rule: ``default`` for every caller except those named."""
    unknown = set(by_caller) - set(CALLERS)
    if unknown:
        raise ValueError(f"unknown callers: {sorted(unknown)}")
    expect = {caller: by_caller.get(caller, default) for caller in CALLERS}
    if "roleless" not in by_caller:  # the anonymous answer where no token is needed, else 403
        anonymous = expect["anonymous"]
        expect["roleless"] = FORBIDDEN if anonymous is UNAUTHORIZED else anonymous
    if {"anonymous", "member"} & set(hidden_from):
        hidden_from = (*hidden_from, "roleless")
    return Rule(expect, note, frozenset(hidden_from))


def public(note: str = "", *, hidden_from: tuple[str, ...] = ()) -> Rule:
    """Anyone, with or without a token."""
    return rule(ALLOW, note or "public", hidden_from=hidden_from)


def signed_in(note: str = "", *, hidden_from: tuple[str, ...] = ()) -> Rule:
    """Every signed-in user; anonymous callers get 401."""
    return rule(
        ALLOW,
        note or "any signed-in user",
        hidden_from=hidden_from,
        anonymous=UNAUTHORIZED,
        roleless=ALLOW,
    )


def manage(
    note: str = "",
    *,
    readers: tuple[str, ...] = (),
    others: Expect = FORBIDDEN,
    anonymous: Expect = UNAUTHORIZED,
) -> Rule:
    """Changes of Börde data: the state coordination and the Börde network office. ``readers``
    see the resource but may not change it (403); everyone else gets ``others``."""
    return rule(
        others,
        note or "state_coordinator, network_office of the region",
        anonymous=anonymous,
        state=ALLOW,
        office=ALLOW,
        **{reader: FORBIDDEN for reader in readers},
    )


def readers(*callers: str, note: str = "", anonymous: Expect = HIDDEN) -> Rule:
    """A non-public Börde resource: ``callers`` (besides state and office) read it; the others
    may not see it (HIDDEN)."""
    return rule(
        HIDDEN,
        note,
        anonymous=anonymous,
        state=ALLOW,
        office=ALLOW,
        **{caller: ALLOW for caller in callers},
    )


def applicant_side(note: str, *more: str) -> Rule:
    """An application's applicant side (its school, its partner, the office for them, the state
    coordination) and ``more`` readers; hidden from the others; 401 without a token."""
    return readers("school", "partner", *more, note=note, anonymous=UNAUTHORIZED)


def office_act(note: str) -> Rule:
    """An office's step on a Börde application its readers see but may not take."""
    return manage(note, readers=("school", "partner", "steering"), others=HIDDEN)


def offices_own_regions(note: str) -> Rule:
    """A list for the offices: the state coordination sees every region, a network office its
    own (the Harz office gets an answer without Börde's data); everyone else 403."""
    return rule(
        FORBIDDEN,
        note,
        anonymous=UNAUTHORIZED,
        state=ALLOW,
        office=ALLOW,
        office_other=ALLOW,
        hidden_from=("office_other",),
    )


# Callers that must not see Börde's non-public data in a list.
NOT_BOERDE = ("anonymous", "admin", *OTHERS)
APPLICANT_SIDE = ("school", "partner")
# Who reads a Börde committee's internals besides those who manage it: the region's steering
# members and the committee's members (a seat, not a role).
SEATED = ("steering", "member")

R, OF, M, N, P = "registry", "offers", "meetings", "notifications", "planning"
V = "/api/v1"

OPS_PUBLIC = {
    (service, "GET", path): {"": public("operations endpoints are public")}
    for service in (R, OF, M, N, P)
    for path in ("/healthz", "/readyz", "/metrics", "/asyncapi")
}

POLICY: dict[tuple[str, str, str], dict[str, Rule]] = {
    **OPS_PUBLIC,
    # ------------------------------------------------------------------ registry
    (R, "GET", f"{V}/regions"): {"": public()},
    (R, "GET", f"{V}/regions/{{slug}}"): {"": public()},
    (R, "PUT", f"{V}/regions/{{slug}}/office"): {"": manage()},
    (R, "GET", f"{V}/organizations"): {"": public()},
    (R, "POST", f"{V}/organizations"): {"": manage()},
    (R, "GET", f"{V}/organizations/{{organization_id}}"): {"": public()},
    (R, "PATCH", f"{V}/organizations/{{organization_id}}"): {"": manage()},
    (R, "DELETE", f"{V}/organizations/{{organization_id}}"): {"": manage()},
    (R, "GET", f"{V}/schools"): {"": public()},
    (R, "POST", f"{V}/schools"): {"": manage()},
    (R, "GET", f"{V}/schools/{{id}}"): {"": public()},
    (R, "PATCH", f"{V}/schools/{{id}}"): {"": manage()},
    (R, "DELETE", f"{V}/schools/{{id}}"): {"": manage()},
    (R, "POST", f"{V}/schools/import"): {
        "": rule(
            FORBIDDEN,
            "network_office, state_coordinator; rows of other regions are rejected (422), "
            "nothing written",
            anonymous=UNAUTHORIZED,
            state=ALLOW,
            office=ALLOW,
            office_other=REFUSED,
        )
    },
    (R, "GET", f"{V}/persons"): {
        "": public(
            "public persons for anyone; non-public ones for the state and the own office",
            hidden_from=("anonymous", "admin", "steering", "school", "partner", "member", *OTHERS),
        )
    },
    (R, "POST", f"{V}/persons"): {"": manage()},
    (R, "GET", f"{V}/persons/{{person_id}}"): {
        "public": public("a public office contact"),
        "internal": readers(note="a non-public person: 404 for those who may not see it"),
    },
    (R, "PATCH", f"{V}/persons/{{person_id}}"): {
        "": manage("a non-public person; hidden (404) from the others", others=HIDDEN)
    },
    (R, "DELETE", f"{V}/persons/{{person_id}}"): {
        "": manage("GDPR erasure of a non-public person; hidden from the others", others=HIDDEN)
    },
    (R, "GET", f"{V}/regions/{{slug}}/contact-list"): {
        "": public(
            "public persons only",
            hidden_from=CALLERS,  # the non-public person is in nobody's contact list
        )
    },
    (R, "GET", f"{V}/materials"): {"": public()},
    (R, "POST", f"{V}/materials"): {"": manage()},
    (R, "GET", f"{V}/materials/{{id}}"): {"": public()},
    (R, "PATCH", f"{V}/materials/{{id}}"): {"": manage()},
    (R, "DELETE", f"{V}/materials/{{id}}"): {"": manage()},
    (R, "GET", f"{V}/materials/{{id}}/file"): {"": public()},
    # ------------------------------------------------------------------ offers
    (OF, "GET", f"{V}/funds"): {
        "": signed_in(
            "the contract names who manages funds; every signed-in user reads them (applicants "
            "choose the fund; a fund holds no personal data)"
        )
    },
    (OF, "POST", f"{V}/funds"): {"": manage()},
    (OF, "GET", f"{V}/funds/{{fund_id}}"): {"": signed_in("as GET /funds")},
    (OF, "PATCH", f"{V}/funds/{{fund_id}}"): {"": manage()},
    (OF, "GET", f"{V}/topics"): {"": public()},
    # youth micro-projects (issue 20): young people send them without an account; the sponsor's
    # e-mailed token is what lets them see, confirm or decline one
    (OF, "GET", f"{V}/youth-projects/form"): {"": public("the form's funds and schools")},
    (OF, "POST", f"{V}/youth-projects/form"): {"": public("a form ticket, for anyone")},
    (OF, "POST", f"{V}/youth-projects"): {"": public("a micro-project, by anyone with a ticket")},
    (OF, "POST", f"{V}/youth-projects/view"): {"": public("whoever holds the sponsor's token")},
    (OF, "POST", f"{V}/youth-projects/confirm"): {"": public("whoever holds the sponsor's token")},
    (OF, "POST", f"{V}/youth-projects/decline"): {"": public("whoever holds the sponsor's token")},
    (OF, "GET", f"{V}/projects"): {"": public()},
    (OF, "GET", f"{V}/applications"): {
        "": signed_in(
            "by role and region: a list for everyone signed in, holding only what they may read",
            hidden_from=("admin", "member", *OTHERS),
        )
    },
    (OF, "POST", f"{V}/applications"): {
        "": rule(
            FORBIDDEN,
            "school (own school), partner (own organisation), network_office (own region), state",
            anonymous=UNAUTHORIZED,
            state=ALLOW,
            office=ALLOW,
            school=ALLOW,
            partner=ALLOW,
        )
    },
    (OF, "GET", f"{V}/applications/{{application_id}}"): {
        "submitted": applicant_side(
            "a submitted application of a committee fund; steering members of the region read "
            "it; hidden (404) from the others",
            "steering",
        ),
        "draft": applicant_side("a draft: not yet for the steering group"),
    },
    (OF, "PATCH", f"{V}/applications/{{application_id}}"): {
        "": applicant_side("the applicant side, on a draft")
    },
    (OF, "POST", f"{V}/applications/{{application_id}}/consultation"): {
        "": manage(
            "network_office of the region records the advice", readers=APPLICANT_SIDE, others=HIDDEN
        )
    },
    (OF, "POST", f"{V}/applications/{{application_id}}/submit"): {
        "": applicant_side("the applicant side")
    },
    (OF, "POST", f"{V}/applications/{{application_id}}/withdraw"): {
        "": applicant_side("the applicant side")
    },
    (OF, "POST", f"{V}/applications/{{application_id}}/decision"): {
        "": office_act("network_office (own region) on a submitted application")
    },
    (OF, "POST", f"{V}/applications/{{application_id}}/report"): {
        "": rule(
            HIDDEN,
            "the applicant side reports on an approved application",
            anonymous=UNAUTHORIZED,
            state=ALLOW,
            office=ALLOW,
            school=ALLOW,
            partner=ALLOW,
            steering=FORBIDDEN,
        )
    },
    (OF, "POST", f"{V}/applications/{{application_id}}/close"): {
        "": office_act("network_office closes a reported application")
    },
    (OF, "GET", f"{V}/applications/{{application_id}}/history"): {
        "": applicant_side("who may read the application", "steering")
    },
    (OF, "GET", f"{V}/applications/{{application_id}}/decisions"): {
        "": applicant_side("who may read the application", "steering")
    },
    (OF, "GET", f"{V}/statistics"): {
        "region=boerde": rule(
            FORBIDDEN,
            "state_coordinator (all), network_office (own)",
            anonymous=UNAUTHORIZED,
            state=ALLOW,
            office=ALLOW,
        ),
        "own regions": offices_own_regions(
            "without a region filter an office gets its own regions only (no Börde figures)"
        ),
    },
    # ------------------------------------------------------------------ offers: issue 16
    # payments (Mittelabrufe) on a Börde application approved in a fund paying 100 % in advance
    (OF, "GET", f"{V}/applications/{{application_id}}/payment-requests"): {
        "": applicant_side("who may read the application", "steering")
    },
    (OF, "POST", f"{V}/applications/{{application_id}}/payment-requests"): {
        "": rule(
            HIDDEN,
            "the applicant side calls in money on an approved application; a denied call files "
            "nothing",
            anonymous=UNAUTHORIZED,
            state=ALLOW,
            office=ALLOW,
            school=ALLOW,
            partner=ALLOW,
            steering=FORBIDDEN,
        )
    },
    **{
        (OF, "POST", f"{V}/applications/{{application_id}}/payment-requests/{{payment_id}}/{a}"): {
            "": office_act(f"network_office (own region) {what} a payment request")
        }
        for a, what in (("approve", "approves"), ("reject", "rejects"), ("paid", "marks paid"))
    },
    (OF, "GET", f"{V}/payments"): {
        "own regions": offices_own_regions(
            "the payout list: state_coordinator (all), network_office (own regions only)"
        ),
        "region=boerde": manage("the payout list of Börde: state_coordinator, its office"),
        "csv": offices_own_regions("the payout list as CSV for the treasury (own regions only)"),
    },
    # attachments: listed and downloaded by the application's readers; added and removed by the
    # applicant side while draft/returned (the office always)
    (OF, "GET", f"{V}/applications/{{application_id}}/attachments"): {
        "": applicant_side("who may read the (submitted) application", "steering")
    },
    (OF, "POST", f"{V}/applications/{{application_id}}/attachments"): {
        "": applicant_side("the applicant side on a draft; a denied upload stores nothing")
    },
    (OF, "GET", f"{V}/applications/{{application_id}}/attachments/{{attachment_id}}/file"): {
        "": applicant_side("who may read the (submitted) application", "steering")
    },
    (OF, "DELETE", f"{V}/applications/{{application_id}}/attachments/{{attachment_id}}"): {
        "": applicant_side("the applicant side on a draft (the office always)")
    },
    # assessment: read by the application's readers, written by the office while submitted
    (OF, "GET", f"{V}/applications/{{application_id}}/assessment"): {
        "": applicant_side("who may read the (submitted) application", "steering")
    },
    (OF, "PUT", f"{V}/applications/{{application_id}}/assessment"): {
        "": office_act("network_office (own region) assesses a submitted application")
    },
    # documents (grant notice): read by the application's readers
    (OF, "GET", f"{V}/applications/{{application_id}}/documents"): {
        "": applicant_side("who may read the (approved) application", "steering")
    },
    (OF, "GET", f"{V}/applications/{{application_id}}/documents/{{document_id}}"): {
        "": applicant_side("who may read the (approved) application", "steering")
    },
    # proof of use: the applicant side writes and submits, the office returns or accepts
    (OF, "GET", f"{V}/applications/{{application_id}}/proof-of-use"): {
        "": applicant_side("who may read the (approved) application", "steering")
    },
    **{
        (OF, method, f"{V}/applications/{{application_id}}/proof-of-use{suffix}"): {
            "": rule(
                HIDDEN,
                f"the applicant side {what}; steering members see the application but may not",
                anonymous=UNAUTHORIZED,
                state=ALLOW,
                office=ALLOW,
                school=ALLOW,
                partner=ALLOW,
                steering=FORBIDDEN,
            )
        }
        for method, suffix, what in (
            ("PUT", "", "saves the proof of use"),
            ("POST", "/submit", "submits the proof of use"),
        )
    },
    **{
        (OF, "POST", f"{V}/applications/{{application_id}}/proof-of-use/{a}"): {
            "": office_act(f"network_office (own region) {what} a submitted proof of use")
        }
        for a, what in (("return", "returns"), ("accept", "accepts"))
    },
    # ------------------------------------------------------------------ meetings
    (M, "GET", f"{V}/meetings.ics"): {
        "": public(
            "public meetings for anyone, more with a token",
            hidden_from=NOT_BOERDE + ("school", "partner"),
        )
    },
    (M, "POST", f"{V}/calendar-feeds"): {
        "": signed_in("any signed-in person makes their own secret calendar link")
    },
    (M, "GET", f"{V}/calendar-feeds"): {
        "": signed_in("the caller's own subscriptions, never another person's", hidden_from=CALLERS)
    },
    (M, "DELETE", f"{V}/calendar-feeds/{{feed_id}}"): {
        "own": signed_in("the owner ends their subscription"),
        "another person's": rule(
            HIDDEN,
            "nobody ends another person's subscription (404)",
            anonymous=UNAUTHORIZED,
            roleless=HIDDEN,
        ),
    },
    (M, "GET", f"{V}/meetings/{{meeting_id}}.ics"): {
        "public": public(),
        "internal": readers(*SEATED, note="a non-public committee session"),
    },
    (M, "GET", f"{V}/committees"): {
        "": signed_in(
            "the committees of the caller's regions (or seats)",
            hidden_from=("admin", "school", "partner", *OTHERS),
        )
    },
    (M, "POST", f"{V}/committees"): {"": manage()},
    (M, "GET", f"{V}/committees/{{committee_id}}"): {
        "": readers(
            *SEATED,
            note="network_office (own region), state; steering members of the region "
            "(ARCHITECTURE); the committee's members",
            anonymous=UNAUTHORIZED,
        )
    },
    (M, "PATCH", f"{V}/committees/{{committee_id}}"): {"": manage(readers=SEATED, others=HIDDEN)},
    (M, "GET", f"{V}/committees/{{committee_id}}/members"): {
        "": readers(*SEATED, note="as the committee", anonymous=UNAUTHORIZED)
    },
    (M, "POST", f"{V}/committees/{{committee_id}}/members"): {
        "": manage(readers=SEATED, others=HIDDEN)
    },
    (M, "DELETE", f"{V}/committees/{{committee_id}}/members/{{person_id}}"): {
        "": manage(readers=SEATED, others=HIDDEN)
    },
    # circular decisions (issue 20): read as the committee, started by its organisers, voted on
    # by its voting members only (the organisers and steering members see it but may not vote)
    (M, "GET", f"{V}/committees/{{committee_id}}/circulars"): {
        "": readers(*SEATED, note="as the committee", anonymous=UNAUTHORIZED)
    },
    (M, "POST", f"{V}/committees/{{committee_id}}/circulars"): {
        "": manage("the committee's organisers", readers=SEATED, others=HIDDEN)
    },
    (M, "GET", f"{V}/circulars/{{circular_id}}"): {"": readers(*SEATED, note="as the committee")},
    (M, "POST", f"{V}/circulars/{{circular_id}}/votes"): {
        "": rule(
            HIDDEN,
            "a voting member, once",
            anonymous=UNAUTHORIZED,
            state=FORBIDDEN,
            office=FORBIDDEN,
            steering=FORBIDDEN,
            member=ALLOW,
        )
    },
    (M, "GET", f"{V}/committees/{{committee_id}}/pending"): {
        "": readers(*SEATED, note="as the committee", anonymous=UNAUTHORIZED)
    },
    (M, "GET", f"{V}/meetings"): {
        "": public(
            "public meetings for anyone; non-public ones for the region's readers",
            hidden_from=NOT_BOERDE + ("school", "partner"),
        )
    },
    (M, "POST", f"{V}/meetings"): {"": manage("organiser: network_office, state_coordinator")},
    (M, "GET", f"{V}/meetings/{{meeting_id}}"): {
        "public": public(),
        "internal": readers(*SEATED, note="a non-public committee session"),
    },
    (M, "PATCH", f"{V}/meetings/{{meeting_id}}"): {
        "": manage("organiser", readers=SEATED, others=HIDDEN)
    },
    (M, "POST", f"{V}/meetings/{{meeting_id}}/cancel"): {
        "": manage("organiser", readers=SEATED, others=HIDDEN)
    },
    (M, "GET", f"{V}/meetings/{{meeting_id}}/attendance"): {
        "": readers(*SEATED, note="as the agenda (not in the contract)")
    },
    (M, "POST", f"{V}/meetings/{{meeting_id}}/attendance"): {
        "": manage("organiser", readers=SEATED, others=HIDDEN)
    },
    (M, "GET", f"{V}/meetings/{{meeting_id}}/participant-figures"): {
        "": readers(*SEATED, note="as the attendance")
    },
    (M, "PUT", f"{V}/meetings/{{meeting_id}}/participant-figures"): {
        "": manage("organiser of an event that collects them", others=HIDDEN)
    },
    (M, "POST", f"{V}/meetings/{{meeting_id}}/registrations"): {
        "public": public("anyone for public meetings"),
        "internal": readers(
            *SEATED, note="others than public meetings: members and invited (those who see it)"
        ),
    },
    (M, "GET", f"{V}/meetings/{{meeting_id}}/registrations"): {
        "": manage("organiser only: registrations hold names and e-mail addresses")
    },
    (M, "DELETE", f"{V}/meetings/{{meeting_id}}/registrations/{{registration_id}}"): {
        "signed-in registrant": rule(
            FORBIDDEN,
            "the registrant (here: the Börde school's user) or the organiser",
            anonymous=UNAUTHORIZED,
            state=ALLOW,
            office=ALLOW,
            school=ALLOW,
        ),
        "anonymous registrant": public(
            "a registration made without a token: its id is the registrant's capability (given "
            "only to them, never listed but to the organiser), so whoever holds it may cancel"
        ),
    },
    (M, "POST", f"{V}/meetings/{{meeting_id}}/registrations/{{registration_id}}/attended"): {
        "": manage("organiser, once the event has begun: any registrant, registry person or not")
    },
    (M, "GET", f"{V}/meetings/{{meeting_id}}/registrations/{{registration_id}}/certificate"): {
        "signed-in registrant": rule(
            FORBIDDEN,
            "the registrant (here: the Börde school's user) or the organiser",
            anonymous=UNAUTHORIZED,
            state=ALLOW,
            office=ALLOW,
            school=ALLOW,
        ),
        "anonymous registrant": public(
            "a registration made without a token: its id (the link in the registrant's e-mail) "
            "is the capability, as for cancelling"
        ),
    },
    (M, "GET", f"{V}/meetings/{{meeting_id}}/agenda"): {
        "": readers(*SEATED, note="organiser; members and the region's steering members read")
    },
    (M, "POST", f"{V}/meetings/{{meeting_id}}/agenda"): {
        "": manage("organiser", readers=SEATED, others=HIDDEN)
    },
    (M, "POST", f"{V}/meetings/{{meeting_id}}/agenda/{{item_id}}/decision"): {
        "": manage("organiser (the call sets up the quorum first)", readers=SEATED, others=HIDDEN)
    },
    (M, "GET", f"{V}/meetings/{{meeting_id}}/minutes"): {
        "": readers(*SEATED, note="draft minutes: the meeting's readers")
    },
    (M, "PUT", f"{V}/meetings/{{meeting_id}}/minutes"): {
        "": manage("organiser", readers=SEATED, others=HIDDEN)
    },
    (M, "POST", f"{V}/meetings/{{meeting_id}}/minutes/publish"): {
        "": manage("organiser", readers=SEATED, others=HIDDEN)
    },
    # ------------------------------------------------------------------ notifications
    (N, "GET", f"{V}/inbox"): {
        "": signed_in(
            "own notifications only", hidden_from=tuple(c for c in CALLERS if c != "office")
        )
    },
    (N, "GET", f"{V}/inbox/unread-count"): {"": signed_in()},
    (N, "GET", f"{V}/inbox/stream"): {"": signed_in()},
    (N, "POST", f"{V}/inbox/read-all"): {"": signed_in()},
    (N, "POST", f"{V}/inbox/{{notification_id}}/read"): {
        "": rule(
            HIDDEN,
            "the owner only (the Börde office); 404 for others",
            anonymous=UNAUTHORIZED,
            office=ALLOW,
            roleless=HIDDEN,  # any signed-in user may mark their own; this one is not theirs
        )
    },
    (N, "GET", f"{V}/preferences"): {"": signed_in("own preferences")},
    (N, "PUT", f"{V}/preferences"): {"": signed_in("own preferences")},
    (N, "GET", f"{V}/deliveries"): {
        "": rule(
            FORBIDDEN, "admin, state_coordinator", anonymous=UNAUTHORIZED, admin=ALLOW, state=ALLOW
        )
    },
    (N, "GET", f"{V}/dead-letters"): {
        "": rule(FORBIDDEN, "admin", anonymous=UNAUTHORIZED, admin=ALLOW)
    },
}

# ------------------------------------------------------------------ planning
POLICY |= {
    (P, "GET", f"{V}/surveys"): {
        "": offices_own_regions("the surveys of the offices' regions (state: all)")
    },
    (P, "POST", f"{V}/surveys"): {"": manage("a Börde survey by the state or the Börde office")},
    (P, "GET", f"{V}/surveys/{{survey_id}}"): {
        "draft": readers(note="a draft: only its office and the state coordination"),
        "open": public("an open survey's questions, for anyone who answers"),
    },
    (P, "POST", f"{V}/surveys/{{survey_id}}/open"): {
        "": manage("its office opens a draft (hidden from others)", others=HIDDEN)
    },
    (P, "POST", f"{V}/surveys/{{survey_id}}/close"): {"": manage("its office closes it")},
    (P, "POST", f"{V}/surveys/{{survey_id}}/invitations"): {
        "": manage("its office issues invitation codes")
    },
    (P, "GET", f"{V}/surveys/{{survey_id}}/invitations"): {
        "": manage("its office reads how many codes were issued and used")
    },
    (P, "GET", f"{V}/surveys/{{survey_id}}/results"): {"": manage("its office reads the results")},
    (P, "POST", f"{V}/surveys/{{survey_id}}/tickets"): {
        "": public("anyone may answer an open anonymous survey: a ticket per form")
    },
    (P, "POST", f"{V}/surveys/{{survey_id}}/responses"): {
        "": public("anyone with a ticket (anonymous survey) answers once")
    },
    (P, "GET", f"{V}/topic-demand"): {
        "": offices_own_regions("topic demand of the office's region (state: any or all)")
    },
    (P, "GET", f"{V}/agreements"): {
        "": offices_own_regions("the target agreements of the offices' regions (state: all)")
    },
    (P, "POST", f"{V}/agreements"): {"": manage("a Börde agreement by the state or its office")},
    (P, "GET", f"{V}/agreements/{{agreement_id}}"): {"": manage("its office and the state")},
    (P, "PATCH", f"{V}/agreements/{{agreement_id}}"): {"": manage("its office changes it")},
    (P, "POST", f"{V}/agreements/{{agreement_id}}/close"): {"": manage("its office closes it")},
    (P, "POST", f"{V}/agreements/{{agreement_id}}/values"): {
        "": manage("its office enters a figure by hand")
    },
    (P, "GET", f"{V}/agreements/{{agreement_id}}/progress"): {
        "": manage("its office and the state follow it up")
    },
    (P, "GET", f"{V}/indicators"): {
        "": offices_own_regions("ESF+ figures of the office's region (state: any or all)")
    },
}

# ------------------------------------------------------------------ privacy (every service)
for _service in (R, OF, M, N, P):
    POLICY[(_service, "GET", f"{V}/me/data")] = {
        "": signed_in(
            "what the service holds about the caller (token sub and e-mail): their own records "
            "only, never another person's (the marker is someone else's)",
            hidden_from=CALLERS if _service != N else tuple(c for c in CALLERS if c != "office"),
        )
    }
    POLICY[(_service, "GET", f"{V}/audit")] = {
        "": rule(
            FORBIDDEN,
            "admin, state_coordinator read who changed or read what",
            anonymous=UNAUTHORIZED,
            admin=ALLOW,
            state=ALLOW,
        )
    }
for _method, _path in (
    ("POST", f"{V}/erasure-requests"),
    ("GET", f"{V}/erasure-requests"),
    ("GET", f"{V}/erasure-requests/{{request_id}}"),
):
    POLICY[(R, _method, _path)] = {
        "": rule(
            FORBIDDEN,
            "erasure requests by e-mail address: state_coordinator, admin",
            anonymous=UNAUTHORIZED,
            admin=ALLOW,
            state=ALLOW,
        )
    }


def moved(base: Rule, note: str, **by_caller: Expect) -> Rule:
    """Moving a Börde resource to Harz: only who manages both regions (the state coordination);
    the Börde office manages the source only, the Harz office the target only."""
    expect = dict(base.expect)
    expect["office"] = FORBIDDEN
    expect["office_other"] = HIDDEN if base.expect["office_other"] is HIDDEN else FORBIDDEN
    expect.update(by_caller)
    return Rule(expect, note)


MOVE = "move to harz"
FOREIGN_PERSON = "non-public person of another region"
MOVE_BY_ORG = "move to a harz organisation"
for _key in (
    (R, "PATCH", f"{V}/organizations/{{organization_id}}"),
    (R, "PATCH", f"{V}/schools/{{id}}"),
    (R, "PATCH", f"{V}/persons/{{person_id}}"),
    (R, "PATCH", f"{V}/materials/{{id}}"),
    (OF, "PATCH", f"{V}/funds/{{fund_id}}"),
    (M, "PATCH", f"{V}/committees/{{committee_id}}"),
    (M, "PATCH", f"{V}/meetings/{{meeting_id}}"),
):
    POLICY[_key][MOVE] = moved(POLICY[_key][""], "needs the right to manage both regions")
POLICY[(R, "PATCH", f"{V}/persons/{{person_id}}")][MOVE_BY_ORG] = moved(
    POLICY[(R, "PATCH", f"{V}/persons/{{person_id}}")][""],
    "attaching a Börde person to a Harz organisation moves them to Harz: both regions' right",
)
POLICY[(OF, "PATCH", f"{V}/applications/{{application_id}}")][MOVE] = moved(
    POLICY[(OF, "PATCH", f"{V}/applications/{{application_id}}")][""],
    "a draft moved to a Harz school: not the Börde office or school; a partner may (its "
    "organisation stays part of it; the contract does not tie partners to a region)",
    school=FORBIDDEN,
)

# Lists filtered to Börde (or to the Börde school) must not leak either.
for _key, _variant in (
    ((R, "GET", f"{V}/persons"), "region=boerde"),
    ((OF, "GET", f"{V}/applications"), "region=boerde"),
    ((OF, "GET", f"{V}/applications"), "school_id"),
    ((R, "GET", f"{V}/persons"), "public=false"),
    ((M, "GET", f"{V}/committees"), "region=boerde"),
    ((M, "GET", f"{V}/meetings"), "region=boerde"),
    ((M, "GET", f"{V}/meetings.ics"), "committee_id"),
):
    POLICY[_key][_variant] = POLICY[_key][""]

POLICY[(M, "POST", f"{V}/committees/{{committee_id}}/members")][FOREIGN_PERSON] = rule(
    HIDDEN,
    "seating a non-public Harz person (whom the registry hides from the Börde office) in a Börde "
    "committee: only who may see that person; the answer shows their name and organisation",
    anonymous=UNAUTHORIZED,
    state=ALLOW,
    office=REFUSED,
    steering=FORBIDDEN,
)
POLICY[(OF, "GET", f"{V}/applications")]["draft"] = signed_in(
    "a Börde draft: not for the steering group either",
    hidden_from=("admin", "member", "steering", *OTHERS),
)

# (service, method, path, variant, caller) → why the service answers otherwise (reported).
KNOWN_DEVIATIONS: dict[tuple[str, str, str, str, str], str] = {}


def cases() -> list[tuple[str, str, str, str, str]]:
    """Every (service, method, path, variant, caller) the policy covers."""
    return [
        (service, method, path, variant, caller)
        for (service, method, path), variants in POLICY.items()
        for variant in variants
        for caller in CALLERS
    ]
