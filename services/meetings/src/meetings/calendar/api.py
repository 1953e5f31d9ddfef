"""HTTP routes for iCalendar feeds (registered before ``/meetings/{id}`` so ``.ics`` wins)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from meetings.calendar.ics import calendar_of
from meetings.common import ViewerDep, check_region_filter
from meetings.schedule import lookup, repository
from meetings.schedule.service import visibility
from schulerfolg.app import SessionDep
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
    responses={**ICS_RESPONSE, **problem_responses(401, 422)},
    summary="Calendar feed of meetings",
)
async def meetings_feed(
    session: SessionDep,
    viewer: ViewerDep,
    region: Annotated[
        str | None, Query(max_length=64, description="Region slug, or `state`.")
    ] = None,
    committee_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Response:
    """Public meetings for anyone; with a token also those the caller may see. From 180 days
    ago on, at most 1000 entries, Europe/Berlin times."""
    check_region_filter(region)
    meetings = await repository.calendar_meetings(
        session,
        visibility=visibility(viewer),
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
