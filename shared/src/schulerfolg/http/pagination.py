"""Cursor pagination: ``?limit=`` (default 50, max 500) and ``?cursor=``.

Keyset pagination over the list's sort key; the cursor is an opaque, URL-safe token holding the
last item's key. Answers ``{"items": [...], "next_cursor": "..." | null}``.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.elements import ColumnElement

from schulerfolg.http.problems import BadRequest, FieldError
from schulerfolg.http.validation import has_control_characters

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
_INVALID = "The cursor is not valid; use the next_cursor of a previous page."


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class PageParams:
    """The paging parameters of a list request."""

    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=1024, description="From `next_cursor`.")] = None,
) -> PageParams:
    """FastAPI dependency reading ``limit`` and ``cursor``."""
    return PageParams(limit=limit, cursor=cursor)


PageDep = Annotated[PageParams, Depends(page_params)]


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor for a sort key."""
    raw = json.dumps(
        [v if isinstance(v, int | float | bool) or v is None else str(v) for v in values]
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    """The sort key in a cursor; a 400 problem if it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != size:
        raise BadRequest(
            "The cursor is not valid; use the next_cursor of a previous page.",
            errors=[
                FieldError(
                    field="cursor", location="query", message="invalid cursor", type="cursor"
                )
            ],
        )
    return values


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    *,
    key: Sequence[ColumnElement[Any] | Mapped[Any]],
    params: PageParams,
    key_of: Any,
) -> tuple[list[Any], str | None]:
    """Run ``statement`` ordered by the unique ``key`` columns, one page after the cursor.

    ``key_of(row)`` returns the key values of a result row (to build the next cursor).
    """
    if params.cursor:
        values = decode_cursor(params.cursor, len(key))
        typed = [_from_cursor(col, v) for col, v in zip(key, values, strict=True)]
        statement = statement.where(tuple_(*key) > tuple_(*typed))
    rows = list((await session.scalars(statement.order_by(*key).limit(params.limit + 1))).all())
    next_cursor = None
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        next_cursor = encode_cursor(key_of(rows[-1]))
    return rows, next_cursor


def _from_cursor(column: ColumnElement[Any] | Mapped[Any], value: Any) -> Any:
    """The cursor value as the column's Python type; a 400 problem for anything else."""
    try:
        python_type = column.type.python_type  # type: ignore[union-attr]  # a mapped attribute has its column's type
    except NotImplementedError:
        python_type = str
    try:
        if value is None:
            return None
        if python_type is datetime and isinstance(value, str):
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:  # our cursors carry the zone; a naive one is not ours
                raise ValueError("naive datetime")
            return moment
        if python_type is date and isinstance(value, str):
            return date.fromisoformat(value)
        if python_type is uuid.UUID and isinstance(value, str):
            return uuid.UUID(value)
        if python_type is bool and isinstance(value, bool):
            return value
        if python_type is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if python_type is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if python_type in (str, object) and isinstance(value, str):  # SQLModel strings say object
            if not has_control_characters(value) and value.isprintable():
                return value
    except (TypeError, ValueError):
        pass
    raise BadRequest(
        _INVALID,
        errors=[
            FieldError(field="cursor", location="query", message="invalid cursor", type="cursor")
        ],
    )
