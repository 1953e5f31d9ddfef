"""HTTP routes for an application's assessment (thin: they call the service)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from offers.assessment import service
from offers.assessment.schemas import AssessmentBody, AssessmentPublic
from schulerfolg.app import SessionDep
from schulerfolg.auth import CurrentPrincipal
from schulerfolg.http.etag import IfMatch, set_etag
from schulerfolg.http.problems import problem_responses

router = APIRouter(tags=["assessment"])


@router.get(
    "/applications/{application_id}/assessment",
    response_model=AssessmentPublic,
    responses=problem_responses(401, 404, 422),
    summary="An application's assessment",
)
async def get_assessment(
    application_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> AssessmentPublic:
    """For everyone who may read the application (the notes only for the offices and the
    steering group); 404 while it is not assessed. The ETag is the application's version."""
    app, assessment = await service.get_assessment(
        session=session, principal=principal, application_id=application_id
    )
    set_etag(response, app.version)
    return AssessmentPublic.of(
        assessment, app.version, with_notes=service.shows_notes(principal, app)
    )


@router.put(
    "/applications/{application_id}/assessment",
    response_model=AssessmentPublic,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    summary="Assess a submitted application",
)
async def put_assessment(
    application_id: uuid.UUID,
    body: AssessmentBody,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> AssessmentPublic:
    """The network office of the application's region, while it is `submitted`: points for
    every criterion of the fund (0 to its `max_points`), a recommendation (`approve` needs
    `recommended_cents`, at most the requested amount), notes. The weighted score is
    sum(weight × points) / sum(weight × max_points) × 100, rounded half up. Bumps the
    application's version (honours If-Match); event `offers.application.assessed`."""
    app, assessment = await service.assess(
        session=session,
        principal=principal,
        application_id=application_id,
        body=body,
        if_match=if_match,
    )
    set_etag(response, app.version)
    return AssessmentPublic.of(assessment, app.version, with_notes=True)
