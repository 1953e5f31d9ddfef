"""HTTP routes for meetings and events (thin: they call the service functions)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from meetings.common import ViewerDep
from meetings.models import Meeting
from meetings.schedule import lookup, service
from meetings.schedule.schemas import (
    AttendancePublic,
    AttendanceWrite,
    MeetingCancel,
    MeetingCreate,
    MeetingKind,
    MeetingPublic,
    MeetingStatus,
    MeetingUpdate,
    Time,
)
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.http.etag import IfMatch, etag, set_etag
from schulerfolg.http.idempotency import Created, IdempotencyDep, run_idempotent
from schulerfolg.http.pagination import Page, PageDep
from schulerfolg.http.problems import problem_responses

router = APIRouter(prefix="/meetings", tags=["meetings"])


def _location(meeting_id: uuid.UUID) -> str:
    return f"/api/v1/meetings/{meeting_id}"


@router.get(
    "",
    response_model=Page[MeetingPublic],
    responses=problem_responses(400, 401, 422),
    summary="Meetings and events",
)
async def list_meetings(
    session: SessionDep,
    viewer: ViewerDep,
    page: PageDep,
    region: Annotated[
        str | None, Query(max_length=64, description="Region slug, or `state`.")
    ] = None,
    committee_id: Annotated[uuid.UUID | None, Query()] = None,
    kind: Annotated[MeetingKind | None, Query()] = None,
    status: Annotated[MeetingStatus | None, Query()] = None,
    starts_after: Annotated[Time | None, Query(description="Starting at or after.")] = None,
    starts_before: Annotated[Time | None, Query(description="Starting before.")] = None,
) -> Page[MeetingPublic]:
    """By start time. Public ones for anyone; with a token also those the caller may see."""
    meetings, next_cursor = await service.list_meetings(
        session=session,
        viewer=viewer,
        page=page,
        region=region,
        committee_id=committee_id,
        kind=kind,
        status=status,
        starts_after=starts_after,
        starts_before=starts_before,
    )
    counts = await service.registration_counts(session=session, meetings=meetings)
    return Page(
        items=[MeetingPublic.of(m, counts.get(m.id, (0, 0))) for m in meetings],
        next_cursor=next_cursor,
    )


@router.post(
    "",
    status_code=201,
    response_model=MeetingPublic,
    responses=problem_responses(401, 403, 409, 422),
    summary="Schedule a meeting or event",
)
async def create_meeting(
    data: MeetingCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    viewer: ViewerDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """A committee's new session takes the applications waiting in its pending list."""

    async def create() -> Created:
        meeting = await service.create_meeting(session=session, viewer=viewer, data=data)
        return Created(
            MeetingPublic.of(meeting),
            headers={"Location": _location(meeting.id), "ETag": etag(meeting.version)},
        )

    return await run_idempotent(session, runtime.tables, idempotency, data, create)


async def _one(session: AsyncSession, meeting: Meeting, response: Response) -> MeetingPublic:
    counts = await service.registration_counts(session=session, meetings=[meeting])
    set_etag(response, meeting.version)
    return MeetingPublic.of(meeting, counts.get(meeting.id, (0, 0)))


@router.get(
    "/{meeting_id}",
    response_model=MeetingPublic,
    responses=problem_responses(401, 403, 404, 422),
    summary="One meeting",
)
async def get_meeting(
    meeting_id: uuid.UUID, session: SessionDep, viewer: ViewerDep, response: Response
) -> MeetingPublic:
    """Public meetings for anyone; the ETag is its version."""
    meeting = await lookup.get_meeting(session=session, viewer=viewer, meeting_id=meeting_id)
    return await _one(session, meeting, response)


@router.patch(
    "/{meeting_id}",
    response_model=MeetingPublic,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    summary="Change or reschedule a meeting",
)
async def update_meeting(
    meeting_id: uuid.UUID,
    changes: MeetingUpdate,
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
    if_match: IfMatch = None,
) -> MeetingPublic:
    """Change the fields sent; honours If-Match (412 when stale)."""
    meeting = await service.update_meeting(
        session=session, viewer=viewer, meeting_id=meeting_id, changes=changes, if_match=if_match
    )
    return await _one(session, meeting, response)


@router.post(
    "/{meeting_id}/cancel",
    response_model=MeetingPublic,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    summary="Cancel a meeting",
)
async def cancel_meeting(
    meeting_id: uuid.UUID,
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
    data: MeetingCancel | None = None,
    if_match: IfMatch = None,
) -> MeetingPublic:
    """Undecided applications of a cancelled session move to the next one (or wait again)."""
    meeting = await service.cancel_meeting(
        session=session,
        viewer=viewer,
        meeting_id=meeting_id,
        reason=data.reason if data else None,
        if_match=if_match,
    )
    return await _one(session, meeting, response)


@router.get(
    "/{meeting_id}/attendance",
    response_model=AttendancePublic,
    responses=problem_responses(401, 403, 404, 422),
    summary="Who attended",
)
async def get_attendance(
    meeting_id: uuid.UUID, session: SessionDep, viewer: ViewerDep
) -> AttendancePublic:
    """For organisers and the committee's members."""
    person_ids = await service.get_attendance(session=session, viewer=viewer, meeting_id=meeting_id)
    return AttendancePublic(meeting_id=meeting_id, person_ids=person_ids)


@router.post(
    "/{meeting_id}/attendance",
    response_model=AttendancePublic,
    responses=problem_responses(401, 403, 404, 422),
    summary="Record who attended",
)
async def set_attendance(
    meeting_id: uuid.UUID, data: AttendanceWrite, session: SessionDep, viewer: ViewerDep
) -> AttendancePublic:
    """Replaces the list (it decides the quorum)."""
    person_ids = await service.set_attendance(
        session=session, viewer=viewer, meeting_id=meeting_id, person_ids=data.person_ids
    )
    return AttendancePublic(meeting_id=meeting_id, person_ids=person_ids)
