"""Every query on the indicators' read models (funds, participant records)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from planning.models import FundView, ParticipantRecord
from schulerfolg.db import upsert_newer

# A selection's region: every region (ALL), the state level (None) or one region's slug.
ALL = "*"


async def keep_fund(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the fund or update it from a newer version; whether it was written."""
    return await upsert_newer(session, FundView, values)


async def keep_record(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert a participant record or update it from a newer version; whether it was written."""
    return await upsert_newer(session, ParticipantRecord, values)


async def records(
    session: AsyncSession, *, start: date, end: date, region: str | None, fund_id: uuid.UUID | None
) -> Sequence[ParticipantRecord]:
    """The participant records whose activity falls in ``start``–``end`` (both included), in one
    region (``None``: the state level; ``ALL``: every one), of one fund's projects if given."""
    statement = select(ParticipantRecord).where(
        col(ParticipantRecord.activity_on) >= start, col(ParticipantRecord.activity_on) <= end
    )
    if region is None:
        statement = statement.where(col(ParticipantRecord.region).is_(None))
    elif region != ALL:
        statement = statement.where(col(ParticipantRecord.region) == region)
    if fund_id is not None:
        statement = statement.where(col(ParticipantRecord.fund_id) == fund_id)
    return (await session.scalars(statement)).all()


async def fund_names(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The names of the funds among ``ids`` planning knows."""
    if not ids:
        return {}
    statement = select(col(FundView.id), col(FundView.name)).where(col(FundView.id).in_(ids))
    return {row.id: row.name for row in (await session.execute(statement)).all()}
