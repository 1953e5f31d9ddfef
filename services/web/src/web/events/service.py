"""What the office's event pages ask meetings (with the signed-in person's token): the events
of the person's regions, one event with its registrations and waiting list, and the changes
(plan, edit, cancel, cancel a registration) with meetings' refusals as German errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from starlette.exceptions import HTTPException

from web.applications.forms import version_header
from web.auth.schemas import User
from web.events.forms import API_FIELDS, MESSAGES
from web.proof_of_use.figures import page_error
from web.public.service import regions as all_regions
from web.sessions.service import SESSION_KINDS
from web.site.catalogue import rule_error
from web.site.client import Api, ApiError, refusal, unreachable

PAST = timedelta(days=365)  # the list shows the last year's events below the coming ones

Refusal = tuple[int, list[dict[str, Any]]]

CANCELLED = "Die Veranstaltung ist abgesagt und lässt sich nicht mehr ändern."
CHANGED = (
    "Die Veranstaltung wurde inzwischen geändert. Sie sehen jetzt den aktuellen Stand; bitte "
    "tragen Sie Ihre Änderung noch einmal ein."
)
CAPACITY_BELOW = (
    "Es sind schon mehr Personen fest angemeldet, als die neue Platzzahl erlaubt. Bitte "
    "stornieren Sie zuerst Anmeldungen oder wählen Sie mehr Plätze."
)


def may_manage(user: User, region: str | None) -> bool:
    """Whether the person organises events of ``region`` (None: the state level)."""
    if user.has_role("state_coordinator"):
        return True
    return region is not None and user.has_role("network_office") and region in user.regions


async def regions_of(api: Api, user: User) -> dict[str, str]:
    """Where the person may plan events: slug → name (``state``: the state level)."""
    known = {r["slug"]: r["name"] for r in await all_regions(api)}
    if user.has_role("state_coordinator"):
        return {"state": "Landesebene"} | known
    return {slug: known.get(slug, slug) for slug in user.regions if slug in known}


async def events(api: Api, user: User) -> list[dict[str, Any]]:
    """The events (no committee sessions) the person organises, from a year ago on: upcoming
    first (soonest first), then the past ones (latest first); each with ``upcoming``."""
    since = (datetime.now(UTC) - PAST).isoformat()
    found = await api.all_items(
        "meetings", "/meetings", params={"starts_after": since}, token=user.token
    )
    chosen = [
        m for m in found if m["kind"] not in SESSION_KINDS and may_manage(user, m.get("region"))
    ]
    now = datetime.now(UTC)
    for meeting in chosen:
        meeting["upcoming"] = datetime.fromisoformat(meeting["ends_at"]) >= now
    upcoming = sorted((m for m in chosen if m["upcoming"]), key=lambda m: m["starts_at"])
    past = sorted((m for m in chosen if not m["upcoming"]), key=lambda m: m["starts_at"])
    return upcoming + past[::-1]


async def event(api: Api, user: User, meeting_id: str) -> tuple[dict[str, Any], str]:
    """One event the person organises and its version; 404 for a committee session, 403 for
    another region's event (meetings itself answers 403/404 for one the person may not see)."""
    reply = await api.call("GET", "meetings", f"/meetings/{meeting_id}", token=user.token)
    meeting: dict[str, Any] = reply.body
    if meeting["kind"] in SESSION_KINDS:
        raise HTTPException(404)
    if not may_manage(user, meeting.get("region")):
        raise HTTPException(403)
    return meeting, str(meeting["version"])


async def registrations(api: Api, user: User, meeting_id: str) -> dict[str, list[dict[str, Any]]]:
    """The event's registrations: ``confirmed`` in arrival order, ``waitlisted`` in the order
    they move up, ``cancelled``."""
    path = f"/meetings/{meeting_id}/registrations"
    found = await api.all_items("meetings", path, token=user.token)
    waiting = [r for r in found if r["status"] == "waitlisted"]
    return {
        "confirmed": [r for r in found if r["status"] == "confirmed"],
        "waitlisted": sorted(waiting, key=lambda r: r.get("waitlist_position") or 0),
        "cancelled": [r for r in found if r["status"] == "cancelled"],
    }


