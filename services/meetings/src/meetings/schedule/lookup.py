"""Finding a meeting and checking the caller may see or organise it (used by every sub-resource)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from meetings.common import Viewer
from meetings.models import Meeting
from meetings.schedule import repository
from schulerfolg.http.problems import NotFound


class MeetingNotFound(NotFound):
    """No meeting has that id."""

    slug = "meeting-not-found"

    def __init__(self, meeting_id: uuid.UUID) -> None:
        super().__init__(f"There is no meeting {meeting_id}.")


async def load_meeting(
    *, session: AsyncSession, meeting_id: uuid.UUID, for_update: bool = False
) -> Meeting:
    """A meeting, or MeetingNotFound."""
    meeting = await repository.get_meeting(session, meeting_id, for_update=for_update)
    if meeting is None:
        raise MeetingNotFound(meeting_id)
    return meeting


async def get_meeting(*, session: AsyncSession, viewer: Viewer, meeting_id: uuid.UUID) -> Meeting:
    """A meeting the caller may see (401/403 otherwise)."""
    meeting = await load_meeting(session=session, meeting_id=meeting_id)
    if not viewer.may_read_meeting(meeting):
        raise viewer.refuse("this meeting")
    return meeting


async def managed_meeting(
    *, session: AsyncSession, viewer: Viewer, meeting_id: uuid.UUID
) -> Meeting:
    """A meeting the caller organises, locked for the change (401/403/404 otherwise)."""
    meeting = await load_meeting(session=session, meeting_id=meeting_id, for_update=True)
    if not viewer.may_read_meeting(meeting):
        raise viewer.refuse("this meeting")
    viewer.ensure_may_manage(meeting.region)
    return meeting
