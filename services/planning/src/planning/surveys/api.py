"""HTTP routes for needs surveys (thin: they call the service functions)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from planning.config import settings_of
from planning.surveys import service
from planning.surveys.schemas import (
    Codes,
    CodesCreate,
    CodesSummary,
    ResponseAccepted,
    ResponseCreate,
    SurveyCreate,
    SurveyPublic,
    SurveyResults,
    SurveyStatus,
    Ticket,
)
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.auth import CurrentPrincipal, OptionalPrincipal
from schulerfolg.http.csv import csv_response, wants_csv
from schulerfolg.http.etag import etag
from schulerfolg.http.idempotency import Created, IdempotencyDep, run_idempotent
from schulerfolg.http.pagination import Page, PageDep
from schulerfolg.http.problems import problem_responses

router = APIRouter(prefix="/surveys", tags=["surveys"])

NO_STORE = {"Cache-Control": "no-store"}


def _location(survey_id: uuid.UUID) -> str:
    return f"/api/v1/surveys/{survey_id}"


@router.get(
    "",
    response_model=Page[SurveyPublic],
    responses=problem_responses(400, 401, 403, 422),
    summary="Needs surveys",
)
async def list_surveys(
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageDep,
    region: Annotated[
        str | None, Query(max_length=64, description="A region slug, or `state`.")
    ] = None,
    status: Annotated[SurveyStatus | None, Query()] = None,
) -> Page[SurveyPublic]:
    """The surveys of the caller's regions and the state-wide ones (state coordination: all)."""
    surveys, next_cursor = await service.list_surveys(
        session=session, principal=principal, page=page, region=region, status=status
    )
    return Page(items=[SurveyPublic.of(s) for s in surveys], next_cursor=next_cursor)


@router.post(
    "",
    status_code=201,
    response_model=SurveyPublic,
    responses=problem_responses(401, 403, 409, 422),
    summary="Prepare a needs survey",
)
async def create_survey(
    data: SurveyCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """For the network office of the survey's region and the state coordination; a draft."""

    async def create() -> Created:
        survey = await service.create_survey(session=session, principal=principal, data=data)
        return Created(
            SurveyPublic.of(survey),
            headers={"Location": _location(survey.id), "ETag": etag(survey.version)},
        )

    return await run_idempotent(session, runtime.tables, idempotency, data, create)


@router.get(
    "/{survey_id}",
    response_model=SurveyPublic,
    responses=problem_responses(404, 422),
    summary="One needs survey",
)
async def get_survey(
    survey_id: uuid.UUID, session: SessionDep, principal: OptionalPrincipal
) -> SurveyPublic:
    """Its office reads it in every state; anyone reads an open or closed one (to answer it)."""
    survey = await service.get_survey(session=session, principal=principal, survey_id=survey_id)
    return SurveyPublic.of(survey)


@router.post(
    "/{survey_id}/open",
    response_model=SurveyPublic,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Open a survey for answers",
)
async def open_survey(
    survey_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> SurveyPublic:
    """A draft becomes open; `planning.survey.opened` follows."""
    survey = await service.open_survey(session=session, principal=principal, survey_id=survey_id)
    return SurveyPublic.of(survey)


@router.post(
    "/{survey_id}/close",
    response_model=SurveyPublic,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Close a survey",
)
async def close_survey(
    survey_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> SurveyPublic:
    """An open survey takes no more answers; `planning.survey.closed` carries the topic demand."""
    survey = await service.close_survey(session=session, principal=principal, survey_id=survey_id)
    return SurveyPublic.of(survey)


@router.post(
    "/{survey_id}/invitations",
    status_code=201,
    response_model=Codes,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Issue invitation codes",
)
async def issue_invitations(
    survey_id: uuid.UUID, data: CodesCreate, session: SessionDep, principal: CurrentPrincipal
) -> JSONResponse:
    """One code per invited person, shown only in this answer (only their hashes are kept);
    each code lets one answer in. Hand them on with the survey's link."""
    codes = await service.issue_invitations(
        session=session, principal=principal, survey_id=survey_id, data=data
    )
    body = Codes(survey_id=survey_id, codes=codes)
    return JSONResponse(body.model_dump(mode="json"), status_code=201, headers=NO_STORE)


@router.get(
    "/{survey_id}/invitations",
    response_model=CodesSummary,
    responses=problem_responses(401, 403, 404, 422),
    summary="How many invitations were issued and used",
)
async def invitation_counts(
    survey_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> CodesSummary:
    """Counts only: which invited person answered is nowhere stored."""
    issued, used = await service.invitation_counts(
        session=session, principal=principal, survey_id=survey_id
    )
    return CodesSummary(survey_id=survey_id, issued=issued, used=used)


@router.post(
    "/{survey_id}/tickets",
    status_code=201,
    response_model=Ticket,
    responses=problem_responses(404, 409, 422),
    summary="A ticket for one anonymous answer",
)
async def issue_ticket(survey_id: uuid.UUID, session: SessionDep) -> JSONResponse:
    """An open anonymous survey's form asks for one ticket and sends it with the answers: the
    same ticket counts once, and nothing about the respondent is stored."""
    ticket = await service.issue_ticket(session=session, survey_id=survey_id)
    body = Ticket(survey_id=survey_id, ticket=ticket)
    return JSONResponse(body.model_dump(mode="json"), status_code=201, headers=NO_STORE)


@router.post(
    "/{survey_id}/responses",
    status_code=201,
    response_model=ResponseAccepted,
    responses=problem_responses(404, 409, 422),
    summary="Answer a survey",
)
async def respond(
    survey_id: uuid.UUID, data: ResponseCreate, session: SessionDep, runtime: RuntimeDep
) -> ResponseAccepted:
    """With the invitation code (invited survey) or the form's ticket (anonymous survey); a
    code already spent is refused with 409."""
    await service.respond(
        session=session,
        survey_id=survey_id,
        data=data,
        max_responses=settings_of(runtime).survey_max_responses,
    )
    return ResponseAccepted(survey_id=survey_id)


@router.get(
    "/{survey_id}/results",
    response_model=SurveyResults,
    responses={200: {"content": {"text/csv": {}}}, **problem_responses(401, 403, 404, 422)},
    summary="A survey's results (JSON or CSV)",
)
async def results(
    survey_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, request: Request
) -> SurveyResults | Response:
    """Counts per choice and scale value, the free texts, and the demand per topic; with
    `Accept: text/csv` one row per choice, scale value and topic."""
    found = await service.results(session=session, principal=principal, survey_id=survey_id)
    if wants_csv(request):
        header, rows = found.csv_rows()
        return csv_response(header, rows, filename=f"umfrage-{survey_id}.csv")
    return found
