"""Retention of registrations: anonymised ``retention_registration_months`` after their event's
end (CONTRACT.md, "privacy"). The rows stay with their status, so the figures per meeting
(confirmed, waitlisted, cancelled) stay the same."""

from __future__ import annotations

import calendar
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from meetings.models import Meeting, Registration
from meetings.persons.repository import anonymised_registration_values
from schulerfolg.db import affected_rows
from schulerfolg.privacy.retention import RetentionTask


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock moment ``months`` calendar months earlier (day clipped to the month)."""
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


async def anonymise_due_registrations(session: AsyncSession, now: datetime, months: int) -> int:
    """Anonymise the registrations of meetings that ended ``months`` before ``now``; how many."""
    ended = select(col(Meeting.id)).where(col(Meeting.ends_at) < months_before(now, months))
    result = await session.execute(
        update(Registration)
        .where(
            col(Registration.meeting_id).in_(ended),
            or_(
                col(Registration.email) != "",
                col(Registration.organization).is_not(None),
                col(Registration.user_sub).is_not(None),
                col(Registration.person_id).is_not(None),
            ),
        )
        .values(**anonymised_registration_values(), person_id=None)
        .execution_options(synchronize_session=False)
    )
    return affected_rows(result) or 0


def retention_tasks(runtime: Any) -> list[RetentionTask]:
    """Meetings' retention tasks (run by the housekeeping)."""
    months: int = runtime.settings.retention_registration_months

    async def registrations(session: AsyncSession, now: datetime) -> int:
        return await anonymise_due_registrations(session, now, months)

    return [RetentionTask("registrations", registrations)]
