"""What the office's event pages ask meetings (with the signed-in person's token): the events
of the person's regions, one event with its registrations and waiting list, and the changes
(plan, edit, cancel, cancel a registration) with meetings' refusals as German errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.exceptions import HTTPException

from web.applications.forms import version_header
from web.auth.schemas import User
from web.events.forms import API_FIELDS, MESSAGES
from web.proof_of_use.figures import page_error
from web.public.service import regions as all_regions
from web.sessions.service import SESSION_KINDS
from web.site.catalogue import rule_error
from web.site.client import Api, ApiError

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
