"""HTTP routes for erasure requests (thin: they call the service functions)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from registry.config import settings_of
from registry.erasure import service
from registry.erasure.schemas import ErasureRequestCreate, ErasureRequestView, ErasureStatus
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.auth import Principal, require_roles
from schulerfolg.http.idempotency import Created, IdempotencyDep, run_idempotent
from schulerfolg.http.pagination import Page, PageDep
from schulerfolg.http.problems import problem_responses

router = APIRouter(tags=["erasure requests"])

ERASURE_ROLES = ("state_coordinator", "admin")
Requester = Annotated[Principal, Depends(require_roles(*ERASURE_ROLES))]


def _location(request_id: uuid.UUID) -> str:
    return f"/api/v1/erasure-requests/{request_id}"


@router.post(
    "/erasure-requests",
    status_code=202,
    response_model=ErasureRequestView,
    responses=problem_responses(401, 403, 409, 422),
    summary="Erase what every service holds for an e-mail address",
)
async def file_request(
    data: ErasureRequestCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Requester,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """Accepted at once; every service erases and reports back, then the request is completed.
    The answer shows only a hint of the address, never the address."""

    async def create() -> Created:
        request = await service.file_request(
            session,
            requested_by=principal,
            email=data.email,
            reason=data.reason,
            origin="request",
            services=settings_of(runtime).erasure_services,
        )
        return Created(request, status_code=202, headers={"Location": _location(request.id)})

    return await run_idempotent(session, runtime.tables, idempotency, data, create)


@router.get(
    "/erasure-requests",
    response_model=Page[ErasureRequestView],
    responses=problem_responses(400, 401, 403, 422),
    summary="Erasure requests, newest first",
)
async def list_requests(
    session: SessionDep,
    _principal: Requester,
    page: PageDep,
    status: Annotated[ErasureStatus | None, Query()] = None,
) -> Page[ErasureRequestView]:
    """Newest first; ``?status=pending`` shows those still waiting for a service."""
    items, next_cursor = await service.list_requests(session, page=page, status=status)
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/erasure-requests/{request_id}",
    response_model=ErasureRequestView,
    responses=problem_responses(401, 403, 404, 422),
    summary="One erasure request and which services are done",
)
async def get_request(
    request_id: uuid.UUID, session: SessionDep, _principal: Requester
) -> ErasureRequestView:
    """The request with each service's answer."""
    return await service.get_request(session, request_id)
