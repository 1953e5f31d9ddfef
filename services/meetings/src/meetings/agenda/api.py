"""HTTP routes for agendas, pending applications and decisions (thin: they call the service)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from meetings.agenda import service
from meetings.agenda.schemas import (
    AgendaItemCreate,
    AgendaItemPublic,
    DecisionCreate,
    DecisionPublic,
)
from meetings.common import ViewerDep
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.http.etag import etag
from schulerfolg.http.idempotency import Created, IdempotencyDep, run_idempotent
from schulerfolg.http.pagination import Page, PageDep
from schulerfolg.http.problems import problem_responses

router = APIRouter(tags=["agenda"])


@router.get(
    "/meetings/{meeting_id}/agenda",
    response_model=Page[AgendaItemPublic],
    responses=problem_responses(400, 401, 403, 404, 422),
    summary="A meeting's agenda",
)
async def list_agenda(
    meeting_id: uuid.UUID, session: SessionDep, viewer: ViewerDep, page: PageDep
) -> Page[AgendaItemPublic]:
    """Items in order with their decisions; for organisers and the committee's members."""
    items, next_cursor = await service.list_agenda(
        session=session, viewer=viewer, meeting_id=meeting_id, page=page
    )
    return Page(items=[AgendaItemPublic.of(i, d, a) for i, d, a in items], next_cursor=next_cursor)


@router.post(
    "/meetings/{meeting_id}/agenda",
    status_code=201,
    response_model=AgendaItemPublic,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Add an agenda item",
)
async def add_item(
    meeting_id: uuid.UUID,
    data: AgendaItemCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    viewer: ViewerDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """At the end of the agenda; for the meeting's organisers."""

    async def create() -> Created:
        item = await service.add_item(
            session=session, viewer=viewer, meeting_id=meeting_id, data=data
        )
        return Created(AgendaItemPublic.of(item), headers={"ETag": etag(item.version)})

    return await run_idempotent(session, runtime.tables, idempotency, data, create)


@router.post(
    "/meetings/{meeting_id}/agenda/{item_id}/decision",
    status_code=201,
    response_model=DecisionPublic,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Record a decision",
)
async def record_decision(
    meeting_id: uuid.UUID,
    item_id: uuid.UUID,
    data: DecisionCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    viewer: ViewerDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """409 without quorum, for a recused member's ballot, and for an item already decided."""

    async def create() -> Created:
        decision = await service.record_decision(
            session=session, viewer=viewer, meeting_id=meeting_id, item_id=item_id, data=data
        )
        return Created(DecisionPublic.of(decision), headers={"ETag": etag(decision.version)})

    return await run_idempotent(session, runtime.tables, idempotency, data, create)


@router.get(
    "/committees/{committee_id}/pending",
    response_model=Page[AgendaItemPublic],
    responses=problem_responses(400, 401, 403, 404, 422),
    summary="Applications waiting for the committee's next session",
)
async def list_pending(
    committee_id: uuid.UUID, session: SessionDep, viewer: ViewerDep, page: PageDep
) -> Page[AgendaItemPublic]:
    """They join the next session created for the committee, oldest first."""
    items, next_cursor = await service.list_pending(
        session=session, viewer=viewer, committee_id=committee_id, page=page
    )
    return Page(items=[AgendaItemPublic.of(i) for i in items], next_cursor=next_cursor)