async def registration(
    api: Api, user: User, meeting_id: str, registration_id: str
) -> dict[str, Any]:
    """One registration of the event (404 when it is not one of its)."""
    grouped = await registrations(api, user, meeting_id)
    for found in grouped["confirmed"] + grouped["waitlisted"] + grouped["cancelled"]:
        if str(found["id"]) == registration_id:
            return found
    raise HTTPException(404)


def refusal_errors(exc: ApiError) -> list[dict[str, Any]]:
    """Meetings' refusal of an event change as German errors beside the form's fields."""
    if exc.rule == "capacity-below-confirmed":
        return [{"field": "capacity", "message": CAPACITY_BELOW}]
    if exc.rule == "meeting-cancelled":
        return [{"field": None, "message": CANCELLED}]
    errors: list[dict[str, Any]] = []
    for item in exc.field_errors:
        name = str(item.get("field") or "").rsplit(".", 1)[-1]
        field = API_FIELDS.get(name)
        found = {"field": field, "message": MESSAGES[field]} if field else None
        if found and found not in errors:
            errors.append(found)
    return errors or [rule_error(exc.rule, exc.status)]


async def change(
    api: Api,
    user: User,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    version: str | None = None,
    key: str | None = None,
) -> tuple[Any, Refusal | None]:
    """A change at meetings (with ``If-Match`` for ``version``, ``Idempotency-Key`` for
    ``key``): its answer, or the refusal (409, 412, 422) as German errors."""
    headers = version_header(version)
    if key:
        headers["Idempotency-Key"] = key
    try:
        reply = await api.call(
            method, "meetings", path, token=user.token, json=body, headers=headers or None
        )
    except ApiError as exc:
        if exc.status in (409, 412, 422):
            return None, (exc.status, refusal_errors(exc))
        raise
    return reply.body, None


# --------------------------------------------------------------------------- ESF+ participants

FIGURES_REFUSED = {
    "meeting-cancelled": "Die Veranstaltung ist abgesagt; Teilnehmende lassen sich nicht "
    "eintragen.",
    "participant-figures-not-collected": "Für diese Veranstaltung werden keine "
    "ESF+-Teilnehmendendaten erfasst.",
    "precondition-failed": "Die Teilnehmendenzahlen wurden inzwischen geändert. Sie sehen jetzt "
    "den aktuellen Stand; bitte tragen Sie Ihre Änderung noch einmal ein.",
}


async def participation(api: Api, user: User, meeting_id: str) -> dict[str, Any]:
    """The event's attendance record: ``version``, ``present`` and the ESF+ ``participants``."""
    path = f"/meetings/{meeting_id}/participant-figures"
    return await api.get("meetings", path, token=user.token)  # type: ignore[no-any-return]


async def save_figures(
    api: Api, user: User, meeting_id: str, figures: dict[str, Any], version: str
) -> Refusal | None:
    """Store the ESF+ participant figures (``If-Match``: the version shown); a refusal as German
    errors beside the table or its cells."""
    path = f"/meetings/{meeting_id}/participant-figures"
    try:
        await api.call(
            "PUT",
            "meetings",
            path,
            token=user.token,
            json=figures,
            headers=version_header(version) or None,
        )
    except ApiError as exc:
        if exc.status not in (409, 412, 422):
            raise
        key = "precondition-failed" if exc.status == 412 else exc.rule or ""
        if key in FIGURES_REFUSED:
            return exc.status, [{"field": "esf", "message": FIGURES_REFUSED[key]}]
        errors = [
            page_error(str(item.get("field") or ""), exc.rule or "") for item in exc.field_errors
        ]
        return exc.status, errors or [rule_error(exc.rule, exc.status)]
    return None


