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

router = APIRouter(tags=["operations"])


@router.get(
    "/deliveries",
    response_model=Page[DeliveryPublic],
    responses=problem_responses(400, 401, 403, 422),
    summary="E-mail deliveries",
)
async def list_deliveries(
    session: SessionDep,
    page: PageDep,
    _caller: Annotated[Principal, Depends(require_roles("admin", "state_coordinator"))],
    status: Annotated[DeliveryStatus | None, Query()] = None,
) -> Page[DeliveryPublic]:
    """Every e-mail with its status, attempts and last error (admin, state coordination)."""
    items, next_cursor = await repository.deliveries(session, page, status=status)
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
    _caller: Annotated[Principal, Depends(require_roles("admin"))],
) -> Page[DeadLetterPublic]:
    """With the reason and the number of attempts (admin)."""
    rows, next_cursor = await repository.dead_letters(session, runtime.tables.dead_letters, page)
    return Page(items=[DeadLetterPublic.model_validate(r) for r in rows], next_cursor=next_cursor)
