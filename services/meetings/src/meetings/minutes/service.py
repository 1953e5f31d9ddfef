"""Domain functions for minutes. They change state and append events; they never commit."""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from meetings.common import Viewer, audit, subject_region
from meetings.models import Meeting, Minutes, outbox
from meetings.schedule.lookup import get_meeting, managed_meeting
from schulerfolg.db import utcnow
from schulerfolg.events.meetings import MinutesPublished
from schulerfolg.http.etag import check_if_match
from schulerfolg.http.problems import Conflict, NotFound

log = structlog.get_logger("meetings.minutes")


class MinutesNotFound(NotFound):
    """The meeting has no minutes (yet), or none the caller may read."""

    slug = "minutes-not-found"

    def __init__(self) -> None:
        super().__init__("This meeting has no minutes yet.")


async def _minutes_of(
    session: AsyncSession, meeting: Meeting, *, for_update: bool = False
) -> Minutes | None:
    statement = select(Minutes).where(col(Minutes.meeting_id) == meeting.id)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(statement)).one_or_none()


async def get_minutes(*, session: AsyncSession, viewer: Viewer, meeting_id: uuid.UUID) -> Minutes:
    """Published minutes for whoever sees the meeting; drafts for organisers and members."""
    meeting = await get_meeting(session=session, viewer=viewer, meeting_id=meeting_id)
    minutes = await _minutes_of(session, meeting)
    if minutes is None:
        raise MinutesNotFound()
    if minutes.published_at is None and not viewer.may_read_internals(meeting):
        raise MinutesNotFound()
    return minutes


async def write_minutes(
    *,
    session: AsyncSession,
    viewer: Viewer,
    meeting_id: uuid.UUID,
    text: str,
    if_match: str | None,
) -> tuple[Minutes, bool]:
    """Replace the draft's text; published minutes are read-only (409). Answers (minutes, created)."""
    meeting = await managed_meeting(session=session, viewer=viewer, meeting_id=meeting_id)
    minutes = await _minutes_of(session, meeting, for_update=True)
    if minutes is not None and minutes.published_at is not None:
        raise Conflict(
            "The minutes are published and can no longer be changed.", rule="minutes-published"
        )
    if minutes is None:
        minutes = Minutes(meeting_id=meeting.id, text=text)
        session.add(minutes)
        await session.flush()
        return minutes, True
    check_if_match(if_match, minutes.version)
    if minutes.text != text:
        minutes.text = text
        minutes.touch()
        session.add(minutes)
    return minutes, False


async def publish_minutes(
    *, session: AsyncSession, viewer: Viewer, meeting_id: uuid.UUID, if_match: str | None
) -> Minutes:
    """Publish the minutes once; emits ``meetings.minutes.published``."""
    meeting = await managed_meeting(session=session, viewer=viewer, meeting_id=meeting_id)
    minutes = await _minutes_of(session, meeting, for_update=True)
    if minutes is None:
        raise Conflict("Write the minutes (PUT) before publishing them.", rule="minutes-missing")
    check_if_match(if_match, minutes.version)
    if minutes.published_at is not None:
        raise Conflict("The minutes are already published.", rule="minutes-published")
    minutes.published_at = utcnow()
    minutes.touch()
    session.add(minutes)
    await session.flush()
    await audit(session, viewer.principal, "minutes.published", "meetings", meeting.id)
    await outbox.append(
        session,
        MinutesPublished(
            meeting_id=meeting.id,
            committee_id=meeting.committee_id,
            region=meeting.region,
            title=meeting.title,
            published_at=minutes.published_at,
        ),
        entity_id=str(meeting.id),
        region=subject_region(meeting.region),
    )
    log.info("meetings.minutes.published", meeting_id=str(meeting.id))
    return minutes
