"""Storing what a notification creates: inbox entries, e-mail deliveries and digest items."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from schulerfolg.db import dialect_insert


async def insert_new(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``model``'s table; a row whose key is already there is left alone
    (the same event handled again creates nothing twice)."""
    if rows:
        insert = dialect_insert(session)(model.__table__)
        await session.execute(insert.on_conflict_do_nothing().values(rows))
