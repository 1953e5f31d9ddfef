"""The queries of regions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from registry.models import Region
from schulerfolg.db import affected_rows, dialect_insert
from schulerfolg.http.pagination import PageParams, paginate


async def list_regions(
    session: AsyncSession, *, page: PageParams, kind: str | None = None
) -> tuple[list[Region], str | None]:
    """Regions ordered by slug, one page."""
    statement = select(Region)
    if kind is not None:
        statement = statement.where(col(Region.kind) == kind)
    return await paginate(
        session, statement, key=[col(Region.slug)], params=page, key_of=lambda r: [r.slug]
    )


async def get_region(
    session: AsyncSession, slug: str, *, for_update: bool = False
) -> Region | None:
    """One region by slug (locked for an update when asked)."""
    statement = select(Region).where(col(Region.slug) == slug)
    if for_update:
        statement = statement.with_for_update()
    return (await session.scalars(statement)).one_or_none()


async def insert_missing_regions(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert regions that are not there yet; existing ones (and their edits) stay untouched."""
    statement = (
        dialect_insert(session)(Region).values(rows).on_conflict_do_nothing(index_elements=["slug"])
    )
    return affected_rows(await session.execute(statement))
