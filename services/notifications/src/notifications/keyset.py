"""Keyset pagination by ``(created_at, id)``, newest or oldest first.

The shared ``paginate`` orders ascending only, and reads a cursor date without a time zone as a
naive datetime (which the UTC column type refuses); this reads only aware ones.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from schulerfolg.http.pagination import PageParams, decode_cursor, encode_cursor
from schulerfolg.http.problems import BadRequest, FieldError


def _key(cursor: str) -> tuple[datetime, uuid.UUID]:
    created_at, entity_id = decode_cursor(cursor, 2)
    try:
        key = datetime.fromisoformat(created_at), uuid.UUID(entity_id)
    except (TypeError, ValueError, AttributeError):
        key = None
    if key is None or key[0].tzinfo is None:
        raise BadRequest(
            "The cursor is not valid; use the next_cursor of a previous page.",
            errors=[
                FieldError(
                    field="cursor", location="query", message="invalid cursor", type="cursor"
                )
            ],
        )
    return key


async def page_by_created(
    session: AsyncSession,
    statement: Select[Any],
    model: Any,
    params: PageParams,
    *,
    newest_first: bool,
) -> tuple[list[Any], str | None]:
    """One page of ``statement`` (selecting ``model``) ordered by ``(created_at, id)``."""
    key = (model.created_at, model.id)
    if params.cursor:
        after = tuple_(*key) < tuple_(*_key(params.cursor))
        if not newest_first:
            after = tuple_(*key) > tuple_(*_key(params.cursor))
        statement = statement.where(after)
    order = [c.desc() for c in key] if newest_first else list(key)
    rows = list((await session.scalars(statement.order_by(*order).limit(params.limit + 1))).all())
    next_cursor = None
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        next_cursor = encode_cursor([rows[-1].created_at.isoformat(), rows[-1].id])
    return rows, next_cursor
