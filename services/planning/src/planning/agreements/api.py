"""HTTP routes for target agreements (thin: they call the service functions)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from planning.agreements import service
from planning.agreements.schemas import (
    AgreementCreate,
    AgreementPublic,
    AgreementStatus,
    AgreementUpdate,
    ManualValueCreate,
    ManualValuePublic,
    Progress,
)
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.auth import CurrentPrincipal
from schulerfolg.http.csv import csv_response, wants_csv
from schulerfolg.http.etag import IfMatch, etag, set_etag
from schulerfolg.http.idempotency import Created, IdempotencyDep, run_idempotent
from schulerfolg.http.pagination import Page, PageDep
from schulerfolg.http.problems import problem_responses

router = APIRouter(prefix="/agreements", tags=["agreements"])


def _location(agreement_id: uuid.UUID) -> str:
    return f"/api/v1/agreements/{agreement_id}"


@router.get(
    "",
    response_model=Page[AgreementPublic],
    responses=problem_responses(400, 401, 403, 422),
    summary="Target agreements",
)
async def list_agreements(
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageDep,
    region: Annotated[str | None, Query(max_length=64, description="A region slug.")] = None,
    status: Annotated[AgreementStatus | None, Query()] = None,
) -> Page[AgreementPublic]:
    """The agreements of the caller's regions (state coordination: all), each with a summary
    of how its goals stand."""
    found, next_cursor = await service.list_agreements(
        session=session, principal=principal, page=page, region=region, status=status
    )
    return Page(
        items=[AgreementPublic.of(a, progress.summary()) for a, progress in found],
        next_cursor=next_cursor,
    )


@router.post(
    "",
    status_code=201,
    response_model=AgreementPublic,
    responses=problem_responses(401, 403, 409, 422),
    summary="Conclude a target agreement",
)
async def create_agreement(
    data: AgreementCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """For the network office of the agreement's region and the state coordination."""

    async def create() -> Created:
        agreement = await service.create_agreement(session=session, principal=principal, data=data)
        return Created(
            AgreementPublic.of(agreement),
            headers={"Location": _location(agreement.id), "ETag": etag(agreement.version)},
        )

    return await run_idempotent(session, runtime.tables, idempotency, data, create)


@router.get(
    "/{agreement_id}",
    response_model=AgreementPublic,
    responses=problem_responses(401, 403, 404, 422),
    summary="One target agreement",
)
async def get_agreement(
    agreement_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> AgreementPublic:
    """An agreement by id; the ETag is its version."""
    agreement = await service.get_agreement(
        session=session, principal=principal, agreement_id=agreement_id
    )
    set_etag(response, agreement.version)
    return AgreementPublic.of(agreement)


@router.patch(
    "/{agreement_id}",
    response_model=AgreementPublic,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    summary="Change a target agreement",
)
async def update_agreement(
    agreement_id: uuid.UUID,
    changes: AgreementUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> AgreementPublic:
    """Change the fields sent (title, period, parties, goals) of an active agreement; honours
    If-Match (412 when stale)."""
    agreement = await service.update_agreement(
        session=session,
        principal=principal,
        agreement_id=agreement_id,
        changes=changes,
        if_match=if_match,
    )
    set_etag(response, agreement.version)
    return AgreementPublic.of(agreement)


@router.post(
    "/{agreement_id}/close",
    response_model=AgreementPublic,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Close a target agreement",
)
async def close_agreement(
    agreement_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> AgreementPublic:
    """An active agreement is closed; its progress stays readable."""
    agreement = await service.close_agreement(
        session=session, principal=principal, agreement_id=agreement_id
    )
    set_etag(response, agreement.version)
    return AgreementPublic.of(agreement)


@router.post(
    "/{agreement_id}/values",
    status_code=201,
    response_model=ManualValuePublic,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Enter a goal's figure by hand",
)
async def add_value(
    agreement_id: uuid.UUID,
    data: ManualValueCreate,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> ManualValuePublic:
    """Only for goals whose indicator is `manual`; the latest figure (by `as_of`) counts."""
    value = await service.add_value(
        session=session, principal=principal, agreement_id=agreement_id, data=data
    )
    return ManualValuePublic.model_validate(value, from_attributes=True)


@router.get(
    "/{agreement_id}/progress",
    response_model=Progress,
    responses={200: {"content": {"text/csv": {}}}, **problem_responses(401, 403, 404, 422)},
    summary="A target agreement's progress (JSON or CSV)",
)
async def progress(
    agreement_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, request: Request
) -> Progress | Response:
    """Each goal's actual figure against its target, the figure expected by now, the trend and
    the cumulative figure per month; with `Accept: text/csv` one row per goal."""
    found = await service.progress(session=session, principal=principal, agreement_id=agreement_id)
    if wants_csv(request):
        header, rows = found.csv_rows()
        return csv_response(header, rows, filename=f"zielvereinbarung-{agreement_id}.csv")
    return found