# --------------------------------------------------------------------------- attendance (issue 20)

CERTIFICATE_KINDS = frozenset({"training", "conference", "expert_exchange"})
"""The kinds of event meetings issues participation certificates for."""
ATTENDANCE_REFUSED = {
    "meeting-not-started": "Die Anwesenheit lässt sich erst ab Beginn der Veranstaltung eintragen.",
    "meeting-cancelled": "Die Veranstaltung ist abgesagt; niemand war anwesend.",
    "registration-not-confirmed": "Nur fest angemeldete Personen können als anwesend gelten.",
}
CERTIFICATE_REFUSED = {
    "not-attended": "Für diese Anmeldung ist keine Anwesenheit eingetragen – eine "
    "Teilnahmebescheinigung gibt es nur für Personen, die teilgenommen haben.",
    "no-certificates-for-kind": "Für diese Art von Veranstaltung gibt es keine "
    "Teilnahmebescheinigungen.",
    "registration-erased": "Die Angaben zu dieser Anmeldung sind gelöscht; eine "
    "Teilnahmebescheinigung gibt es dafür nicht mehr.",
}
NO_CERTIFICATE = "Diese Teilnahmebescheinigung gibt es nicht. Bitte prüfen Sie den Link."
CERTIFICATE_FILE = 'attachment; filename="Teilnahmebescheinigung.pdf"'


def attendance_view(meeting: dict[str, Any]) -> dict[str, bool]:
    """Whether the event's page offers the attendance form (begun, not cancelled) and the
    certificate links (a kind with certificates)."""
    begun = datetime.fromisoformat(meeting["starts_at"]) <= datetime.now(UTC)
    return {
        "open": begun and meeting.get("status") != "cancelled",
        "certificates": meeting.get("kind") in CERTIFICATE_KINDS,
    }


async def save_attendance(
    api: Api, user: User, meeting_id: str, present: set[str]
) -> list[dict[str, Any]]:
    """Mark the confirmed registrants in ``present`` as present and the others as not, one
    call per change; meetings' refusals as German errors (the others are saved)."""
    errors: list[dict[str, Any]] = []
    for registration in (await registrations(api, user, meeting_id))["confirmed"]:
        wanted = str(registration["id"]) in present
        if bool(registration.get("attended")) == wanted:
            continue
        path = f"/meetings/{meeting_id}/registrations/{registration['id']}/attended"
        try:
            await api.call("POST", "meetings", path, token=user.token, json={"attended": wanted})
        except ApiError as exc:
            if exc.status not in (409, 412, 422):
                raise
            message = ATTENDANCE_REFUSED.get(exc.rule or "") or rule_error(exc.rule)["message"]
            found = {"field": "anwesenheit", "message": message}
            if found not in errors:
                errors.append(found)
    return errors


async def certificate(
    api: Api, user: User | None, meeting_id: str, registration_id: str
) -> bytes | tuple[int, str]:
    """A registrant's certificate (PDF) from meetings — with the person's token if signed in,
    else by the registration's id as the e-mail's link carries it — or why there is none
    (status, German sentence). 401/403 and failures raise ``ApiError``."""
    path = f"/meetings/{meeting_id}/registrations/{registration_id}/certificate"
    headers = {"Accept": "application/pdf"}
    if user is not None and user.token:
        headers["Authorization"] = f"Bearer {user.token}"
    try:
        found = await api.client("meetings").get(path, headers=headers)
    except httpx.HTTPError as exc:
        raise unreachable("meetings", exc) from exc
    if found.status_code in (404, 409, 422):
        problem = refusal(found, "meetings")
        return found.status_code, CERTIFICATE_REFUSED.get(problem.rule or "", NO_CERTIFICATE)
    if found.status_code >= 400:
        raise refusal(found, "meetings")
    return found.content
