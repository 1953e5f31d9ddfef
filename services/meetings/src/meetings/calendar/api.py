"""HTTP routes for iCalendar feeds (registered before ``/meetings/{id}`` so ``.ics`` wins) and the
personal calendar subscriptions (``/calendar-feeds``)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from meetings.calendar import service
from meetings.calendar.ics import calendar_of
from meetings.calendar.schemas import CalendarFeedCreated, CalendarFeedList, CalendarFeedPublic
from meetings.common import ViewerDep, check_region_filter
from meetings.schedule import lookup, repository
from meetings.schedule.service import visibility
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.db import utcnow
from schulerfolg.http.problems import problem_responses

router = APIRouter(tags=["calendar"])

ICS = "text/calendar; charset=utf-8"
FEED_PAST = timedelta(days=180)  # a feed shows meetings from half a year ago on
FEED_LIMIT = 1000
ICS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/calendar": {"schema": {"type": "string"}}},
        "description": "iCalendar (RFC 5545).",
    }
}


def _ics(body: bytes, filename: str) -> Response:
    return Response(
        body, media_type=ICS, headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )


@router.get(
    "/meetings.ics",
    response_class=Response,
    responses={**ICS_RESPONSE, **problem_responses(401, 404, 422)},
    summary="Calendar feed of meetings",
)
async def meetings_feed(
    session: SessionDep,
    viewer: ViewerDep,
    region: Annotated[
        str | None, Query(max_length=64, description="Region slug, or `state`.")
    ] = None,
    committee_id: Annotated[uuid.UUID | None, Query()] = None,
    feed: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=128,
            description="The secret of a personal subscription (`POST /calendar-feeds`): the "
            "sessions of the person's committees, non-public ones too, without a token; 404 "
            "for an unknown or revoked secret.",
        ),
    ] = None,
) -> Response:
    """Public meetings for anyone; with a token also those the caller may see; with ``feed`` the
    subscribed person's committees' sessions. From 180 days ago on, at most 1000 entries,
    Europe/Berlin times."""
    check_region_filter(region)
    shown = (
        visibility(viewer)
        if feed is None
        else await service.feed_visibility(session=session, secret=feed)
    )
    meetings = await repository.calendar_meetings(
        session,
        visibility=shown,
        since=utcnow() - FEED_PAST,
        limit=FEED_LIMIT,
        region=region,
        committee_id=committee_id,
    )
    name = "Schulerfolg sichern – Termine" + (f" ({region})" if region else "")
    return _ics(calendar_of(meetings, name=name), "termine.ics")


@router.get(
    "/meetings/{meeting_id}.ics",
    response_class=Response,
    responses={**ICS_RESPONSE, **problem_responses(401, 403, 404, 422)},
    summary="One meeting as iCalendar",
)
async def meeting_ics(meeting_id: uuid.UUID, session: SessionDep, viewer: ViewerDep) -> Response:
    """The meeting's calendar entry (a public one for anyone)."""
    meeting = await lookup.get_meeting(session=session, viewer=viewer, meeting_id=meeting_id)
    return _ics(calendar_of([meeting], name=meeting.title), f"termin-{meeting.id}.ics")


# --------------------------------------------------------------------------- subscriptions


@router.post(
    "/calendar-feeds",
    status_code=201,
    response_model=CalendarFeedCreated,
    responses=problem_responses(401),
    summary="A personal calendar subscription",
)
async def create_feed(session: SessionDep, runtime: RuntimeDep, viewer: ViewerDep) -> JSONResponse:
    """A new secret feed link for the caller (any signed-in person): it shows the sessions of the
    committees they sit in. The secret is answered only here; a new link revokes the caller's
    earlier ones. No ``Idempotency-Key``: the answer carries the secret, which is never stored."""
    feed, secret = await service.create_feed(session=session, viewer=viewer)
    base = runtime.settings.public_base_url.rstrip("/")
    body = CalendarFeedCreated(
        id=feed.id,
        created_at=feed.created_at,
        secret=secret,
        url=f"{base}/api/v1/meetings.ics?feed={secret}",
    )
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"/api/v1/calendar-feeds/{feed.id}", "Cache-Control": "no-store"},
    )


@router.get(
    "/calendar-feeds",
    response_model=CalendarFeedList,
    responses=problem_responses(401),
    summary="The caller's calendar subscriptions",
)
async def list_feeds(session: SessionDep, viewer: ViewerDep) -> CalendarFeedList:
    """The caller's subscriptions (without their secrets)."""
    feeds = await service.list_feeds(session=session, viewer=viewer)
    return CalendarFeedList(items=[CalendarFeedPublic.model_validate(f) for f in feeds])


@router.delete(
    "/calendar-feeds/{feed_id}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401, 404, 422),
    summary="Revoke a calendar subscription",
)
async def revoke_feed(feed_id: uuid.UUID, session: SessionDep, viewer: ViewerDep) -> Response:
    """Revoke one of the caller's subscriptions: its link answers 404 from now on."""
    await service.revoke_feed(session=session, viewer=viewer, feed_id=feed_id)
    return Response(status_code=204)
