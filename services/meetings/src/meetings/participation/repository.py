"""Every query of a meeting's attendance record (participant figures)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from meetings.models import Attendance, Participation


async def get(
    session: AsyncSession, meeting_id: uuid.UUID, *, for_update: bool = False
) -> Participation | None:
    """The meeting's attendance record, if one was announced."""
    return await session.get(
        Participation, meeting_id, with_for_update=for_update, populate_existing=for_update
    )


async def present(session: AsyncSession, meeting_id: uuid.UUID) -> int:
    """How many persons the attendance list names."""
    statement = select(func.count()).where(col(Attendance.meeting_id) == meeting_id)
    return int(await session.scalar(statement) or 0)
