"""HTTP routes of a meeting's ESF+ participant figures (thin: they call the service)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from meetings.common import ViewerDep
from meetings.participation import service
from meetings.participation.schemas import ParticipationPublic
from schulerfolg.app import SessionDep
from schulerfolg.http.etag import IfMatch, set_etag
from schulerfolg.http.problems import problem_responses
from schulerfolg.participants import ParticipantFigures

router = APIRouter(prefix="/meetings", tags=["meetings"])

PATH = "/{meeting_id}/participant-figures"


@router.get(
    PATH,
    response_model=ParticipationPublic,
    responses=problem_responses(401, 403, 404, 422),
    summary="ESF+ participant figures",
)
async def get_participant_figures(
    meeting_id: uuid.UUID, session: SessionDep, viewer: ViewerDep, response: Response
) -> ParticipationPublic:
    """How many attended and, for an event that collects them, the ESF+ participant figures
    (sex → age group → count); for organisers and members, as the attendance."""
    answer = await service.get_figures(session=session, viewer=viewer, meeting_id=meeting_id)
    set_etag(response, answer.version)
    return answer


@router.put(
    PATH,
    response_model=ParticipationPublic,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    summary="Record the ESF+ participant figures",
)
async def set_participant_figures(
    meeting_id: uuid.UUID,
    figures: ParticipantFigures,
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
    if_match: IfMatch = None,
) -> ParticipationPublic:
    """Replaces the figures (cells left out count 0) of an event that collects them; for
    organisers. Announces `meetings.meeting.attendance_recorded`. 409 for a cancelled meeting
    or one that does not collect them."""
    answer = await service.set_figures(
        session=session, viewer=viewer, meeting_id=meeting_id, figures=figures, if_match=if_match
    )
    set_etag(response, answer.version)
    return answer
