"""HTTP routes for applications and the topic vocabulary (thin: they call the service)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from offers.applications import service
from offers.applications.schemas import (
    ApplicationCreate,
    ApplicationPublic,
    ApplicationUpdate,
    CloseBody,
    ConsultationBody,
    DecisionBody,
    DecisionPublic,
    Decisions,
    History,
    HistoryEntry,
    ProjectPublic,
    ReportBody,
    Status,
    TopicPublic,
    Topics,
    WithdrawBody,
)
from offers.common import TOPICS, check_region_filter
from offers.models import Application
from offers.proof_of_use import service as proof_of_use
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.auth import CurrentPrincipal
from schulerfolg.http.etag import IfMatch, etag, set_etag
from schulerfolg.http.idempotency import Created, IdempotencyDep, run_idempotent
from schulerfolg.http.pagination import Page, PageDep
from schulerfolg.http.problems import problem_responses
from schulerfolg.topics import TopicSlug

router = APIRouter(tags=["applications"])

TRANSITION_PROBLEMS = problem_responses(401, 403, 404, 409, 412, 422)


async def _public(session: AsyncSession, apps: list[Application]) -> list[ApplicationPublic]:
    """The applications as readers see them, each with the session that decides it."""
    sessions = await service.deciding_sessions(session=session, apps=apps)
    return [ApplicationPublic.of(app, sessions.get(app.id)) for app in apps]


async def _answer(session: AsyncSession, app: Application, response: Response) -> ApplicationPublic:
    set_etag(response, app.version)
    return (await _public(session, [app]))[0]


@router.get("/topics", response_model=Topics, summary="Topics of school projects", tags=["topics"])
async def list_topics() -> Topics:
    """The topic vocabulary (slugs applications carry, German names); readable by anyone."""
    return Topics(items=[TopicPublic(slug=slug, name=name) for slug, name in TOPICS.items()])


@router.get(
    "/applications",
    response_model=Page[ApplicationPublic],
    responses=problem_responses(400, 401, 422),
    summary="Applications",
)
async def list_applications(
    session: SessionDep,
    runtime: RuntimeDep,
    page: PageDep,
    principal: CurrentPrincipal,
    fund_id: uuid.UUID | None = None,
    region: Annotated[str | None, Query(max_length=64)] = None,
    status: Status | None = None,
    school_id: uuid.UUID | None = None,
    topic: TopicSlug | None = None,  # type: ignore[valid-type]  # TopicSlug is built at run time
    q: Annotated[str | None, Query(max_length=200, description="Part of the title.")] = None,
) -> Page[ApplicationPublic]:
    """The applications the caller may see (by role and region), oldest first. A page read by
    the office, the state coordination or a steering member is audited
    (`applications.listed`)."""
    check_region_filter(region)
    apps, next_cursor = await service.list_applications(
        session=session,
        principal=principal,
        page=page,
        fund_id=fund_id,
        region=region,
        status=status,
        school_id=school_id,
        topic=topic,
        q=q,
    )
    items = await _public(session, apps)
    await service.record_list_read(runtime.db, principal, apps)
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/projects",
    response_model=Page[ProjectPublic],
    responses=problem_responses(400, 422),
    summary="Funded projects",
    tags=["projects"],
)
async def list_projects(
    session: SessionDep,
    page: PageDep,
    fund_id: uuid.UUID | None = None,
    region: Annotated[str | None, Query(max_length=64)] = None,
    school_id: uuid.UUID | None = None,
    topic: TopicSlug | None = None,  # type: ignore[valid-type]  # TopicSlug is built at run time
    q: Annotated[str | None, Query(max_length=200, description="Part of the title.")] = None,
) -> Page[ProjectPublic]:
    """Approved, reported and completed applications as anyone may see them (no contact, no
    budget lines, no reasons), oldest first; for the regions' public pages."""
    check_region_filter(region)
    apps, next_cursor = await service.list_projects(
        session=session,
        page=page,
        fund_id=fund_id,
        region=region,
        school_id=school_id,
        topic=topic,
        q=q,
    )
    return Page(items=[ProjectPublic.of(a) for a in apps], next_cursor=next_cursor)


