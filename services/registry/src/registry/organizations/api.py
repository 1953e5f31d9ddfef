"""HTTP routes for organizations (thin: they call the service functions)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from registry.organizations import service
from registry.organizations.schemas import (
    OrganizationCreate,
    OrganizationKind,
    OrganizationPublic,
    OrganizationUpdate,
)
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.auth import CurrentPrincipal
from schulerfolg.http.etag import IfMatch, etag, set_etag
from schulerfolg.http.idempotency import Created, IdempotencyDep, run_idempotent
from schulerfolg.http.pagination import Page, PageDep
from schulerfolg.http.problems import problem_responses

router = APIRouter(prefix="/organizations", tags=["organizations"])

RegionQuery = Annotated[
    str | None,
    Query(max_length=64, description="Region slug, or `state` for state-level organisations."),
]
SearchQuery = Annotated[
    str | None,
    Query(max_length=200, description="Part of the name or city; ignores case and umlauts."),
]


def _location(organization_id: uuid.UUID) -> str:
    return f"/api/v1/organizations/{organization_id}"


@router.get(
    "",
    response_model=Page[OrganizationPublic],
    responses=problem_responses(400, 422),
    summary="Organisations",
)
async def list_organizations(
    session: SessionDep,
    page: PageDep,
    region: RegionQuery = None,
    kind: Annotated[OrganizationKind | None, Query()] = None,
    q: SearchQuery = None,
) -> Page[OrganizationPublic]:
    """Live organisations by name; readable by anyone."""
    organizations, next_cursor = await service.list_organizations(
        session=session, page=page, region=region, kind=kind, q=q
    )
    return Page(items=[OrganizationPublic.of(o) for o in organizations], next_cursor=next_cursor)


@router.post(
    "",
    status_code=201,
    response_model=OrganizationPublic,
    responses=problem_responses(401, 403, 409, 422),
    summary="Add an organisation",
)
async def create_organization(
    data: OrganizationCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """For the state coordination and the network office of the organisation's region."""

    async def create() -> Created:
        organization = await service.create_organization(
            session=session, principal=principal, data=data
        )
        return Created(
            OrganizationPublic.of(organization),
            headers={"Location": _location(organization.id), "ETag": etag(organization.version)},
        )

    return await run_idempotent(session, runtime.tables, idempotency, data, create)


@router.get(
    "/{organization_id}",
    response_model=OrganizationPublic,
    responses=problem_responses(404, 422),
    summary="One organisation",
)
async def get_organization(
    organization_id: uuid.UUID, session: SessionDep, response: Response
) -> OrganizationPublic:
    """An organisation by id; the ETag is its version."""
    organization = await service.get_organization(session=session, organization_id=organization_id)
    set_etag(response, organization.version)
    return OrganizationPublic.of(organization)


@router.patch(
    "/{organization_id}",
    response_model=OrganizationPublic,
    responses=problem_responses(401, 403, 404, 412, 422),
    summary="Change an organisation",
)
async def update_organization(
    organization_id: uuid.UUID,
    changes: OrganizationUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> OrganizationPublic:
    """Change the fields sent; honours If-Match (412 when stale)."""
    organization = await service.update_organization(
        session=session,
        principal=principal,
        organization_id=organization_id,
        changes=changes,
        if_match=if_match,
    )
    set_etag(response, organization.version)
    return OrganizationPublic.of(organization)


@router.delete(
    "/{organization_id}",
    status_code=204,
    responses=problem_responses(401, 403, 404, 409, 412),
    summary="Delete an organisation",
)
async def delete_organization(
    organization_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
) -> Response:
    """Refused (409, rule organization-in-use) while schools, persons or offices name it."""
    await service.delete_organization(
        session=session, principal=principal, organization_id=organization_id, if_match=if_match
    )
    return Response(status_code=204)
