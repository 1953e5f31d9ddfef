"""Small pieces every registry resource uses: loading, changing and naming entities."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from schulerfolg.db import EntityFields

E = TypeVar("E", bound=EntityFields)


def apply_changes(entity: E, changes: dict[str, Any]) -> bool:
    """Set the fields in ``changes`` that differ; bump version and ``updated_at`` if any did."""
    changed = False
    for field, value in changes.items():
        if getattr(entity, field) != value:
            setattr(entity, field, value)
            changed = True
    if changed:
        entity.touch()
    return changed


async def get_by_id(
    session: AsyncSession, model: type[E], entity_id: uuid.UUID, *, for_update: bool = False
) -> E | None:
    """An entity by primary key (locked for update when asked)."""
    return await session.get(model, entity_id, with_for_update=for_update)
