"""HTTP routes for committees and members (thin: they call the service functions)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from meetings.committees import service
from meetings.committees.schemas import (
    CommitteeCreate,
    CommitteeKind,
    CommitteePublic,
    CommitteeUpdate,
    MemberCreate,
    MemberPublic,
)
from meetings.common import ViewerDep
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.http.etag import IfMatch, etag, set_etag
from schulerfolg.http.idempotency import Created, IdempotencyDep, run_idempotent
from schulerfolg.http.pagination import Page, PageDep
from schulerfolg.http.problems import problem_responses

router = APIRouter(prefix="/committees", tags=["committees"])


def _location(committee_id: uuid.UUID) -> str:
    return f"/api/v1/committees/{committee_id}"


@router.get(
    "",
    response_model=Page[CommitteePublic],
    responses=problem_responses(400, 401, 422),
    summary="Committees",
)
async def list_committees(
    session: SessionDep,
    viewer: ViewerDep,
    page: PageDep,
    region: Annotated[
        str | None, Query(max_length=64, description="Region slug, or `state`.")
    ] = None,
    kind: Annotated[CommitteeKind | None, Query()] = None,
) -> Page[CommitteePublic]:
    """The committees the caller reads: of their regions, or those they sit in."""
    committees, next_cursor = await service.list_committees(
        session=session, viewer=viewer, page=page, region=region, kind=kind
    )
    counts = await service.voting_counts(session=session, committees=committees)
    return Page(
        items=[CommitteePublic.of(c, counts.get(c.id, 0)) for c in committees],
        next_cursor=next_cursor,
    )


@router.post(
    "",
    status_code=201,
    response_model=CommitteePublic,
    responses=problem_responses(401, 403, 409, 422),
    summary="Set up a committee",
)
async def create_committee(
    data: CommitteeCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    viewer: ViewerDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """For the state coordination and the network office of the committee's region."""

    async def create() -> Created:
        committee = await service.create_committee(session=session, viewer=viewer, data=data)
        return Created(
            CommitteePublic.of(committee, 0),
            headers={"Location": _location(committee.id), "ETag": etag(committee.version)},
        )

    return await run_idempotent(session, runtime.tables, idempotency, data, create)


@router.get(
    "/{committee_id}",
    response_model=CommitteePublic,
    responses=problem_responses(401, 403, 404, 422),
    summary="One committee",
)
async def get_committee(
    committee_id: uuid.UUID, session: SessionDep, viewer: ViewerDep, response: Response
) -> CommitteePublic:
    """A committee by id; the ETag is its version."""
    committee = await service.get_committee(
        session=session, viewer=viewer, committee_id=committee_id
    )
    counts = await service.voting_counts(session=session, committees=[committee])
    set_etag(response, committee.version)
    return CommitteePublic.of(committee, counts.get(committee.id, 0))


@router.patch(
    "/{committee_id}",
    response_model=CommitteePublic,
    responses=problem_responses(401, 403, 404, 412, 422),
    summary="Change a committee",
)
async def update_committee(
    committee_id: uuid.UUID,
    changes: CommitteeUpdate,
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
    if_match: IfMatch = None,
) -> CommitteePublic:
    """Change the fields sent; honours If-Match (412 when stale)."""
    committee = await service.update_committee(
        session=session,
        viewer=viewer,
        committee_id=committee_id,
        changes=changes,
        if_match=if_match,
    )
    counts = await service.voting_counts(session=session, committees=[committee])
    set_etag(response, committee.version)
    return CommitteePublic.of(committee, counts.get(committee.id, 0))


@router.get(
    "/{committee_id}/members",
    response_model=Page[MemberPublic],
    responses=problem_responses(400, 401, 403, 404, 422),
    summary="Members of a committee",
)
async def list_members(
    committee_id: uuid.UUID, session: SessionDep, viewer: ViewerDep, page: PageDep
) -> Page[MemberPublic]:
    """Members in the order they joined, with names from the registry."""
    members, next_cursor = await service.list_members(
        session=session, viewer=viewer, committee_id=committee_id, page=page
    )
    return Page(items=[MemberPublic.of(m, p) for m, p in members], next_cursor=next_cursor)


@router.post(
    "/{committee_id}/members",
    status_code=201,
    response_model=MemberPublic,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Seat a person in a committee",
)
async def add_member(
    committee_id: uuid.UUID,
    data: MemberCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    viewer: ViewerDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """201 for a new member; 200 when the person already sits there (role and vote updated)."""

    async def create() -> Created:
        member, person, created = await service.add_member(
            session=session, viewer=viewer, committee_id=committee_id, data=data
        )
        return Created(MemberPublic.of(member, person), status_code=201 if created else 200)

    return await run_idempotent(session, runtime.tables, idempotency, data, create)


@router.delete(
    "/{committee_id}/members/{person_id}",
    status_code=204,
    responses=problem_responses(401, 403, 404, 422),
    summary="Remove a member",
)
async def remove_member(
    committee_id: uuid.UUID, person_id: uuid.UUID, session: SessionDep, viewer: ViewerDep
) -> Response:
    """The person leaves the committee."""
    await service.remove_member(
        session=session, viewer=viewer, committee_id=committee_id, person_id=person_id
    )
    return Response(status_code=204)
