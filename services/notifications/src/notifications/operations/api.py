"""Operational views: e-mail deliveries and dead letters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from notifications.operations import repository
from notifications.operations.schemas import DeadLetterPublic, DeliveryPublic, DeliveryStatus
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.auth import Principal, require_roles
from schulerfolg.http.pagination import Page, PageDep
from schulerfolg.http.problems import problem_responses
from schulerfolg.privacy.audit import record_read

router = APIRouter(tags=["operations"])


@router.get(
    "/deliveries",
    response_model=Page[DeliveryPublic],
    responses=problem_responses(400, 401, 403, 422),
    summary="E-mail deliveries",
)
async def list_deliveries(
    session: SessionDep,
    runtime: RuntimeDep,
    page: PageDep,
    caller: Annotated[Principal, Depends(require_roles("admin", "state_coordinator"))],
    status: Annotated[DeliveryStatus | None, Query()] = None,
) -> Page[DeliveryPublic]:
    """Every e-mail with its status, attempts and last error (admin, state coordination).
    Each read is audited (``deliveries.read``): it shows other people's addresses."""
    items, next_cursor = await repository.deliveries(session, page, status=status)
    await record_read(
        runtime.db, runtime.audit, actor=caller, action="deliveries.read", resource="deliveries"
    )
    return Page(items=[DeliveryPublic.of(d) for d in items], next_cursor=next_cursor)


@router.get(
    "/dead-letters",
    response_model=Page[DeadLetterPublic],
    responses=problem_responses(400, 401, 403, 422),
    summary="Events no consumer could process",
)
async def list_dead_letters(
    session: SessionDep,
    runtime: RuntimeDep,
    page: PageDep,
    caller: Annotated[Principal, Depends(require_roles("admin"))],
) -> Page[DeadLetterPublic]:
    """With the reason and the number of attempts (admin). Each read is audited
    (``dead_letters.read``): the events may carry other people's addresses."""
    rows, next_cursor = await repository.dead_letters(session, runtime.tables.dead_letters, page)
    await record_read(
        runtime.db,
        runtime.audit,
        actor=caller,
        action="dead_letters.read",
        resource="dead-letters",
    )
    return Page(items=[DeadLetterPublic.model_validate(r) for r in rows], next_cursor=next_cursor)
