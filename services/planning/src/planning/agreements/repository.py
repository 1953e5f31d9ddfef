"""Every query on target agreements and their hand-entered values, and on the participant
records the indicators sum."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from planning.models import Agreement, ManualValue, ParticipantRecord
from schulerfolg.http.pagination import PageParams, paginate


async def list_agreements(
    session: AsyncSession,
    *,
    page: PageParams,
    regions: Collection[str] | None,
    region: str | None = None,
    status: str | None = None,
) -> tuple[list[Agreement], str | None]:
    """Agreements, one page. ``regions`` None: every region; else only those regions."""
    statement = select(Agreement)
    if regions is not None:
        statement = statement.where(col(Agreement.region).in_(list(regions)))
    if region is not None:
        statement = statement.where(col(Agreement.region) == region)
    if status is not None:
        statement = statement.where(col(Agreement.status) == status)
    return await paginate(
        session, statement, key=[col(Agreement.id)], params=page, key_of=lambda a: [a.id]
    )


async def get_agreement(
    session: AsyncSession, agreement_id: uuid.UUID, *, for_update: bool = False
) -> Agreement | None:
    """An agreement by id (locked for update when asked)."""
    return await session.get(Agreement, agreement_id, with_for_update=for_update)


async def add_value(session: AsyncSession, value: ManualValue) -> None:
    """Store a hand-entered figure."""
    session.add(value)
    await session.flush()


async def values_of(session: AsyncSession, agreement_id: uuid.UUID) -> list[ManualValue]:
    """The hand-entered figures of an agreement, oldest first."""
    rows = await session.scalars(
        select(ManualValue)
        .where(col(ManualValue.agreement_id) == agreement_id)
        .order_by(col(ManualValue.as_of), col(ManualValue.entered_at))
    )
    return list(rows)


async def participant_records(session: AsyncSession, region: str) -> list[ParticipantRecord]:
    """The participant records of a region (projects and events)."""
    rows = await session.scalars(
        select(ParticipantRecord).where(col(ParticipantRecord.region) == region)
    )
    return list(rows)
