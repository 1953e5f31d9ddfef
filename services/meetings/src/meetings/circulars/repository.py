"""Every query on circulars and their votes."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from meetings.models import AgendaItem, Circular, CircularVote
from schulerfolg.http.pagination import PageParams, paginate


async def get_circular(
    session: AsyncSession, circular_id: uuid.UUID, *, for_update: bool = False
) -> Circular | None:
    """A circular by id (locked for update when asked: votes and closing take the lock)."""
    return await session.get(
        Circular, circular_id, with_for_update=for_update, populate_existing=for_update
    )


async def list_circulars(
    session: AsyncSession, committee_id: uuid.UUID, *, page: PageParams
) -> tuple[list[Circular], str | None]:
    """A committee's circulars, oldest first, one page."""
    return await paginate(
        session,
        select(Circular).where(col(Circular.committee_id) == committee_id),
        key=[col(Circular.created_at), col(Circular.id)],
        params=page,
        key_of=lambda c: [c.created_at.isoformat(), c.id],
    )


async def open_item_of_application(
    session: AsyncSession, committee_id: uuid.UUID, application_id: uuid.UUID
) -> AgendaItem | None:
    """The application's undecided item waiting for the committee, locked."""
    statement = (
        select(AgendaItem)
        .where(
            col(AgendaItem.application_id) == application_id,
            col(AgendaItem.committee_id) == committee_id,
            col(AgendaItem.status) == "open",
        )
        .order_by(col(AgendaItem.created_at).desc())
        .limit(1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(statement)).first()


async def open_circular_of_item(session: AsyncSession, item_id: uuid.UUID) -> Circular | None:
    """The open circular about an agenda item, if any."""
    statement = select(Circular).where(
        col(Circular.agenda_item_id) == item_id, col(Circular.status) == "open"
    )
    return (await session.scalars(statement)).first()


async def votes_of(session: AsyncSession, circular_id: uuid.UUID) -> list[CircularVote]:
    """A circular's votes in the order they came."""
    statement = (
        select(CircularVote)
        .where(col(CircularVote.circular_id) == circular_id)
        .order_by(col(CircularVote.cast_at), col(CircularVote.person_id))
    )
    return list((await session.scalars(statement)).all())


async def due_ids(session: AsyncSession, now: datetime) -> list[uuid.UUID]:
    """Open circulars whose deadline has passed."""
    statement = select(col(Circular.id)).where(
        col(Circular.status) == "open", col(Circular.deadline) <= now
    )
    return list((await session.scalars(statement)).all())


async def reminder_due_ids(session: AsyncSession, before: datetime) -> list[uuid.UUID]:
    """Open circulars not reminded yet whose deadline comes before ``before``."""
    statement = select(col(Circular.id)).where(
        col(Circular.status) == "open",
        col(Circular.reminded_at).is_(None),
        col(Circular.deadline) <= before,
    )
    return list((await session.scalars(statement)).all())


async def circular_of_decision(session: AsyncSession, decision_id: uuid.UUID) -> Circular | None:
    """The circular whose decision this is (its decision id is the circular's id), locked."""
    return await get_circular(session, decision_id, for_update=True)
