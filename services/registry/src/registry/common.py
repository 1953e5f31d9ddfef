"""Small pieces every registry resource uses: field types, loading and changing entities; the
region helpers come from the shared library (re-exported here)."""

from __future__ import annotations

import uuid
from typing import Annotated, TypeVar

from pydantic import StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from schulerfolg.db import EntityFields, apply_changes
from schulerfolg.http.validation import reject_null
from schulerfolg.regions import (
    REGION_SLUGS,
    check_region,
    check_region_filter,
    normalise_region,
    subject_region,
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=50, pattern=r"^\+?[0-9][0-9 ()/.-]{3,}$"),
]

E = TypeVar("E", bound=EntityFields)


async def get_by_id(
    session: AsyncSession, model: type[E], entity_id: uuid.UUID, *, for_update: bool = False
) -> E | None:
    """An entity by primary key (locked for update when asked)."""
    return await session.get(model, entity_id, with_for_update=for_update)


__all__ = [
    "REGION_SLUGS",
    "Phone",
    "Text",
    "apply_changes",
    "check_region",
    "check_region_filter",
    "get_by_id",
    "normalise_region",
    "reject_null",
    "subject_region",
]
