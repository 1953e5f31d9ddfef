"""A meeting's attendance record (issue 19): the ESF+ participant figures organisers enter for an
event that collects them, and the announcement ``meetings.meeting.attendance_recorded`` whenever
the attendance list or the figures change. Counts only, never who. Functions change state and
append events; they never commit."""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from meetings.common import Viewer, subject_region
from meetings.models import Meeting, Participation, outbox
from meetings.participation import repository
from meetings.participation.schemas import ParticipationPublic
from meetings.schedule.lookup import load_meeting, managed_meeting
from schulerfolg.db import utcnow
from schulerfolg.events.meetings import AttendanceRecorded
from schulerfolg.http.etag import check_if_match
from schulerfolg.http.problems import Conflict
from schulerfolg.participants import ParticipantFigures

log = structlog.get_logger("meetings.participation")


async def _public(session: AsyncSession, meeting: Meeting) -> ParticipationPublic:
    record = await repository.get(session, meeting.id)
    return ParticipationPublic(
        meeting_id=meeting.id,
        version=record.version if record is not None else 0,
        collects_participant_figures=meeting.collects_participant_figures,
        present=await repository.present(session, meeting.id),
        participants=_figures(record),
    )


def _figures(record: Participation | None) -> ParticipantFigures | None:
    figures = record.participants if record is not None else None
    return ParticipantFigures.model_validate(figures) if figures is not None else None


async def get_figures(
    *, session: AsyncSession, viewer: Viewer, meeting_id: uuid.UUID
) -> ParticipationPublic:
    """The attendance record; for organisers and members (as the attendance)."""
    meeting = await load_meeting(session=session, meeting_id=meeting_id)
    if not viewer.may_read_internals(meeting):
        raise viewer.refuse("this meeting's participant figures")
    return await _public(session, meeting)


async def announce(
    session: AsyncSession,
    meeting: Meeting,
    *,
    figures: ParticipantFigures | None = None,
    keep_figures: bool = True,
) -> Participation:
    """Bump the meeting's attendance record (storing ``figures`` unless ``keep_figures``) and
    append ``meetings.meeting.attendance_recorded`` with the count and the figures. The caller
    holds the meeting's row lock."""
    record = await repository.get(session, meeting.id, for_update=True)
    if record is None:
        record = Participation(meeting_id=meeting.id, version=0)
    if not keep_figures:
        record.participants = figures.model_dump() if figures is not None else None
    record.version += 1
    record.updated_at = utcnow()
    session.add(record)
    await session.flush()
    present = await repository.present(session, meeting.id)
    await outbox.append(
        session,
        AttendanceRecorded(
            version=record.version,
            meeting_id=meeting.id,
            kind=meeting.kind,
            committee_id=meeting.committee_id,
            region=meeting.region,
            starts_at=meeting.starts_at,
            present=present,
            participants=_figures(record),
        ),
        entity_id=str(meeting.id),
        region=subject_region(meeting.region),
    )
    log.info(
        "meetings.meeting.attendance_recorded",
        meeting_id=str(meeting.id),
        version=record.version,
        present=present,
    )
    return record


async def set_figures(
    *,
    session: AsyncSession,
    viewer: Viewer,
    meeting_id: uuid.UUID,
    figures: ParticipantFigures,
    if_match: str | None,
) -> ParticipationPublic:
    """Record the ESF+ participant figures of an event that collects them; for organisers.
    Refused (409) for a cancelled meeting and for one whose event does not collect them."""
    meeting = await managed_meeting(session=session, viewer=viewer, meeting_id=meeting_id)
    current = await repository.get(session, meeting.id, for_update=True)
    check_if_match(if_match, current.version if current is not None else 0)
    if meeting.status == "cancelled":
        raise Conflict(
            "The meeting is cancelled: it has no participants to record.",
            rule="meeting-cancelled",
        )
    if not meeting.collects_participant_figures:
        raise Conflict(
            "This event does not collect ESF+ participant figures; set "
            "collects_participant_figures on the meeting first.",
            rule="participant-figures-not-collected",
        )
    if current is None or current.participants != figures.model_dump():
        await announce(session, meeting, figures=figures, keep_figures=False)
    return await _public(session, meeting)
