"""The signed-in person's inbox and notification preferences, over notifications' API:
entries shaped for the pages (German kind names, page paths instead of API paths), the live
relay of notifications' stream as the events ``site.js`` understands, and the unread count for
the header of every page (cached per session for a few seconds)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import structlog
from fastapi import Request
from fastapi.sse import ServerSentEvent

from web.auth.schemas import User
from web.site.client import Api, ApiError, ServiceUnavailable

log = structlog.get_logger("web.inbox")

PAGE_SIZE = 20
RETRY_MILLISECONDS = 3000  # how soon a browser reconnects after the relay ended

KIND_LABELS = {
    "application_submitted": "Antrag eingereicht",
    "application_approved": "Antrag bewilligt",
    "application_rejected": "Antrag abgelehnt",
    "application_returned": "Antrag zur Überarbeitung zurückgegeben",
    "decision_refused": "Beschluss konnte nicht übernommen werden",
    "meeting_scheduled": "Einladung zu einem Termin",
    "meeting_updated": "Termin geändert",
    "meeting_cancelled": "Termin abgesagt",
    "registration_confirmed": "Anmeldung bestätigt",
    "registration_waitlisted": "Anmeldung auf der Warteliste",
    "registration_promoted": "Von der Warteliste nachgerückt",
    "meeting_reminder": "Erinnerung an einen Termin",
    "report_due": "Sachbericht fällig",
    "payment_approved": "Mittelabruf bewilligt",
    "payment_paid": "Mittel ausgezahlt",
    "proof_of_use_due": "Verwendungsnachweis fällig",  # proof of use (issue 16)
    "proof_of_use_overdue": "Verwendungsnachweis überfällig",
    "proof_of_use_returned": "Verwendungsnachweis zur Korrektur zurückgegeben",
    "proof_of_use_accepted": "Verwendungsnachweis anerkannt",
    "reclaim_due": "Rückforderung",
    "youth_project_received": "Jugendprojekt bestätigen",  # youth micro-projects (issue 20)
    "participation_certificate": "Teilnahmebescheinigung",  # attendance (issue 20)
    "circular_started": "Umlaufverfahren: bitte abstimmen",  # circular decisions (issue 20)
    "circular_reminder": "Erinnerung an ein Umlaufverfahren",
    "circular_result": "Ergebnis eines Umlaufverfahrens",
}
CHANNELS = (("email", "E-Mail"), ("inbox", "Posteingang"))
CHANNEL_FIELDS = {"email": "email", "inbox": "posteingang"}
DIGESTS = (
    ("off", "Einzeln, sobald etwas geschieht"),
    ("daily", "Einmal am Tag gesammelt"),
    ("weekly", "Einmal in der Woche gesammelt"),
)

# Notifications link to the resource's path in the front end as the APIs name it; the pages
# have German paths.
_PAGE_PATHS = (
    (re.compile(r"^/applications/([A-Za-z0-9-]+)/?$"), "/antraege/{}"),
    (re.compile(r"^/meetings/([A-Za-z0-9-]+)/?$"), "/veranstaltungen/{}"),
)


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, "Benachrichtigung")


def page_path(link: str | None) -> str | None:
    """The page for a notification's ``link`` (``/applications/<id>`` → ``/antraege/<id>``);
    None when there is no page for it."""
    for pattern, page in _PAGE_PATHS:
        found = pattern.match(link or "")
        if found:
            return page.format(found.group(1))
    return None


def entry(item: Mapping[str, Any]) -> dict[str, Any]:
    """An inbox entry as the page (and the live script) shows it."""
    return {
        "id": str(item.get("id", "")),
        "kind": item.get("kind", ""),
        "kind_label": kind_label(str(item.get("kind", ""))),
        "title": item.get("title", ""),
        "body": item.get("body", ""),
        "link": page_path(item.get("link")),
        "read": bool(item.get("read")),
        "created_at": item.get("created_at"),
    }


# --------------------------------------------------------------------------- the inbox


async def unread_count(api: Api, user: User) -> int:
    body = await api.get("notifications", "/inbox/unread-count", token=user.token)
    return int(body.get("unread", 0))


async def inbox(api: Api, user: User, cursor: str | None) -> dict[str, Any]:
    """One page of the person's notifications (newest first) and the unread count."""
    listed, unread = await asyncio.gather(
        api.get(
            "notifications",
            "/inbox",
            token=user.token,
            params={"limit": PAGE_SIZE, "cursor": cursor},
        ),
        unread_count(api, user),
    )
    COUNTS.put(user, unread)
    return {
        "entries": [entry(item) for item in listed.get("items", [])],
        "next_cursor": listed.get("next_cursor"),
        "unread": unread,
    }


