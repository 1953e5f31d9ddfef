"""HTTP routes of the inbox (thin: they call the service functions)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from notifications.inbox import service
from notifications.inbox.schemas import MarkedRead, NotificationPublic, UnreadCount
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.auth import CurrentPrincipal
from schulerfolg.http.etag import set_etag
from schulerfolg.http.pagination import Page, PageDep
from schulerfolg.http.problems import problem_responses

router = APIRouter(tags=["inbox"])


@router.get(
    "/inbox",
    response_model=Page[NotificationPublic],
    responses=problem_responses(400, 401, 422),
    summary="My notifications, newest first",
)
async def list_inbox(
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageDep,
    unread: Annotated[
        bool | None, Query(description="true: only unread ones; false: only read ones.")
    ] = None,
) -> Page[NotificationPublic]:
    """Notifications sent to a person whose `user_sub` is the token's `sub`, or to the token's
    `email` address."""
    items, next_cursor = await service.list_inbox(
        session=session, principal=principal, page=page, unread=unread
    )
    return Page(items=[NotificationPublic.of(n) for n in items], next_cursor=next_cursor)


@router.get(
    "/inbox/unread-count",
    response_model=UnreadCount,
    responses=problem_responses(401),
    summary="How many of my notifications are unread",
)
async def unread_count(session: SessionDep, principal: CurrentPrincipal) -> UnreadCount:
    """The number of unread notifications (for a badge)."""
    return UnreadCount(unread=await service.unread_count(session=session, principal=principal))


@router.get(
    "/inbox/stream",
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "Server-Sent Events: `event: notification` with the inbox entry as data.",
        },
        **problem_responses(401),
    },
    response_class=StreamingResponse,
    summary="Live stream of my new notifications (Server-Sent Events)",
)
async def stream_inbox(
    request: Request,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    last_event_id: Annotated[str | None, Header(max_length=64)] = None,
) -> StreamingResponse:
    """Pushes each new notification as it arrives; reconnect with `Last-Event-ID` to resume."""
    state = request.app.state.notifications
    settings = state.notifier.settings
    events = service.stream(
        db=runtime.db,
        principal=principal,
        changed=state.notifier.signals.inbox,
        last_event_id=last_event_id,
        poll_interval=settings.sse_poll_interval,
        keepalive=settings.sse_keepalive,
        max_seconds=settings.sse_max_seconds,
    )
    return StreamingResponse(
        events,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.post(
    "/inbox/read-all",
    response_model=MarkedRead,
    responses=problem_responses(401),
    summary="Mark all my notifications read",
)
async def read_all(session: SessionDep, principal: CurrentPrincipal) -> MarkedRead:
    """Marks every unread notification of the caller read."""
    return MarkedRead(marked=await service.mark_all_read(session=session, principal=principal))


@router.post(
    "/inbox/{notification_id}/read",
    response_model=NotificationPublic,
    responses=problem_responses(401, 404, 422),
    summary="Mark one notification read",
)
async def read_one(
    notification_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
) -> NotificationPublic:
    """Marks the notification read (only the owner's; 404 for others)."""
    notification = await service.mark_read(
        session=session, principal=principal, notification_id=notification_id
    )
    set_etag(response, notification.version)
    return NotificationPublic.of(notification)
