"""Every query on the personal calendar subscriptions (``calendar_feeds``)."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from meetings.models import CalendarFeed
from schulerfolg.db import affected_rows


async def feeds_of(session: AsyncSession, user_sub: str) -> list[CalendarFeed]:
    """The subscriptions of the person signed in as ``user_sub``, oldest first."""
    statement = (
        select(CalendarFeed)
        .where(col(CalendarFeed.user_sub) == user_sub)
        .order_by(col(CalendarFeed.created_at), col(CalendarFeed.id))
    )
    return list((await session.scalars(statement)).all())


async def feed_with_hash(session: AsyncSession, secret_hash: str) -> CalendarFeed | None:
    """The subscription whose secret has this hash."""
    statement = select(CalendarFeed).where(col(CalendarFeed.secret_hash) == secret_hash)
    return (await session.scalars(statement)).first()


async def delete_feeds(session: AsyncSession, where: ColumnElement[bool]) -> int:
    """Delete the subscriptions matching ``where``; how many."""
    result = await session.execute(delete(CalendarFeed).where(where))
    return affected_rows(result) or 0


def of_user(user_sub: str) -> ColumnElement[bool]:
    """The subscriptions of ``user_sub``."""
    return col(CalendarFeed.user_sub) == user_sub


def one_of_user(feed_id: uuid.UUID, user_sub: str) -> ColumnElement[bool]:
    """The subscription ``feed_id`` if it is ``user_sub``'s."""
    return (col(CalendarFeed.id) == feed_id) & of_user(user_sub)


def of_person(person_id: uuid.UUID, user_sub: str | None) -> ColumnElement[bool]:
    """A person's subscriptions: by the read model's person, or by the sign-in it had."""
    mine = col(CalendarFeed.person_id) == person_id
    return or_(mine, of_user(user_sub)) if user_sub else mine