async def mark_read(api: Api, user: User, notification_id: str) -> None:
    await api.call("POST", "notifications", f"/inbox/{notification_id}/read", token=user.token)
    COUNTS.forget(user)


async def mark_all_read(api: Api, user: User) -> None:
    await api.call("POST", "notifications", "/inbox/read-all", token=user.token)
    COUNTS.put(user, 0)


# --------------------------------------------------------------------------- the live relay


@dataclass
class StreamEvent:
    """One event of a ``text/event-stream``."""

    event: str = "message"
    data: list[str] = field(default_factory=list)
    id: str | None = None


async def read_events(lines: AsyncIterator[str]) -> AsyncIterator[StreamEvent]:
    """The events of a server-sent event stream, line by line (comments are skipped)."""
    current = StreamEvent()
    async for line in lines:
        if not line:
            if current.data:
                yield current
            current = StreamEvent()
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            current.event = value
        elif name == "data":
            current.data.append(value)
        elif name == "id":
            current.id = value


@dataclass
class LiveFeed:
    """notifications' stream of one person, open; ``events`` relays it for ``site.js``."""

    api: Api
    user: User
    response: httpx.Response
    unread: int

    async def events(self) -> AsyncIterator[ServerSentEvent]:
        """``unread`` with ``{"unread": n}`` first and after each new notification, and
        ``notification`` with the entry (page link, German kind) and its id, so a reconnecting
        browser resumes with ``Last-Event-ID``. Ends when notifications ends its stream."""
        yield ServerSentEvent(
            event="unread", data={"unread": self.unread}, retry=RETRY_MILLISECONDS
        )
        try:
            async for message in read_events(self.response.aiter_lines()):
                if message.event == "end":
                    return
                if message.event != "notification":
                    continue
                try:
                    item = json.loads("\n".join(message.data))
                except ValueError:
                    continue
                if not isinstance(item, dict):
                    continue
                yield ServerSentEvent(event="notification", id=message.id, data=entry(item))
                with contextlib.suppress(ApiError):
                    count = await unread_count(self.api, self.user)
                    COUNTS.put(self.user, count)
                    yield ServerSentEvent(event="unread", data={"unread": count})
        except httpx.HTTPError as exc:
            log.info("web.inbox_stream_ended", error=type(exc).__name__)


@asynccontextmanager
async def live_feed(api: Api, user: User, last_event_id: str | None) -> AsyncIterator[LiveFeed]:
    """Open notifications' stream with the person's token (``ApiError`` when refused)."""
    unread = await unread_count(api, user)
    headers = {"Last-Event-ID": last_event_id} if last_event_id else None
    async with contextlib.AsyncExitStack() as stack:
        try:
            response = await stack.enter_async_context(
                api.stream("notifications", "/inbox/stream", token=user.token, headers=headers)
            )
        except httpx.HTTPError as exc:
            raise ServiceUnavailable(503, {"title": "unreachable"}, "notifications") from exc
        if response.status_code != 200:
            raise ApiError(response.status_code, {}, "notifications")
        yield LiveFeed(api=api, user=user, response=response, unread=unread)


# --------------------------------------------------------------------------- header count


