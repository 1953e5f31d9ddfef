"""Small pieces every registry resource uses: loading, changing and naming entities."""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from schulerfolg.db import EntityFields, apply_changes

__all__ = ["apply_changes", "get_by_id"]

E = TypeVar("E", bound=EntityFields)


async def get_by_id(
    session: AsyncSession, model: type[E], entity_id: uuid.UUID, *, for_update: bool = False
) -> E | None:
    """An entity by primary key (locked for update when asked)."""
    return await session.get(model, entity_id, with_for_update=for_update)
