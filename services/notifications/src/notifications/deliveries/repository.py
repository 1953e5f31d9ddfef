"""Every query on the e-mail deliveries and the digest items waiting for their digest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from notifications.models import Delivery, DigestItem
from schulerfolg.db import utcnow

UNSENT = ("pending", "sending")


async def claim_next(session: AsyncSession, *, now: datetime, lease: timedelta) -> Delivery | None:
    """Claim the next due e-mail (or one whose sender crashed while sending it) for ``lease``:
    status ``sending``, one attempt more; on PostgreSQL ``FOR UPDATE SKIP LOCKED``, so replicas
    never take the same one."""
    due = (
        select(col(Delivery.id))
        .where(col(Delivery.status).in_(UNSENT), col(Delivery.next_attempt_at) <= now)
        .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
        .limit(1)
        .with_for_update(skip_locked=True)  # SQLite (one process) has no FOR UPDATE
        .scalar_subquery()
    )
    in_doubt = case((col(Delivery.status) == "sending", 1), else_=0)
    claim = (
        update(Delivery)
        .where(col(Delivery.id) == due)
        .values(
            status="sending",
            next_attempt_at=now + lease,
            attempts=col(Delivery.attempts) + 1,
            in_doubt_resends=col(Delivery.in_doubt_resends) + in_doubt,
            version=col(Delivery.version) + 1,
            updated_at=utcnow(),
        )
        .returning(Delivery)
        .execution_options(synchronize_session=False)
    )
    return (await session.scalars(claim)).first()


async def mark(session: AsyncSession, delivery: Delivery, values: dict[str, Any]) -> None:
    """Record the outcome of sending a claimed e-mail (left alone if no longer ``sending``)."""
    await session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery.id, col(Delivery.status) == "sending")
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def counts_by_status(session: AsyncSession) -> dict[str, int]:
    """How many deliveries there are per status."""
    rows = await session.execute(
        select(col(Delivery.status), func.count()).group_by(col(Delivery.status))
    )
    return {status: count for status, count in rows.all()}


async def oldest_unsent_at(session: AsyncSession) -> datetime | None:
    """When the oldest e-mail not yet sent was created."""
    return await session.scalar(
        select(func.min(col(Delivery.created_at))).where(col(Delivery.status).in_(UNSENT))
    )


async def in_doubt_resends(session: AsyncSession) -> int:
    """How often e-mails were sent again after their sender crashed before marking them."""
    return await session.scalar(select(func.sum(col(Delivery.in_doubt_resends)))) or 0


async def digest_recipients_due(session: AsyncSession, *, now: datetime, limit: int) -> list[str]:
    """Up to ``limit`` recipients with digest items due at ``now``."""
    statement = (
        select(col(DigestItem.recipient_key))
        .where(col(DigestItem.due_at) <= now)
        .distinct()
        .limit(limit)
    )
    return list((await session.scalars(statement)).all())


async def digest_items_due(
    session: AsyncSession, recipient_key: str, *, now: datetime
) -> Sequence[DigestItem]:
    """A recipient's due digest items, oldest first (on PostgreSQL locked, skipping those another
    replica holds)."""
    statement = (
        select(DigestItem)
        .where(col(DigestItem.recipient_key) == recipient_key, col(DigestItem.due_at) <= now)
        .order_by(col(DigestItem.created_at), col(DigestItem.id))
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return (await session.scalars(statement)).all()


async def delete_digest_items(session: AsyncSession, items: Sequence[DigestItem]) -> None:
    """Forget digest items once their digest is stored."""
    await session.execute(
        delete(DigestItem)
        .where(col(DigestItem.id).in_([i.id for i in items]))
        .execution_options(synchronize_session=False)
    )
