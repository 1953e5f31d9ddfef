"""Queries for the inbox: always limited to what the caller owns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from notifications.common import normalize_email, page_by_created
from notifications.models import Notification, Recipient
from schulerfolg.auth import Principal
from schulerfolg.db import affected_rows
from schulerfolg.http.pagination import PageParams


def owned_by(principal: Principal) -> Any:
    """A notification belongs to the user whose ``sub`` is the recipient's ``user_sub``
    (directly or through the recipient person), or whose ``email`` it was sent to."""
    conditions = [
        col(Notification.user_sub) == principal.sub,
        col(Notification.person_id).in_(
            select(col(Recipient.id)).where(
                col(Recipient.user_sub) == principal.sub, col(Recipient.erased_at).is_(None)
            )
        ),
    ]
    email = normalize_email(principal.email)
    if email:
        conditions.append(col(Notification.email) == email)
    return or_(*conditions)


async def page(
    session: AsyncSession, principal: Principal, params: PageParams, *, unread: bool | None
) -> tuple[list[Notification], str | None]:
    """The caller's notifications, newest first, one page after the cursor."""
    statement = select(Notification).where(owned_by(principal))
    if unread is True:
        statement = statement.where(col(Notification.read_at).is_(None))
    elif unread is False:
        statement = statement.where(col(Notification.read_at).is_not(None))
    return await page_by_created(session, statement, Notification, params, newest_first=True)


async def since(
    session: AsyncSession, principal: Principal, after: datetime, *, limit: int = 100
) -> list[Notification]:
    """The caller's notifications created after ``after``, oldest first."""
    statement = (
        select(Notification)
        .where(owned_by(principal), col(Notification.created_at) > after)
        .order_by(col(Notification.created_at), col(Notification.id))
        .limit(limit)
    )
    return list((await session.scalars(statement)).all())


async def get_owned(
    session: AsyncSession, principal: Principal, notification_id: uuid.UUID
) -> Notification | None:
    """One of the caller's notifications."""
    statement = select(Notification).where(
        col(Notification.id) == notification_id, owned_by(principal)
    )
    return (await session.scalars(statement)).first()


async def unread_count(session: AsyncSession, principal: Principal) -> int:
    """How many of the caller's notifications are unread."""
    statement = select(func.count()).where(owned_by(principal), col(Notification.read_at).is_(None))
    return int(await session.scalar(statement) or 0)


async def mark_all_read(session: AsyncSession, principal: Principal, at: datetime) -> int:
    """Mark every unread notification of the caller read."""
    result = await session.execute(
        update(Notification)
        .where(owned_by(principal), col(Notification.read_at).is_(None))
        .values(read_at=at, updated_at=at, version=col(Notification.version) + 1)
        .execution_options(synchronize_session=False)
    )
    return int(affected_rows(result) or 0)
