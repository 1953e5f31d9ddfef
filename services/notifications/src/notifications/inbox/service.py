"""The inbox of the signed-in user: list, unread count, mark read, and a live stream."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import deque
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.common import Signal
from notifications.inbox import repository
from notifications.inbox.schemas import NotificationPublic
from notifications.models import Notification
from schulerfolg.auth import Principal
from schulerfolg.db import Database, utcnow
from schulerfolg.http.pagination import PageParams
from schulerfolg.http.problems import NotFound

# New notifications are looked for with this much overlap: a transaction that committed late
# may carry a slightly older timestamp than one already sent; ids already sent are skipped.
STREAM_OVERLAP = timedelta(seconds=10)


class NotificationNotFound(NotFound):
    """No notification with this id belongs to the caller."""

    def __init__(self, notification_id: uuid.UUID) -> None:
        super().__init__(f"You have no notification {notification_id}.")


async def list_inbox(
    *, session: AsyncSession, principal: Principal, page: PageParams, unread: bool | None
) -> tuple[list[Notification], str | None]:
    """The caller's notifications, newest first."""
    return await repository.page(session, principal, page, unread=unread)


async def mark_read(
    *, session: AsyncSession, principal: Principal, notification_id: uuid.UUID
) -> Notification:
    """Mark one of the caller's notifications read (again: no change)."""
    notification = await repository.get_owned(session, principal, notification_id)
    if notification is None:
        raise NotificationNotFound(notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        notification.touch()
        session.add(notification)
    return notification


async def mark_all_read(*, session: AsyncSession, principal: Principal) -> int:
    """Mark all of the caller's notifications read; how many were unread."""
    return await repository.mark_all_read(session, principal, utcnow())


async def unread_count(*, session: AsyncSession, principal: Principal) -> int:
    """How many of the caller's notifications are unread."""
    return await repository.unread_count(session, principal)


async def _start_after(db: Database, principal: Principal, last_event_id: str | None) -> datetime:
    """Where a stream starts: after the notification a reconnecting client saw last, else now."""
    if last_event_id:
        try:
            seen_id = uuid.UUID(last_event_id.strip())
        except ValueError:
            seen_id = None
        if seen_id is not None:
            async with db.transaction(readonly=True) as session:
                seen = await repository.get_owned(session, principal, seen_id)
            if seen is not None:
                return seen.created_at
    return utcnow()


async def stream(
    *,
    db: Database,
    principal: Principal,
    changed: Signal,
    last_event_id: str | None,
    poll_interval: float,
    keepalive: float,
    max_seconds: float,
) -> AsyncIterator[str]:
    """Server-Sent Events: each new notification of the caller as ``event: notification``
    (``id`` = notification id, ``data`` = the JSON of the inbox entry). Woken by this process's
    commits and polling for other replicas'; ends after ``max_seconds`` (clients reconnect with
    ``Last-Event-ID``)."""
    after = await _start_after(db, principal, last_event_id)
    sent: deque[uuid.UUID] = deque(maxlen=1000)
    async with db.transaction(readonly=True) as session:
        # What the client has seen already (up to ``after``) is not sent again.
        sent.extend(
            n.id
            for n in await repository.since(session, principal, after - STREAM_OVERLAP)
            if n.created_at <= after
        )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_seconds
    quiet_since = loop.time()
    yield f"retry: {int(poll_interval * 1000)}\n: connected\n\n"
    while loop.time() < deadline:
        async with db.transaction(readonly=True) as session:
            fresh = await repository.since(session, principal, after - STREAM_OVERLAP)
        for notification in fresh:
            if notification.id in sent:
                continue
            sent.append(notification.id)
            after = max(after, notification.created_at)
            body = NotificationPublic.of(notification).model_dump_json()
            quiet_since = loop.time()
            yield f"id: {notification.id}\nevent: notification\ndata: {body}\n\n"
        if loop.time() - quiet_since >= keepalive:
            quiet_since = loop.time()
            yield ": keep-alive\n\n"
        await changed.wait(min(poll_interval, max(deadline - loop.time(), 0)))
    yield f"event: end\ndata: {json.dumps({'reconnect': True})}\n\n"
