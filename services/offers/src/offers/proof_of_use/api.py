"""HTTP routes of the proof of use (Verwendungsnachweis); thin: they call the service."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from offers.applications import service as applications
from offers.proof_of_use import service
from offers.proof_of_use.schemas import AcceptBody, ProofOfUseBody, ProofOfUsePublic, ReturnBody
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.auth import CurrentPrincipal, Principal
from schulerfolg.http.etag import IfMatch, set_etag
from schulerfolg.http.problems import problem_responses

router = APIRouter(tags=["proof of use"])

PATH = "/applications/{application_id}/proof-of-use"
PROBLEMS = problem_responses(401, 403, 404, 409, 412, 422)


async def _answer(
    loaded: service.Loaded, session: SessionDep, principal: Principal, response: Response
) -> ProofOfUsePublic:
    set_etag(response, loaded.proof.version)
    return await service.public(session, loaded, principal)


@router.get(
    PATH,
    response_model=ProofOfUsePublic,
    responses=problem_responses(401, 404, 409, 422),
    summary="The proof of use",
)
async def get_proof_of_use(
    application_id: uuid.UUID,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    response: Response,
) -> ProofOfUsePublic:
    """An approved (reported, completed) application's proof of use with its deadline (`due_on`)
    and the receipts compared with the approved lines (per category: approved, spent,
    difference). A blank draft (version 0) while nothing was saved. A read by anyone but the
    applying school or partner is audited (`application.proof_of_use_read`)."""
    app, answer = await service.get(
        session=session, principal=principal, application_id=application_id
    )
    set_etag(response, answer.version)
    await applications.record_read(runtime.db, principal, app, "proof_of_use_read")
    return answer


@router.put(
    PATH, response_model=ProofOfUsePublic, responses=PROBLEMS, summary="Save the proof of use"
)
async def save_proof_of_use(
    application_id: uuid.UUID,
    body: ProofOfUseBody,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> ProofOfUsePublic:
    """The applicant side (school, partner, or the office for them) saves the narrative
    (Sachbericht), participants per target group (optional ESF+ breakdown), and the receipts
    (Belegliste) — while the application is `approved`, also after a return for correction.
    Receipts lie in the project period and name an approved line's category."""
    loaded = await service.save(
        session=session,
        principal=principal,
        application_id=application_id,
        body=body,
        if_match=if_match,
    )
    return await _answer(loaded, session, principal, response)


@router.post(
    f"{PATH}/submit", response_model=ProofOfUsePublic, responses=PROBLEMS, summary="Submit"
)
async def submit_proof_of_use(
    application_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> ProofOfUsePublic:
    """The applicant side submits the saved proof of use: the application becomes `reported`
    (`offers.proof_of_use.submitted`)."""
    loaded = await service.submit(
        session=session, principal=principal, application_id=application_id, if_match=if_match
    )
    return await _answer(loaded, session, principal, response)


@router.post(
    f"{PATH}/return",
    response_model=ProofOfUsePublic,
    responses=PROBLEMS,
    summary="Return for correction (network office)",
)
async def return_proof_of_use(
    application_id: uuid.UUID,
    body: ReturnBody,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> ProofOfUsePublic:
    """The network office returns the submitted proof of use with reasons; the application is
    `approved` again and the proof editable (`offers.proof_of_use.returned`)."""
    loaded = await service.return_for_correction(
        session=session,
        principal=principal,
        application_id=application_id,
        reasons=body.reasons,
        if_match=if_match,
    )
    return await _answer(loaded, session, principal, response)


@router.post(
    f"{PATH}/accept",
    response_model=ProofOfUsePublic,
    responses=PROBLEMS,
    summary="Accept (network office)",
)
async def accept_proof_of_use(
    application_id: uuid.UUID,
    body: AcceptBody,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> ProofOfUsePublic:
    """The network office accepts an amount (at most the approved one,
    `offers.proof_of_use.accepted`): the final payment is accepted − paid; when more was paid,
    `reclaim_cents` is due (`offers.application.reclaim_due`)."""
    loaded = await service.accept(
        session=session,
        principal=principal,
        application_id=application_id,
        accepted_cents=body.accepted_cents,
        if_match=if_match,
    )
    return await _answer(loaded, session, principal, response)
