"""What the committee and session pages ask meetings, offers and registry (with the signed-in
person's token), and the minutes' Markdown as safe HTML."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

from web.auth.schemas import User
from web.site.catalogue import errors_of
from web.site.client import Api, ApiError

SESSION_KINDS = ("committee_session", "jury_session")
AT_ONCE = 8  # agendas asked for at the same time (the state coordination sees many sessions)
PAST = timedelta(days=365)  # the sessions page shows the last year's sessions below the coming

Refusal = tuple[int, list[dict[str, Any]]]

# CommonMark without raw HTML: tags typed into the minutes are shown as text, and markdown-it
# refuses javascript:, vbscript: and data: links.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


_HEADING = re.compile(r"<(/?)h([1-6])>")


def minutes_html(text: str) -> Markup:
    """The minutes' Markdown as HTML, with every HTML tag of the text escaped; its headings
    start at level 3 (below the page's „Protokoll“)."""
    html = _HEADING.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + 2, 6)}>", _MARKDOWN.render(text))
    return Markup(html)  # noqa: S704  # html=False: no raw HTML of the text passes


# --------------------------------------------------------------------------- reading


async def committees(api: Api, user: User) -> list[dict[str, Any]]:
    """The committees the person reads (meetings decides which)."""
    return await api.all_items("meetings", "/committees", token=user.token)


async def committee(api: Api, user: User, committee_id: str) -> tuple[dict[str, Any], str | None]:
    """A committee and its version (ETag)."""
    reply = await api.call("GET", "meetings", f"/committees/{committee_id}", token=user.token)
    return reply.body, reply.etag


async def members(api: Api, user: User, committee_id: str) -> list[dict[str, Any]]:
    return await api.all_items("meetings", f"/committees/{committee_id}/members", token=user.token)


async def region_persons(api: Api, user: User, region: str | None) -> list[dict[str, Any]]:
    """The registry's persons of the committee's region (state level: the state's)."""
    return await api.all_items(
        "registry", "/persons", params={"region": region or "state"}, token=user.token
    )


async def sessions(
    api: Api, user: User, visible: list[dict[str, Any]], committee_id: str | None = None
) -> list[dict[str, Any]]:
    """The sessions of the ``visible`` committees from a year ago on, upcoming first (soonest
    first), then the past ones (latest first), each with ``agenda_count``."""
    since = (datetime.now(UTC) - PAST).isoformat()
    params = {"starts_after": since, "committee_id": committee_id}
    found = await api.all_items("meetings", "/meetings", params=params, token=user.token)
    ids = {c["id"] for c in visible}
    chosen = [m for m in found if m["kind"] in SESSION_KINDS and m.get("committee_id") in ids]
    at_once = asyncio.Semaphore(AT_ONCE)

    async def counted(meeting_id: str) -> int | None:
        async with at_once:
            return await _agenda_count(api, user, meeting_id)

    counts = await asyncio.gather(*(counted(m["id"]) for m in chosen))
    now = datetime.now(UTC)
    for meeting, count in zip(chosen, counts, strict=True):
        meeting["agenda_count"] = count
        meeting["upcoming"] = datetime.fromisoformat(meeting["ends_at"]) >= now
    upcoming = sorted((m for m in chosen if m["upcoming"]), key=lambda m: m["starts_at"])
    past = sorted((m for m in chosen if not m["upcoming"]), key=lambda m: m["starts_at"])
    return upcoming + past[::-1]


async def _unless_hidden(call: Awaitable[Any]) -> Any:
    """The answer, or None when it is not there or the person may not read it."""
    try:
        return await call
    except ApiError as exc:
        if exc.status in (403, 404):
            return None
        raise


async def _agenda_count(api: Api, user: User, meeting_id: str) -> int | None:
    path = f"/meetings/{meeting_id}/agenda"
    items = await _unless_hidden(api.all_items("meetings", path, token=user.token))
    return None if items is None else sum(1 for i in items if i["status"] != "withdrawn")