class UnreadCounts:
    """The unread count per session for the header of every page, at most ``fresh_seconds``
    old when a page asks: a page never waits for it. A missing or older count is fetched in the
    background (once per session at a time) and shown from the next page on; the inbox pages
    and the live relay store what they fetched anyway."""

    def __init__(self, fresh_seconds: float = 5.0, max_sessions: int = 10_000) -> None:
        self.fresh_seconds = fresh_seconds
        self.max_sessions = max_sessions
        self._counts: dict[str, tuple[float, int]] = {}
        self._refreshing: dict[str, asyncio.Task[None]] = {}

    def put(self, user: User, count: int) -> None:
        if len(self._counts) >= self.max_sessions and user.session_id not in self._counts:
            oldest = sorted(self._counts.items(), key=lambda kv: kv[1][0])
            for key, _ in oldest[: self.max_sessions // 2]:
                del self._counts[key]
        self._counts[user.session_id] = (time.monotonic(), count)

    def forget(self, user: User) -> None:
        self._counts.pop(user.session_id, None)

    def current(self, api: Api, user: User) -> int | None:
        """The count known now (None: not yet); starts a refresh when it is not fresh."""
        known = self._counts.get(user.session_id)
        if known is None or time.monotonic() - known[0] > self.fresh_seconds:
            self._refresh_soon(api, user)
        return known[1] if known else None

    def _refresh_soon(self, api: Api, user: User) -> None:
        key = user.session_id
        if key in self._refreshing:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # rendered outside the event loop: no background work
            return
        task = loop.create_task(self._refresh(api, user))
        self._refreshing[key] = task
        task.add_done_callback(lambda _: self._refreshing.pop(key, None))

    async def _refresh(self, api: Api, user: User) -> None:
        try:
            self.put(user, await unread_count(api, user))
        except ApiError as exc:
            if exc.status in (401, 403):
                self.forget(user)
        except Exception as exc:  # the header can do without the count
            log.info("web.unread_count_failed", error=type(exc).__name__)


COUNTS = UnreadCounts()


def unread_count_context(request: Request) -> dict[str, Any]:
    """Template context processor: ``unread_count`` for the header of a signed-in person."""
    user: User | None = getattr(request.state, "user", None)
    if user is None:
        return {}
    count = COUNTS.current(request.app.state.api, user)
    return {} if count is None else {"unread_count": count}


# --------------------------------------------------------------------------- preferences


async def preferences(api: Api, user: User) -> dict[str, Any]:
    """The person's preferences (defaults: everything on, no digest) and their version."""
    body: dict[str, Any] = await api.get("notifications", "/preferences", token=user.token)
    return body


def preference_view(prefs: Mapping[str, Any]) -> dict[str, Any]:
    """What the form shows: channels, one row per kind, the digest."""
    channels = prefs.get("channels") or {}
    kinds = prefs.get("kinds") or {}
    return {
        "channels": [
            (CHANNEL_FIELDS[name], label, bool(channels.get(name, True)))
            for name, label in CHANNELS
        ],
        "kinds": [
            {
                "kind": kind,
                "label": kind_label(kind),
                "channels": [
                    (CHANNEL_FIELDS[name], label, bool((kinds.get(kind) or {}).get(name, True)))
                    for name, label in CHANNELS
                ],
            }
            for kind in sorted(kinds, key=_kind_order)
        ],
        "digest": prefs.get("digest", "off"),
        "version": int(prefs.get("version", 0)),
    }


def _kind_order(kind: str) -> int:
    order = list(KIND_LABELS)
    return order.index(kind) if kind in order else len(order)


def preferences_from_form(form: Mapping[str, Any], kinds: list[str]) -> dict[str, Any]:
    """The body of ``PUT /preferences`` from the posted form (a checkbox left out is off)."""

    def on(name: str) -> bool:
        return form.get(name) is not None

    return {
        "channels": {name: on(f"kanal-{CHANNEL_FIELDS[name]}") for name, _ in CHANNELS},
        "kinds": {
            kind: {name: on(f"art-{kind}-{CHANNEL_FIELDS[name]}") for name, _ in CHANNELS}
            for kind in kinds
        },
        "digest": str(form.get("zusammenfassung") or ""),
    }


def form_errors(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """German sentences for what the form itself can check."""
    if body["digest"] not in {value for value, _ in DIGESTS}:
        return [
            {
                "field": "zusammenfassung",
                "message": "Wählen Sie aus, ob Sie E-Mails einzeln oder gesammelt erhalten möchten.",
            }
        ]
    return []


async def save_preferences(api: Api, user: User, body: dict[str, Any], version: str) -> None:
    headers = {"If-Match": f'"{int(version)}"'} if version.isdigit() else None
    await api.call(
        "PUT", "notifications", "/preferences", token=user.token, json=body, headers=headers
    )


def refusal_errors(exc: ApiError) -> list[dict[str, Any]]:
    """The service's refusal of a save as German sentences."""
    if exc.status == 412:
        return [
            {
                "field": None,
                "message": "Ihre Einstellungen wurden inzwischen an anderer Stelle geändert. "
                "Unten steht jetzt der neue Stand; bitte wählen Sie noch einmal und speichern Sie.",
            }
        ]
    if any(str(e.get("field", "")).endswith("digest") for e in exc.field_errors):
        return [
            {
                "field": "zusammenfassung",
                "message": "Wählen Sie aus, ob Sie E-Mails einzeln oder gesammelt erhalten möchten.",
            }
        ]
    return [
        {
            "field": None,
            "message": "Die Einstellungen konnten so nicht gespeichert werden. "
            "Bitte laden Sie die Seite neu und versuchen Sie es noch einmal.",
        }
    ]
