"""HTTP routes of the youth micro-projects: public, no account (thin: they call the service)."""

from __future__ import annotations

from typing import Any, cast

from fastapi import APIRouter, Request, Response

from offers.config import OffersSettings
from offers.youth_projects import service
from offers.youth_projects.schemas import (
    FormOptions,
    FormTicket,
    TokenBody,
    YouthProjectConfirmed,
    YouthProjectCreate,
    YouthProjectForSponsor,
    YouthProjectReceived,
)
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.http.problems import problem_responses

router = APIRouter(tags=["youth projects"])

RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "Too many youth projects from this address or for this sponsor; see "
        "Retry-After."
    }
}


def _settings(runtime: Any) -> OffersSettings:
    return cast(OffersSettings, runtime.settings)


def client_address(request: Request) -> str:
    """The sender's address as the server resolved it: uvicorn takes X-Forwarded-For only from
    trusted proxies (the web frontend and the gateway on the same machine), so a client cannot
    name another address to slip past the rate limit."""
    return request.client.host if request.client else "unknown"


@router.post(
    "/youth-projects/form",
    response_model=FormTicket,
    status_code=201,
    summary="A form ticket for a youth project",
)
async def form_ticket(session: SessionDep, runtime: RuntimeDep) -> FormTicket:
    """Public. The ticket the youth-project form must be sent with: not sooner than a few
    seconds and not later than a day after it was issued, once."""
    return await service.issue_ticket(session, _settings(runtime))


@router.get(
    "/youth-projects/form",
    response_model=FormOptions,
    summary="What the youth-project form offers",
)
async def form_options(session: SessionDep) -> FormOptions:
    """Public. The youth funds still open and the schools of their regions."""
    return await service.form_options(session)


@router.post(
    "/youth-projects",
    response_model=YouthProjectReceived,
    status_code=202,
    responses={**problem_responses(422), **RATE_LIMITED},
    summary="Send a youth micro-project",
)
async def send_youth_project(
    body: YouthProjectCreate, request: Request, session: SessionDep, runtime: RuntimeDep
) -> YouthProjectReceived:
    """Public. A micro-project of young people for a youth fund; it waits for the adult
    sponsor's confirmation (a link by e-mail). Refused with 422 naming the field: a filled
    honeypot (`website`), a ticket sent too fast, too late or twice; 429 over the rate limits."""
    settings = _settings(runtime)
    project = await service.receive(
        session=session, settings=settings, data=body, client=client_address(request)
    )
    return YouthProjectReceived(
        id=project.id, status=project.status, confirm_by=service.confirm_by(project, settings)
    )


@router.post(
    "/youth-projects/view",
    response_model=YouthProjectForSponsor,
    responses=problem_responses(404, 422),
    summary="A youth project for its sponsor",
)
async def view_for_sponsor(
    body: TokenBody, session: SessionDep, runtime: RuntimeDep
) -> YouthProjectForSponsor:
    """Public with the sponsor's token: the project waiting for confirmation."""
    p, fund_name, school_name = await service.for_sponsor(session, body.token)
    return YouthProjectForSponsor(
        fund_name=fund_name,
        school_name=school_name,
        id=p.id,
        fund_id=p.fund_id,
        school_id=p.school_id,
        title=p.title,
        idea=p.idea,
        group_size=p.group_size,
        amount_cents=p.requested_cents,
        start_date=p.start_date,
        end_date=p.end_date,
        group_name=p.group_name,
        sponsor_name=p.sponsor_name,
        confirm_by=service.confirm_by(p, _settings(runtime)),
    )


@router.post(
    "/youth-projects/confirm",
    response_model=YouthProjectConfirmed,
    responses=problem_responses(404, 422),
    summary="The sponsor confirms a youth project",
)
async def confirm(body: TokenBody, session: SessionDep) -> YouthProjectConfirmed:
    """Public with the sponsor's token: the project becomes a `submitted` application of the
    youth fund, with the sponsor as contact; the youth jury decides it."""
    p = await service.confirm(session=session, token=body.token)
    assert p.application_id is not None
    return YouthProjectConfirmed(id=p.id, application_id=p.application_id, status=p.status)


@router.post(
    "/youth-projects/decline",
    status_code=204,
    responses=problem_responses(404, 422),
    summary="The sponsor declines a youth project",
)
async def decline(body: TokenBody, session: SessionDep) -> Response:
    """Public with the sponsor's token: the project is deleted; nothing reaches the jury."""
    await service.decline(session=session, token=body.token)
    return Response(status_code=204)
