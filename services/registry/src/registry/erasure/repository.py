"""Every query on erasure requests and their answers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from registry.models import ErasureAnswer, ErasureRequest, platform
from schulerfolg.db import affected_rows
from schulerfolg.events.privacy import ErasureRequested
from schulerfolg.http.pagination import PageParams, decode_cursor, encode_cursor
from schulerfolg.http.problems import BadRequest, FieldError

REQUESTED_TYPE = ErasureRequested.event_meta.cloudevent_type


async def get_request(
    session: AsyncSession, request_id: uuid.UUID, *, for_update: bool = False
) -> ErasureRequest | None:
    """A request by id, locked for a change when asked (answers of several services arrive
    at once; the lock lets exactly one of them see the last answer)."""
    statement = select(ErasureRequest).where(col(ErasureRequest.id) == request_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.scalars(statement)).one_or_none()


async def get_answer(
    session: AsyncSession, request_id: uuid.UUID, service: str
) -> ErasureAnswer | None:
    """A service's part of a request."""
    return await session.get(ErasureAnswer, (request_id, service))


async def answers_of(
    session: AsyncSession, request_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ErasureAnswer]]:
    """The answers of each request, in the services' order."""
    found: dict[uuid.UUID, list[ErasureAnswer]] = {request_id: [] for request_id in request_ids}
    if not request_ids:
        return found
    statement = (
        select(ErasureAnswer)
        .where(col(ErasureAnswer.request_id).in_(request_ids))
        .order_by(col(ErasureAnswer.request_id), col(ErasureAnswer.position))
    )
    for answer in (await session.scalars(statement)).all():
        found[answer.request_id].append(answer)
    return found


def _cursor_key(cursor: str) -> tuple[datetime, uuid.UUID]:
    created, request_id = decode_cursor(cursor, 2)
    try:
        moment = datetime.fromisoformat(created)
        if moment.tzinfo is None:
            raise ValueError("naive datetime")
        return moment, uuid.UUID(request_id)
    except (TypeError, ValueError):
        raise BadRequest(
            "The cursor is not valid; use the next_cursor of a previous page.",
            errors=[
                FieldError(
                    field="cursor", location="query", message="invalid cursor", type="cursor"
                )
            ],
        ) from None


async def list_requests(
    session: AsyncSession, *, page: PageParams, status: str | None
) -> tuple[list[ErasureRequest], str | None]:
    """Requests newest first (by ``created_at``, then id), one page after the cursor."""
    key = (col(ErasureRequest.created_at), col(ErasureRequest.id))
    statement = select(ErasureRequest)
    if status is not None:
        statement = statement.where(col(ErasureRequest.status) == status)
    if page.cursor:
        statement = statement.where(tuple_(*key) < tuple_(*_cursor_key(page.cursor)))
    statement = statement.order_by(*(column.desc() for column in key)).limit(page.limit + 1)
    rows = list((await session.scalars(statement)).all())
    if len(rows) <= page.limit:
        return rows, None
    last = rows[page.limit - 1]
    return rows[: page.limit], encode_cursor([last.created_at.isoformat(), last.id])


async def delete_request_outbox_row(session: AsyncSession, request_id: uuid.UUID) -> int:
    """Delete the request's ``registry.erasure.requested`` event from the outbox (it holds the
    address). Its CloudEvent ``subject`` is ``erasures/<id>``; pydantic writes no spaces."""
    outbox = platform.outbox
    result: Any = await session.execute(
        delete(outbox).where(
            outbox.c.event_type == REQUESTED_TYPE,
            outbox.c.payload.contains(f'"subject":"erasures/{request_id}"', autoescape=True),
        )
    )
    return affected_rows(result)