@router.post(
    "/applications",
    status_code=201,
    response_model=ApplicationPublic,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Draft an application",
)
async def create_application(
    data: ApplicationCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """A school (for its own school), a partner (for its organisation) or the network office
    starts a draft; it may be incomplete until it is submitted."""

    async def create() -> Created:
        app = await service.create_application(session=session, principal=principal, data=data)
        return Created(
            ApplicationPublic.of(app, None),  # a new draft is on no agenda
            headers={"Location": f"/api/v1/applications/{app.id}", "ETag": etag(app.version)},
        )

    return await run_idempotent(session, runtime.tables, idempotency, data, create)


@router.get(
    "/applications/{application_id}",
    response_model=ApplicationPublic,
    responses=problem_responses(401, 404, 422),
    summary="One application",
)
async def get_application(
    application_id: uuid.UUID,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    response: Response,
) -> ApplicationPublic:
    """An application the caller may see; the ETag is its version. A read by anyone but the
    applying school or partner is audited (`application.read`)."""
    app = await service.get_visible(
        session=session, principal=principal, application_id=application_id
    )
    answer = await _answer(session, app, response)
    await service.record_read(runtime.db, principal, app, "read")
    return answer


@router.patch(
    "/applications/{application_id}",
    response_model=ApplicationPublic,
    responses=TRANSITION_PROBLEMS,
    summary="Change a draft",
)
async def update_application(
    application_id: uuid.UUID,
    changes: ApplicationUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> ApplicationPublic:
    """The applicant side changes a `draft` or `returned` application; honours If-Match."""
    app = await service.update_application(
        session=session,
        principal=principal,
        application_id=application_id,
        changes=changes,
        if_match=if_match,
    )
    return await _answer(session, app, response)


@router.post(
    "/applications/{application_id}/consultation",
    response_model=ApplicationPublic,
    responses=TRANSITION_PROBLEMS,
    summary="Record the advice",
)
async def record_consultation(
    application_id: uuid.UUID,
    body: ConsultationBody,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> ApplicationPublic:
    """The network office records its advice (fachliche Beratung)."""
    app = await service.record_consultation(
        session=session,
        principal=principal,
        application_id=application_id,
        body=body,
        if_match=if_match,
    )
    return await _answer(session, app, response)


@router.post(
    "/applications/{application_id}/submit",
    response_model=ApplicationPublic,
    responses=TRANSITION_PROBLEMS,
    summary="Submit",
)
async def submit(
    application_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> ApplicationPublic:
    """`draft`/`returned` → `submitted`; the problem names each rule that is not met."""
    app = await service.submit(
        session=session, principal=principal, application_id=application_id, if_match=if_match
    )
    return await _answer(session, app, response)


@router.post(
    "/applications/{application_id}/withdraw",
    response_model=ApplicationPublic,
    responses=TRANSITION_PROBLEMS,
    summary="Withdraw",
)
async def withdraw(
    application_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    body: WithdrawBody | None = None,
    if_match: IfMatch = None,
) -> ApplicationPublic:
    """`draft`/`submitted`/`returned` → `withdrawn`."""
    app = await service.withdraw(
        session=session,
        principal=principal,
        application_id=application_id,
        reason=body.reason if body else None,
        if_match=if_match,
    )
    return await _answer(session, app, response)


@router.post(
    "/applications/{application_id}/decision",
    response_model=ApplicationPublic,
    responses=TRANSITION_PROBLEMS,
    summary="Decide (network office)",
)
async def decide(
    application_id: uuid.UUID,
    body: DecisionBody,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> ApplicationPublic:
    """A manual decision: `approved` (with amount and conditions), `rejected` or `returned`.
    The fund's approved total never exceeds its budget, even under concurrent decisions."""
    app = await service.decide_manually(
        session=session,
        principal=principal,
        application_id=application_id,
        body=body,
        if_match=if_match,
        report_due_weeks=runtime.settings.report_due_weeks,  # type: ignore[attr-defined]  # the runtime holds OffersSettings
    )
    return await _answer(session, app, response)


@router.post(
    "/applications/{application_id}/report",
    response_model=ApplicationPublic,
    responses=TRANSITION_PROBLEMS,
    summary="Report",
)
async def report(
    application_id: uuid.UUID,
    body: ReportBody,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> ApplicationPublic:
    """`approved` → `reported`: participants reached, actual cost, a summary. It fills the
    proof of use (`…/proof-of-use`, submitted, without receipts)."""
    app = await service.report(
        session=session,
        principal=principal,
        application_id=application_id,
        body=body,
        if_match=if_match,
    )
    await proof_of_use.record_report(
        session,
        principal,
        app,
        narrative=body.summary,
        participants=body.actual_participants.model_dump(),
        cost_cents=body.actual_cost_cents,
    )
    return await _answer(session, app, response)


@router.post(
    "/applications/{application_id}/close",
    response_model=ApplicationPublic,
    responses=TRANSITION_PROBLEMS,
    summary="Close",
)
async def close(
    application_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    body: CloseBody | None = None,
    if_match: IfMatch = None,
) -> ApplicationPublic:
    """`reported` → `completed` (network office)."""
    app = await service.close(
        session=session,
        principal=principal,
        application_id=application_id,
        reason=body.reason if body else None,
        if_match=if_match,
    )
    return await _answer(session, app, response)


@router.get(
    "/applications/{application_id}/history",
    response_model=History,
    responses=problem_responses(401, 404, 422),
    summary="History",
)
async def history(
    application_id: uuid.UUID, session: SessionDep, runtime: RuntimeDep, principal: CurrentPrincipal
) -> History:
    """Every status change, oldest first: from, to, who, when, why (audited like a read of the
    application: `application.history_read`)."""
    app, changes = await service.history(
        session=session, principal=principal, application_id=application_id
    )
    await service.record_read(runtime.db, principal, app, "history_read")
    return History(items=[HistoryEntry.of(c) for c in changes])


@router.get(
    "/applications/{application_id}/decisions",
    response_model=Decisions,
    responses=problem_responses(401, 404, 422),
    summary="Decisions",
)
async def decisions(
    application_id: uuid.UUID, session: SessionDep, runtime: RuntimeDep, principal: CurrentPrincipal
) -> Decisions:
    """Every decision taken on the application, oldest first — including committee decisions
    that could not be applied, with the rule that failed (audited like a read of the
    application: `application.decisions_read`)."""
    app, taken = await service.decisions(
        session=session, principal=principal, application_id=application_id
    )
    await service.record_read(runtime.db, principal, app, "decisions_read")
    return Decisions(items=[DecisionPublic.of(d) for d in taken])
