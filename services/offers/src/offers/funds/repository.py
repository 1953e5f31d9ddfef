"""Every query on funds."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from offers.models import Fund
from schulerfolg.events.base import STATE
from schulerfolg.http.pagination import PageParams, paginate


async def list_funds(
    session: AsyncSession,
    *,
    page: PageParams,
    region: str | None = None,
    kind: str | None = None,
    active_on: object | None = None,
) -> tuple[list[Fund], str | None]:
    """Funds by (period_start desc is not keyset-friendly, so) name and id, one page."""
    statement = select(Fund)
    if region == STATE:
        statement = statement.where(col(Fund.region).is_(None))
    elif region is not None:
        statement = statement.where(col(Fund.region) == region)
    if kind is not None:
        statement = statement.where(col(Fund.kind) == kind)
    if active_on is not None:
        statement = statement.where(
            col(Fund.period_start) <= active_on, col(Fund.period_end) >= active_on
        )
    return await paginate(
        session,
        statement,
        key=[col(Fund.name), col(Fund.id)],
        params=page,
        key_of=lambda f: [f.name, f.id],
    )


async def get_fund(session: AsyncSession, fund_id: uuid.UUID, *, lock: bool = False) -> Fund | None:
    """A fund by id; ``lock`` takes its row lock (every change of its money goes through it)."""
    return await session.get(Fund, fund_id, with_for_update=lock or None)