async def meeting(api: Api, user: User, meeting_id: str) -> dict[str, Any]:
    return await api.get("meetings", f"/meetings/{meeting_id}", token=user.token)  # type: ignore[no-any-return]


async def agenda(api: Api, user: User, meeting_id: str) -> list[dict[str, Any]]:
    """The items in order (withdrawn applications left out), each decision item on an
    application with ``application`` (offers' view, or None) and ``schools`` (names)."""
    items = await api.all_items("meetings", f"/meetings/{meeting_id}/agenda", token=user.token)
    shown = [i for i in items if i["status"] != "withdrawn"]
    found = await asyncio.gather(*(_application(api, user, i) for i in shown))
    for item, (application, schools) in zip(shown, found, strict=True):
        item["application"] = application
        item["schools"] = schools
    return shown


def mark_recused(items: list[dict[str, Any]], members: list[dict[str, Any]]) -> None:
    """Give each item ``recused``: the names of the voting members whose organisation applies or
    is a partner (meetings leaves them out of the vote and the quorum)."""
    for item in items:
        involved = {
            item.get("applicant_organization_id"),
            *item.get("partner_organization_ids", []),
        }
        involved.discard(None)
        item["recused"] = [
            m["name"] or "Unbekannte Person"
            for m in members
            if m["voting"] and m.get("organization_id") in involved
        ]


async def _application(
    api: Api, user: User, item: dict[str, Any]
) -> tuple[dict[str, Any] | None, list[str]]:
    if not item.get("application_id"):
        return None, []
    path = f"/applications/{item['application_id']}"
    app = await _unless_hidden(api.get("offers", path, token=user.token))
    if app is None:
        return None, []
    names = await asyncio.gather(*(_school_name(api, user, s) for s in app.get("school_ids", [])))
    return app, [n for n in names if n]


async def _school_name(api: Api, user: User, school_id: str) -> str | None:
    school = await _unless_hidden(api.get("registry", f"/schools/{school_id}", token=user.token))
    return None if school is None else str(school["name"])


async def attendance(api: Api, user: User, meeting_id: str) -> list[str]:
    """The ids of the persons recorded as present (none when the person may not read them)."""
    path = f"/meetings/{meeting_id}/attendance"
    found = await _unless_hidden(api.get("meetings", path, token=user.token))
    return [] if found is None else [str(p) for p in found["person_ids"]]


async def minutes(
    api: Api, user: User, meeting_id: str
) -> tuple[dict[str, Any] | None, str | None]:
    """The minutes the person may read and their version (None while there are none)."""
    path = f"/meetings/{meeting_id}/minutes"
    reply = await _unless_hidden(api.call("GET", "meetings", path, token=user.token))
    return (None, None) if reply is None else (reply.body, reply.etag)


async def calendar(api: Api, user: User, path: str, params: dict[str, Any] | None = None) -> bytes:
    """An iCalendar feed of meetings, as the person may see it (non-public sessions too)."""
    reply = await api.call(
        "GET", "meetings", path, params=params, token=user.token, accept="text/calendar"
    )
    return str(reply.body).encode("utf-8")


# --------------------------------------------------------------------------- the subscription

FEED_SECRET = re.compile(r"[A-Za-z0-9_-]{20,128}")  # meetings' secrets: 32 bytes, base64url


async def feeds(api: Api, user: User) -> list[dict[str, Any]]:
    """The person's calendar subscriptions (id and date; meetings never shows a secret again)."""
    found = await api.get("meetings", "/calendar-feeds", token=user.token)
    return list(found["items"])


async def new_feed(api: Api, user: User) -> str:
    """A new secret feed link at meetings (it revokes the person's earlier ones): the secret."""
    reply = await api.call("POST", "meetings", "/calendar-feeds", token=user.token)
    return str(reply.body["secret"])


