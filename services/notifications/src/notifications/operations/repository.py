"""Queries of the operational views."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from notifications.common import page_by_created
from notifications.models import Delivery
from schulerfolg.http.pagination import PageParams, decode_cursor, encode_cursor
from schulerfolg.http.problems import BadRequest, FieldError


async def deliveries(
    session: AsyncSession, params: PageParams, *, status: str | None
) -> tuple[list[Delivery], str | None]:
    """E-mail deliveries, oldest first, optionally of one status."""
    statement = select(Delivery)
    if status is not None:
        statement = statement.where(col(Delivery.status) == status)
    return await page_by_created(session, statement, Delivery, params, newest_first=False)


async def dead_letters(
    session: AsyncSession, table: Table, params: PageParams
) -> tuple[list[Any], str | None]:
    """The dead letters, oldest first."""
    statement = select(table).order_by(table.c.id).limit(params.limit + 1)
    if params.cursor:
        (last,) = decode_cursor(params.cursor, 1)
        if not isinstance(last, int) or isinstance(last, bool):
            raise BadRequest(
                "The cursor is not valid; use the next_cursor of a previous page.",
                errors=[
                    FieldError(
                        field="cursor", location="query", message="invalid cursor", type="cursor"
                    )
                ],
            )
        statement = statement.where(table.c.id > last)
    rows = list((await session.execute(statement)).all())
    next_cursor = None
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        next_cursor = encode_cursor([rows[-1].id])
    return rows, next_cursor
