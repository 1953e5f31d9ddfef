"""HTTP routes for funds (thin: they call the service functions)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from offers.config import OffersSettings
from offers.funds import service
from offers.funds.schemas import FundCreate, FundKind, FundPublic, FundUpdate
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.auth import CurrentPrincipal
from schulerfolg.http.etag import IfMatch, etag, set_etag
from schulerfolg.http.idempotency import Created, IdempotencyDep, run_idempotent
from schulerfolg.http.pagination import Page, PageDep
from schulerfolg.http.problems import problem_responses

router = APIRouter(prefix="/funds", tags=["funds"])


@router.get(
    "",
    response_model=Page[FundPublic],
    responses=problem_responses(400, 401, 422),
    summary="Funds",
)
async def list_funds(
    session: SessionDep,
    page: PageDep,
    principal: CurrentPrincipal,
    region: Annotated[
        str | None,
        Query(max_length=64, description="Region slug, or `state` for state-wide funds."),
    ] = None,
    kind: Annotated[FundKind | None, Query()] = None,
    active_on: Annotated[
        date | None, Query(description="Funds whose period includes this day.")
    ] = None,
) -> Page[FundPublic]:
    """Funds by name; readable by every signed-in user (schools choose the fund they apply to)."""
    funds, next_cursor = await service.list_funds(
        session=session, page=page, region=region, kind=kind, active_on=active_on
    )
    return Page(items=[FundPublic.of(f) for f in funds], next_cursor=next_cursor)


@router.post(
    "",
    status_code=201,
    response_model=FundPublic,
    responses=problem_responses(401, 403, 409, 422),
    summary="Open a fund",
)
async def create_fund(
    data: FundCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """For the state coordination (any fund) and a network office (its region's funds)."""
    settings: OffersSettings = runtime.settings  # type: ignore[assignment]  # the runtime holds this service's settings

    async def create() -> Created:
        fund = await service.create_fund(
            session=session,
            principal=principal,
            data=data,
            default_cap=settings.default_max_per_school_per_year_cents,
        )
        return Created(
            FundPublic.of(fund),
            headers={"Location": f"/api/v1/funds/{fund.id}", "ETag": etag(fund.version)},
        )

    return await run_idempotent(session, runtime.tables, idempotency, data, create)


@router.get(
    "/{fund_id}",
    response_model=FundPublic,
    responses=problem_responses(401, 404, 422),
    summary="One fund",
)
async def get_fund(
    fund_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> FundPublic:
    """A fund with its approved and available money; the ETag is its version."""
    fund = await service.get_fund(session=session, fund_id=fund_id)
    set_etag(response, fund.version)
    return FundPublic.of(fund)


@router.patch(
    "/{fund_id}",
    response_model=FundPublic,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    summary="Change a fund",
)
async def update_fund(
    fund_id: uuid.UUID,
    changes: FundUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> FundPublic:
    """Change the fields sent; honours If-Match (412 when stale)."""
    fund = await service.update_fund(
        session=session, principal=principal, fund_id=fund_id, changes=changes, if_match=if_match
    )
    set_etag(response, fund.version)
    return FundPublic.of(fund)