async def revoke_feed(api: Api, user: User, feed_id: str) -> None:
    """Revoke one of the person's subscriptions (gone already: nothing to do)."""
    await _unless_hidden(
        api.call("DELETE", "meetings", f"/calendar-feeds/{feed_id}", token=user.token)
    )


def feed_urls(base_url: str, secret: str) -> dict[str, str]:
    """The web's addresses of a subscription: ``https`` (or the site's scheme) and ``webcal``."""
    url = f"{base_url.rstrip('/')}/kalender/{secret}.ics"
    return {"https": url, "webcal": "webcal://" + url.split("://", 1)[-1]}


async def feed_calendar(api: Api, secret: str) -> bytes | None:
    """The subscribed person's calendar, asked WITHOUT a token (the secret is the key); None
    for a secret meetings does not know (unknown or revoked)."""
    if not FEED_SECRET.fullmatch(secret):
        return None
    reply = await _unless_hidden(
        api.call(
            "GET", "meetings", "/meetings.ics", params={"feed": secret}, accept="text/calendar"
        )
    )
    return None if reply is None else str(reply.body).encode("utf-8")


# --------------------------------------------------------------------------- changing


async def submit(
    api: Api,
    user: User,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
    *,
    renames: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[Any, Refusal | None]:
    """A change at meetings unless the form had ``errors`` (then 422 with them): its answer, or
    the refusal (409, 412, 422) as German errors."""
    if errors:
        return None, (422, errors)
    try:
        reply = await api.call(
            method, "meetings", path, token=user.token, json=body, headers=headers
        )
    except ApiError as exc:
        if exc.status in (409, 412, 422):
            return None, (exc.status, errors_of(exc, renames=renames))
        raise
    return reply.body, None


async def record_decision(
    api: Api, user: User, meeting: dict[str, Any], item: dict[str, Any], body: dict[str, Any]
) -> Refusal | None:
    """POST the decision; without quorum the refusal names how many voting members are present
    and how many are needed."""
    item_id = str(item["id"])
    renames = {
        "approved_cents": f"approved-{item_id}",
        "conditions": f"conditions-{item_id}",
        "reason": f"reason-{item_id}",
        "outcome": f"outcome-{item_id}",
    }
    path = f"/meetings/{meeting['id']}/agenda/{item_id}/decision"
    try:
        await api.call("POST", "meetings", path, token=user.token, json=body)
    except ApiError as exc:
        if exc.status == 409 and exc.rule == "no-quorum":
            return 409, [{"field": None, "message": await no_quorum(api, user, meeting)}]
        if exc.status in (409, 422):
            errors = [
                e if e["field"] is None or e["field"].endswith(item_id) else e | {"field": None}
                for e in errors_of(exc, renames=renames)
            ]
            return exc.status, errors
        raise
    return None


async def no_quorum(api: Api, user: User, meeting: dict[str, Any]) -> str:
    """„Die Gremiensitzung ist nicht beschlussfähig: …“ with the figures."""
    found, _ = await committee(api, user, str(meeting["committee_id"]))
    seated = await members(api, user, str(meeting["committee_id"]))
    present = set(await attendance(api, user, str(meeting["id"])))
    voting_present = sum(1 for m in seated if m["voting"] and str(m["person_id"]) in present)
    needed = int(found["quorum_required"])
    if voting_present >= needed:  # enough present, but some of them are recused
        return (
            "Die Gremiensitzung ist nicht beschlussfähig: Ohne die befangenen Mitglieder sind "
            f"weniger als {needed} stimmberechtigte Mitglieder anwesend."
        )
    return (
        "Die Gremiensitzung ist nicht beschlussfähig: Anwesend sind "
        f"{voting_present} stimmberechtigte Mitglieder, nötig sind mindestens {needed}. "
        "Bitte erfassen Sie zuerst die Anwesenheit."
    )
