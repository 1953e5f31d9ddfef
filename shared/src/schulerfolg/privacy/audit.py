"""The audit log: who changed or read what, and when — never the data itself.

A change is recorded with ``record`` in the transaction that makes it, so the entry exists if
and only if the change does. A read of another person's data runs in a read-only unit of work;
``record_read`` writes its entry in a short transaction of its own. ``actor`` is the caller's
token subject (a pseudonymous id; ``system`` for changes an event caused); ``resource`` is
``<entity plural>/<id>``, as in the events' ``subject``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Table, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from schulerfolg.auth import Principal, require_roles
from schulerfolg.db import Database, utcnow
from schulerfolg.http.pagination import Page, PageDep, decode_cursor, encode_cursor
from schulerfolg.http.problems import problem_responses

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


async def record_read(
    db: Database,
    table: Table,
    *,
    actor: Principal | str | None,
    action: str,
    resource: str,
) -> None:
    """Record a read of another person's data in a transaction of its own."""
    async with db.transaction() as session:
        await record(session, table, actor=actor, action=action, resource=resource)


class AuditEntry(BaseModel):
    """One audited change or read."""

    at: datetime
    actor: str = Field(description="The caller's token subject, or `system`.")
    action: str = Field(description="What happened, e.g. `application.submitted`, `person.read`.")
    resource: str = Field(description="What it happened to: `<entity plural>/<id>`.")


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
        (last_id,) = decode_cursor(cursor, 1)
        if not isinstance(last_id, int) or isinstance(last_id, bool):
            decode_cursor("", 1)  # raises the usual 400 for a cursor that is not ours
        statement = statement.where(tuple_(table.c.id) < tuple_(last_id))
    rows = (await session.execute(statement.order_by(table.c.id.desc()).limit(limit + 1))).all()
    next_cursor = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
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
