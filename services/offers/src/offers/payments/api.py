"""HTTP routes for payment requests (Mittelabrufe) and the payout list (thin: they call the
service)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from offers.payments import service
from offers.payments.schemas import (
    PaidBody,
    PaymentRequestCreate,
    PaymentRequestPublic,
    PaymentRequests,
    PaymentStatus,
    PayoutItem,
    RejectBody,
)
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.auth import CurrentPrincipal, Principal
from schulerfolg.http.csv import csv_response, wants_csv
from schulerfolg.http.idempotency import Created, IdempotencyDep, run_idempotent
from schulerfolg.http.pagination import Page, PageDep
from schulerfolg.http.problems import problem_responses

router = APIRouter(tags=["payments"])

BASE = "/applications/{application_id}/payment-requests"
STEP_PROBLEMS = problem_responses(401, 403, 404, 409, 422)


@router.get(
    BASE,
    response_model=PaymentRequests,
    responses=problem_responses(401, 404, 422),
    summary="Payment requests of an application",
)
async def list_payment_requests(
    application_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> PaymentRequests:
    """Every payment request (Mittelabruf) of an application the caller may read, oldest first,
    with the sums: the limit by the fund's payment rule and what may still be requested."""
    _, requests, limits = await service.list_for_application(
        session=session, principal=principal, application_id=application_id
    )
    return PaymentRequests(items=[PaymentRequestPublic.of(r) for r in requests], sums=limits.sums())


@router.post(
    BASE,
    status_code=201,
    response_model=PaymentRequestPublic,
    responses=STEP_PROBLEMS,
    summary="Call in money",
)
async def create_payment_request(
    application_id: uuid.UUID,
    data: PaymentRequestCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """The applicant side (school, partner, or the office for them) calls in money on an
    approved application: before the proof of use is accepted up to the fund's
    `advance_percent` of the approved amount in all, after it up to the accepted amount
    (409 `payment-limit-exceeded` otherwise)."""

    async def create() -> Created:
        request = await service.request_payment(
            session=session, principal=principal, application_id=application_id, data=data
        )
        return Created(
            PaymentRequestPublic.of(request),
            headers={
                "Location": f"/api/v1{BASE.format(application_id=application_id)}/{request.id}"
            },
        )

    return await run_idempotent(session, runtime.tables, idempotency, data, create)


@dataclass(frozen=True)
class Step:
    """What every step on one payment request gets (the service's keyword arguments)."""

    session: AsyncSession
    principal: Principal
    application_id: uuid.UUID
    payment_id: uuid.UUID


async def _step(
    application_id: uuid.UUID,
    payment_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> Step:
    return Step(session, principal, application_id, payment_id)


StepDep = Annotated[Step, Depends(_step)]
StepRoute = TypeVar("StepRoute", bound=Callable[..., Awaitable[PaymentRequestPublic]])


def _step_route(action: str, summary: str) -> Callable[[StepRoute], StepRoute]:
    """``POST …/payment-requests/{payment_id}/<action>``, answering the changed request."""
    return router.post(
        f"{BASE}/{{payment_id}}/{action}",
        response_model=PaymentRequestPublic,
        responses=STEP_PROBLEMS,
        summary=summary,
    )


@_step_route("approve", "Approve a payment request (network office)")
async def approve_payment_request(step: StepDep) -> PaymentRequestPublic:
    """`requested` → `approved`; what is approved and paid never exceeds the approved amount
    (or the accepted amount after the proof of use), concurrent approvals included."""
    return PaymentRequestPublic.of(await service.approve(**vars(step)))


@_step_route("reject", "Reject a payment request (network office)")
async def reject_payment_request(step: StepDep, body: RejectBody) -> PaymentRequestPublic:
    """`requested` → `rejected`, with a reason."""
    return PaymentRequestPublic.of(await service.reject(**vars(step), reason=body.reason))


@_step_route("paid", "Mark a payment paid (network office)")
async def mark_payment_paid(step: StepDep, body: PaidBody) -> PaymentRequestPublic:
    """`approved` → `paid` with the day (`paid_on`) and the booking reference."""
    return PaymentRequestPublic.of(await service.mark_paid(**vars(step), body=body))


@router.get(
    "/payments",
    response_model=Page[PayoutItem],
    responses={200: {"content": {"text/csv": {}}}, **problem_responses(400, 401, 403, 422)},
    summary="Payments (the treasury's payout list, JSON or CSV)",
)
async def list_payments(
    session: SessionDep,
    principal: CurrentPrincipal,
    request: Request,
    page: PageDep,
    status: PaymentStatus | None = None,
    fund_id: uuid.UUID | None = None,
    region: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[PayoutItem] | Response:
    """Payment requests of the network office's regions (the state coordination: all), oldest
    first; other roles get 403. With `Accept: text/csv` every matching row (no paging) for the
    treasury: `;`-separated, decimal comma, UTF-8 with BOM."""
    csv = wants_csv(request)
    rows, titles, fund_names, cursor = await service.payouts(
        session=session,
        principal=principal,
        page=None if csv else page,
        status=status,
        fund_id=fund_id,
        region=region,
    )
    if csv:
        return csv_response(
            service.PAYOUT_HEADER,
            service.payout_rows(rows, titles, fund_names),
            filename=f"auszahlungen-{region or 'alle'}-{status or 'alle'}.csv",
        )
    items = [
        PayoutItem(
            **PaymentRequestPublic.of(r).model_dump(),
            application_title=titles.get(r.application_id, ""),
            fund_name=fund_names.get(r.fund_id, ""),
        )
        for r in rows
    ]
    return Page(items=items, next_cursor=cursor)
