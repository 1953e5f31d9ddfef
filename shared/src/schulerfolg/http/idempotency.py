"""``Idempotency-Key`` on creating POSTs: a retry with the same key returns the first result.

The key is recorded in the same transaction as the creation, so a key exists exactly when its
resource does. A concurrent retry with the same key waits on the key's row (PostgreSQL) or on
the write lock (SQLite) and then replays the stored response. Reusing a key for a different
request body is a 422; keys are scoped to the caller and the route.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from schulerfolg.auth import OptionalPrincipal
from schulerfolg.db import affected_rows, dialect_insert, utcnow
from schulerfolg.http.problems import Conflict, FieldError, Unprocessable
from schulerfolg.tables import PlatformTables

REPLAY_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True)
class Created:
    """What a creating route answers: status, body and headers (e.g. ``Location``, ``ETag``)."""

    body: Any
    status_code: int = 201
    headers: dict[str, str] | None = None


@dataclass(frozen=True)
class IdempotencyKey:
    """The key a client sent (or None), scoped to the caller and the route."""

    key: str | None
    scope: str


async def idempotency_key(
    request: Request,
    principal: OptionalPrincipal,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=255,
            min_length=1,
            pattern=r"^[\x21-\x7e]+$",
            description="A unique key per intended creation; a retry with it creates nothing new.",
        ),
    ] = None,
) -> IdempotencyKey:
    """FastAPI dependency reading the ``Idempotency-Key`` header, scoped to caller and route."""
    caller = principal.sub if principal is not None else "anonymous"
    return IdempotencyKey(
        key=idempotency_key, scope=f"{caller}:{request.method}:{request.url.path}"[:255]
    )


IdempotencyDep = Annotated[IdempotencyKey, Depends(idempotency_key)]


def fingerprint(body: Any) -> str:
    """A stable hash of a request body."""
    canonical = json.dumps(jsonable_encoder(body), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def run_idempotent(
    session: AsyncSession,
    tables: PlatformTables,
    key: IdempotencyKey,
    request_body: Any,
    create: Callable[[], Awaitable[Created]],
) -> JSONResponse:
    """Run ``create`` once per key; replay its stored response for a retry with the same key."""
    if key.key is None:
        return _response(await create())
    table = tables.idempotency_keys
    digest = fingerprint(request_body)
    claimed = await session.execute(
        dialect_insert(session)(table)
        .values(scope=key.scope, key=key.key, fingerprint=digest, created_at=utcnow())
        .on_conflict_do_nothing()
    )
    if affected_rows(claimed) == 0:
        row = (
            await session.execute(
                select(table).where(table.c.scope == key.scope, table.c.key == key.key)
            )
        ).one()
        if row.fingerprint != digest:
            raise Unprocessable(
                "This Idempotency-Key was already used for a different request; use a new key.",
                errors=[
                    FieldError(
                        field="Idempotency-Key",
                        location="header",
                        message="key reused with another body",
                        type="idempotency_key_reused",
                    )
                ],
            )
        if row.status_code is None:
            raise Conflict("A request with this Idempotency-Key is still being processed; retry.")
        headers = json.loads(row.response_headers or "{}")
        headers[REPLAY_HEADER] = "true"
        return JSONResponse(
            json.loads(row.response_body), status_code=row.status_code, headers=headers
        )
    created = await create()
    body = _json(created.body)
    await session.execute(
        update(table)
        .where(table.c.scope == key.scope, table.c.key == key.key)
        .values(
            status_code=created.status_code,
            response_body=body.decode(),
            response_headers=json.dumps(created.headers or {}),
        )
    )
    return _response(created, body)


class SerializedJSONResponse(JSONResponse):
    """A JSON response whose body is already serialised (bytes)."""

    def render(self, content: Any) -> bytes:
        assert isinstance(content, bytes)
        return content


def _json(body: Any) -> bytes:
    """A response body as JSON, serialised once: a pydantic model straight by pydantic (by
    alias, as ``jsonable_encoder`` does it), anything else through ``jsonable_encoder``."""
    if isinstance(body, BaseModel):
        return body.model_dump_json(by_alias=True).encode()
    return json.dumps(
        jsonable_encoder(body), ensure_ascii=False, allow_nan=False, separators=(",", ":")
    ).encode()


def _response(created: Created, body: bytes | None = None) -> JSONResponse:
    return SerializedJSONResponse(
        _json(created.body) if body is None else body,
        status_code=created.status_code,
        headers=created.headers,
    )
