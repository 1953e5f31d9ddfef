"""Every query on materials."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from registry.materials.schemas import STATE
from registry.models import Material
from schulerfolg.http.pagination import PageParams, paginate
from schulerfolg.search import matches


async def list_materials(
    session: AsyncSession, *, page: PageParams, region: str | None = None, q: str | None = None
) -> tuple[list[Material], str | None]:
    """Materials not deleted, ordered by title (then id), one page.

    ``region`` filters by slug; ``"state"`` lists the state-wide ones. ``q`` searches title and
    description, ignoring case and umlaut spelling.
    """
    statement = select(Material).where(col(Material.deleted_at).is_(None))
    if region == STATE:
        statement = statement.where(col(Material.region).is_(None))
    elif region is not None:
        statement = statement.where(col(Material.region) == region)
    if q:
        statement = statement.where(matches(col(Material.search_text), q))
    return await paginate(
        session,
        statement,
        key=[col(Material.title), col(Material.id)],
        params=page,
        key_of=lambda m: [m.title, m.id],
    )
