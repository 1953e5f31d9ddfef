"""Every query on the projects read model."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from planning.models import FundedProject
from schulerfolg.db import upsert_newer


async def keep(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the project or update it from a newer version; whether it was written."""
    return await upsert_newer(session, FundedProject, values)


async def topics_of_funded(
    session: AsyncSession, statuses: Collection[str], region: str | None
) -> Counter[str]:
    """How many projects in ``statuses`` carry each topic (one region, or all)."""
    statement = select(col(FundedProject.topics)).where(col(FundedProject.status).in_(statuses))
    if region is not None:
        statement = statement.where(col(FundedProject.region) == region)
    counts: Counter[str] = Counter()
    for topics in (await session.scalars(statement)).all():
        counts.update(set(topics))
    return counts


async def projects_of(
    session: AsyncSession, region: str, statuses: Collection[str]
) -> list[FundedProject]:
    """The projects of a region in one of ``statuses``."""
    statement = select(FundedProject).where(
        col(FundedProject.region) == region, col(FundedProject.status).in_(list(statuses))
    )
    return list((await session.scalars(statement)).all())
