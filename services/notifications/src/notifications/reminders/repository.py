"""Every query on the stored reminders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from notifications.models import Reminder
from schulerfolg.db import utcnow


async def held(session: AsyncSession, kind: str, subject_id: str) -> Reminder | None:
    """The reminder of ``kind`` about ``subject_id`` (locked on PostgreSQL), if one is stored."""
    statement = select(Reminder).where(
        col(Reminder.kind) == kind, col(Reminder.subject_id) == subject_id
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    return (await session.scalars(statement)).first()


async def cancel(session: AsyncSession, *, kinds: tuple[str, ...], subject_id: str) -> None:
    """Mark the pending reminders of ``kinds`` about ``subject_id`` cancelled."""
    await session.execute(
        update(Reminder)
        .where(
            col(Reminder.kind).in_(kinds),
            col(Reminder.subject_id) == subject_id,
            col(Reminder.status) == "pending",
        )
        .values(status="cancelled", updated_at=utcnow())
    )


async def claim_due(session: AsyncSession, *, now: datetime, limit: int) -> list[Reminder]:
    """Up to ``limit`` pending reminders due at ``now``, earliest first (on PostgreSQL locked,
    skipping those another replica holds)."""
    statement = (
        select(Reminder)
        .where(col(Reminder.status) == "pending", col(Reminder.due_at) <= now)
        .order_by(col(Reminder.due_at), col(Reminder.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return list((await session.scalars(statement)).all())
