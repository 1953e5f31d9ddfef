"""HTTP routes for minutes (thin: they call the service functions)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from meetings.common import ViewerDep
from meetings.minutes import service
from meetings.minutes.schemas import MinutesPublic, MinutesWrite
from meetings.models import Minutes
from schulerfolg.app import SessionDep
from schulerfolg.http.etag import IfMatch, set_etag
from schulerfolg.http.problems import problem_responses

router = APIRouter(prefix="/meetings/{meeting_id}/minutes", tags=["minutes"])


def _public(minutes: Minutes, response: Response) -> MinutesPublic:
    set_etag(response, minutes.version)
    return MinutesPublic.model_validate(
        {**minutes.model_dump(), "published": minutes.published_at is not None}
    )


@router.get(
    "",
    response_model=MinutesPublic,
    responses=problem_responses(401, 403, 404, 422),
    summary="A meeting's minutes",
)
async def get_minutes(
    meeting_id: uuid.UUID, session: SessionDep, viewer: ViewerDep, response: Response
) -> MinutesPublic:
    """Published minutes for whoever sees the meeting; the draft for organisers and members."""
    minutes = await service.get_minutes(session=session, viewer=viewer, meeting_id=meeting_id)
    return _public(minutes, response)


@router.put(
    "",
    response_model=MinutesPublic,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    summary="Write the minutes",
)
async def write_minutes(
    meeting_id: uuid.UUID,
    data: MinutesWrite,
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
    if_match: IfMatch = None,
) -> MinutesPublic:
    """Replace the Markdown text; 409 once published."""
    minutes, created = await service.write_minutes(
        session=session, viewer=viewer, meeting_id=meeting_id, text=data.text, if_match=if_match
    )
    if created:
        response.status_code = 201
    return _public(minutes, response)


@router.post(
    "/publish",
    response_model=MinutesPublic,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    summary="Publish the minutes",
)
async def publish_minutes(
    meeting_id: uuid.UUID,
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
    if_match: IfMatch = None,
) -> MinutesPublic:
    """From now on read-only."""
    minutes = await service.publish_minutes(
        session=session, viewer=viewer, meeting_id=meeting_id, if_match=if_match
    )
    return _public(minutes, response)
