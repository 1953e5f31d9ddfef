"""Every query on registrations."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from meetings.models import Registration
from schulerfolg.http.pagination import PageParams, paginate


async def count_with_status(session: AsyncSession, meeting_id: uuid.UUID, status: str) -> int:
    """How many of a meeting's registrations have ``status``."""
    statement = select(func.count()).where(
        col(Registration.meeting_id) == meeting_id, col(Registration.status) == status
    )
    return await session.scalar(statement) or 0


async def waitlist_position(session: AsyncSession, registration: Registration) -> int:
    """The 1-based place of a waitlisted registration on its meeting's waiting list."""
    statement = select(func.count()).where(
        col(Registration.meeting_id) == registration.meeting_id,
        col(Registration.status) == "waitlisted",
        col(Registration.seq) < registration.seq,
    )
    return (await session.scalar(statement) or 0) + 1


async def active_with_email(session: AsyncSession, meeting_id: uuid.UUID, email: str) -> bool:
    """Whether an uncancelled registration with this e-mail address exists for the meeting."""
    statement = select(func.count()).where(
        col(Registration.meeting_id) == meeting_id,
        col(Registration.status) != "cancelled",
        func.lower(col(Registration.email)) == email.lower(),
    )
    return bool(await session.scalar(statement))


async def first_waitlisted(
    session: AsyncSession, meeting_id: uuid.UUID, limit: int | None
) -> list[Registration]:
    """The first ``limit`` waitlisted registrations (all when None), in arrival order, locked."""
    statement = (
        select(Registration)
        .where(col(Registration.meeting_id) == meeting_id, col(Registration.status) == "waitlisted")
        .order_by(col(Registration.seq))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return list((await session.scalars(statement)).all())


async def get_registration(
    session: AsyncSession,
    meeting_id: uuid.UUID,
    registration_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> Registration | None:
    """A meeting's registration by id."""
    registration = await session.get(
        Registration, registration_id, with_for_update=for_update, populate_existing=for_update
    )
    if registration is None or registration.meeting_id != meeting_id:
        return None
    return registration


async def list_registrations(
    session: AsyncSession, meeting_id: uuid.UUID, *, page: PageParams, status: str | None = None
) -> tuple[list[Registration], str | None]:
    """A meeting's registrations in arrival order, one page."""
    statement = select(Registration).where(col(Registration.meeting_id) == meeting_id)
    if status is not None:
        statement = statement.where(col(Registration.status) == status)
    return await paginate(
        session, statement, key=[col(Registration.seq)], params=page, key_of=lambda r: [r.seq]
    )
