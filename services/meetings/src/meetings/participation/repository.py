"""Every query of a meeting's attendance record (participant figures)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from meetings.models import Attendance, Participation, Registration


async def get(
    session: AsyncSession, meeting_id: uuid.UUID, *, for_update: bool = False
) -> Participation | None:
    """The meeting's attendance record, if one was announced."""
    return await session.get(
        Participation, meeting_id, with_for_update=for_update, populate_existing=for_update
    )


async def present(session: AsyncSession, meeting_id: uuid.UUID) -> int:
    """How many were present: the persons the attendance list names, plus the confirmed
    registrants marked present (issue 20) who are not on that list already."""
    listed = select(col(Attendance.person_id)).where(col(Attendance.meeting_id) == meeting_id)
    statement = select(func.count()).where(col(Attendance.meeting_id) == meeting_id)
    registrants = select(func.count()).where(
        col(Registration.meeting_id) == meeting_id,
        col(Registration.status) == "confirmed",
        col(Registration.attended_at).is_not(None),
        or_(col(Registration.person_id).is_(None), col(Registration.person_id).not_in(listed)),
    )
    return int(await session.scalar(statement) or 0) + int(await session.scalar(registrants) or 0)
