"""The audit log: who changed or read what, and when — never the data itself.

A change is recorded with ``record`` in the transaction that makes it, so the entry exists if
and only if the change does. A read of another person's data runs in a read-only unit of work;
``record_read`` hands its entry to the service's ``ReadLog``, which writes the entries of many
reads in one transaction a moment later (``READ_FLUSH_SECONDS``). So a read never needs a
second database connection while it holds its own (which could exhaust the pool under load),
and reads do not queue for SQLite's one writer one by one. ``GET /audit`` and the service's
shutdown write what is pending first; a crash loses at most the reads of the last moment. ``actor`` is the caller's
token subject (a pseudonymous id; ``system`` for changes an event caused); ``resource`` is
``<entity plural>/<id>``, as in the events' ``subject``.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
import weakref
from datetime import datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Table, insert, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from schulerfolg.auth import Principal, require_roles
from schulerfolg.db import Database, utcnow
from schulerfolg.http.pagination import Page, PageDep, decode_cursor, encode_cursor
from schulerfolg.http.problems import BadRequest, FieldError, problem_responses

log = structlog.get_logger("schulerfolg.audit")

AUDIT_READERS = ("admin", "state_coordinator")
SYSTEM = "system"


def actor_of(principal: Principal | str | None) -> str:
    """The audit actor for a caller (its ``sub``), a named system actor, or ``system``."""
    if principal is None:
        return SYSTEM
    return principal if isinstance(principal, str) else principal.sub


def resource_of(plural: str, entity_id: uuid.UUID | str) -> str:
    """``applications/<id>``: the audited resource, named like an event's subject."""
    return f"{plural}/{entity_id}"


async def record(
    session: AsyncSession,
    table: Table,
    *,
    actor: Principal | str | None,
    action: str,
    resource: str,
) -> None:
    """Record a change in the caller's transaction (it commits or rolls back with the change)."""
    await session.execute(
        insert(table).values(at=utcnow(), actor=actor_of(actor), action=action, resource=resource)
    )


READ_FLUSH_SECONDS = 0.25
READ_BATCH = 1000


class ReadLog:
    """Audit entries of reads, written in batches by a background task."""

    def __init__(self, db: Database, table: Table) -> None:
        self.db = db
        self.table = table
        self._pending: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def add(self, *, actor: Principal | str | None, action: str, resource: str) -> None:
        """Queue one entry (no I/O); the background task writes it shortly."""
        self._pending.append(
            {"at": utcnow(), "actor": actor_of(actor), "action": action, "resource": resource}
        )
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush_soon(), name="audit-reads")

    async def _flush_soon(self) -> None:
        await asyncio.sleep(READ_FLUSH_SECONDS)
        try:
            await self.flush()
        except Exception as exc:  # kept in memory; the next read or GET /audit tries again
            log.warning("audit.read_flush_failed", error=repr(exc)[:300])

    async def flush(self) -> int:
        """Write every queued entry now; return how many were written."""
        written = 0
        async with self._lock:
            while self._pending:
                batch, self._pending = self._pending[:READ_BATCH], self._pending[READ_BATCH:]
                try:
                    async with self.db.transaction() as session:
                        await session.execute(insert(self.table), batch)
                except BaseException:
                    self._pending[:0] = batch  # keep them for the next attempt
                    raise
                written += len(batch)
        return written

    async def close(self) -> None:
        """Write what is queued and stop."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()


_READ_LOGS: weakref.WeakKeyDictionary[Database, ReadLog] = weakref.WeakKeyDictionary()


def read_log(db: Database, table: Table) -> ReadLog:
    """The read log of a service's database (one per database)."""
    found = _READ_LOGS.get(db)
    if found is None:
        found = _READ_LOGS[db] = ReadLog(db, table)
    return found


async def record_read(
    db: Database,
    table: Table,
    *,
    actor: Principal | str | None,
    action: str,
    resource: str,
) -> None:
    """Record a read of another person's data (written with the next batch, see ``ReadLog``)."""
    read_log(db, table).add(actor=actor, action=action, resource=resource)


async def flush_reads(db: Database) -> None:
    """Write the reads queued for ``db`` now (before the audit log is read, and at shutdown)."""
    found = _READ_LOGS.get(db)
    if found is not None:
        await found.close()


class AuditEntry(BaseModel):
    """One audited change or read."""

    at: datetime
    actor: str = Field(description="The caller's token subject, or `system`.")
    action: str = Field(description="What happened, e.g. `application.submitted`, `person.read`.")
    resource: str = Field(description="What it happened to: `<entity plural>/<id>`.")


def _position(cursor: str) -> tuple[datetime, int]:
    """The (time, id) a cursor of ours holds; the usual 400 problem for anything else."""
    last_at, last_id = decode_cursor(cursor, 2)
    try:
        at = datetime.fromisoformat(last_at) if isinstance(last_at, str) else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None or not isinstance(last_id, int) or isinstance(last_id, bool):
        raise BadRequest(
            "The cursor is not valid; use the next_cursor of a previous page.",
            errors=[
                FieldError(
                    field="cursor", location="query", message="invalid cursor", type="cursor"
                )
            ],
        )
    return at, last_id


async def list_entries(
    session: AsyncSession,
    table: Table,
    *,
    resource: str | None,
    actor: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[AuditEntry], str | None]:
    """Entries newest first, filtered, one page after ``cursor``."""
    statement = select(table)
    if resource is not None:
        statement = statement.where(table.c.resource == resource)
    if actor is not None:
        statement = statement.where(table.c.actor == actor)
    if cursor:
        at, last_id = _position(cursor)
        statement = statement.where(
            tuple_(table.c.at, table.c.id)
            < tuple_(literal(at, table.c.at.type), literal(last_id, table.c.id.type))
        )
    order = (table.c.at.desc(), table.c.id.desc())
    rows = (await session.execute(statement.order_by(*order).limit(limit + 1))).all()
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = encode_cursor([last.at.isoformat(), last.id]) if last is not None else None
    return [
        AuditEntry(at=r.at, actor=r.actor, action=r.action, resource=r.resource)
        for r in rows[:limit]
    ], next_cursor


def audit_router() -> APIRouter:
    """``GET /audit`` over the running service's audit log (admin and state coordination)."""
    router = APIRouter(tags=["audit"])

    @router.get(
        "/audit",
        response_model=Page[AuditEntry],
        responses=problem_responses(400, 401, 403),
        summary="Who changed or read what (audit log)",
    )
    async def read_audit(
        request: Request,
        page: PageDep,
        _principal: Annotated[Principal, Depends(require_roles(*AUDIT_READERS))],
        resource: Annotated[
            str | None,
            Query(max_length=255, description="Only this resource, e.g. `applications/<id>`."),
        ] = None,
        actor: Annotated[
            str | None, Query(max_length=255, description="Only this actor (token subject).")
        ] = None,
    ) -> Page[AuditEntry]:
        """Newest first; every entry names actor, action, resource and time, never the data."""
        runtime: Any = request.app.state.runtime
        await flush_reads(runtime.db)
        async with runtime.db.transaction(readonly=True) as session:
            items, next_cursor = await list_entries(
                session,
                runtime.audit,
                resource=resource,
                actor=actor,
                limit=page.limit,
                cursor=page.cursor,
            )
        return Page[AuditEntry](items=items, next_cursor=next_cursor)

    return router
