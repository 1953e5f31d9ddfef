"""HTTP routes for circular decisions (thin: they call the service)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from meetings.circulars import service
from meetings.circulars.schemas import CircularCreate, CircularPublic, VoteCreate
from meetings.common import ViewerDep
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.http.etag import etag
from schulerfolg.http.idempotency import Created, IdempotencyDep, run_idempotent
from schulerfolg.http.pagination import Page, PageDep
from schulerfolg.http.problems import problem_responses

router = APIRouter(tags=["circulars"])


def _location(circular_id: uuid.UUID) -> str:
    return f"/api/v1/circulars/{circular_id}"


@router.get(
    "/committees/{committee_id}/circulars",
    response_model=Page[CircularPublic],
    responses=problem_responses(400, 401, 403, 404, 422),
    summary="A committee's circular decisions",
)
async def list_circulars(
    committee_id: uuid.UUID, session: SessionDep, viewer: ViewerDep, page: PageDep
) -> Page[CircularPublic]:
    """Oldest first; for the committee's members and organisers."""
    items, next_cursor = await service.list_circulars(
        session=session, viewer=viewer, committee_id=committee_id, page=page
    )
    return Page(items=[CircularPublic.of(c) for c in items], next_cursor=next_cursor)


@router.post(
    "/committees/{committee_id}/circulars",
    status_code=201,
    response_model=CircularPublic,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Start a circular decision",
)
async def start_circular(
    committee_id: uuid.UUID,
    data: CircularCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    viewer: ViewerDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """About an application waiting for the committee (409 otherwise) or a free question; for the
    committee's organisers. The voting members are asked to vote until the deadline."""

    async def create() -> Created:
        circular = await service.start(
            session=session, viewer=viewer, committee_id=committee_id, data=data
        )
        return Created(
            CircularPublic.of(circular),
            headers={"ETag": etag(circular.version), "Location": _location(circular.id)},
        )

    return await run_idempotent(session, runtime.tables, idempotency, data, create)


@router.get(
    "/circulars/{circular_id}",
    response_model=CircularPublic,
    responses=problem_responses(401, 403, 404),
    summary="A circular decision and its record",
)
async def get_circular(
    circular_id: uuid.UUID, session: SessionDep, viewer: ViewerDep
) -> JSONResponse:
    """Who voted how, who is recused, who has not voted; for members and organisers."""
    circular, record, mine = await service.get_record(
        session=session, viewer=viewer, circular_id=circular_id
    )
    body = CircularPublic.of(circular, record, mine)
    return JSONResponse(body.model_dump(mode="json"), headers={"ETag": etag(circular.version)})


@router.post(
    "/circulars/{circular_id}/votes",
    status_code=201,
    response_model=CircularPublic,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Vote on a circular",
)
async def cast_vote(
    circular_id: uuid.UUID,
    data: VoteCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    viewer: ViewerDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """One vote per voting member, final (409 `already-voted`); 409 `member-recused` for a
    recused member, 403 for anyone else. The last vote closes the circular."""

    async def create() -> Created:
        circular = await service.vote(
            session=session, viewer=viewer, circular_id=circular_id, data=data
        )
        return Created(CircularPublic.of(circular), headers={"ETag": etag(circular.version)})

    return await run_idempotent(session, runtime.tables, idempotency, data, create)
