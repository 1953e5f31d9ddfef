"""HTTP routes for persons (thin: they call the service functions)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from registry.config import settings_of
from registry.persons import service
from registry.persons.schemas import (
    CONTACT_LIST_HEADER,
    ContactList,
    PersonCreate,
    PersonFunction,
    PersonPublic,
    PersonUpdate,
    contact_row,
)
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.auth import CurrentPrincipal, OptionalPrincipal
from schulerfolg.http.csv import csv_response, wants_csv
from schulerfolg.http.etag import IfMatch, etag, set_etag
from schulerfolg.http.idempotency import Created, IdempotencyDep, run_idempotent
from schulerfolg.http.pagination import Page, PageDep
from schulerfolg.http.problems import problem_responses

router = APIRouter(tags=["persons"])

Slug = Annotated[
    str, Path(max_length=64, pattern=r"^[a-z0-9-]+$", description="Region slug, e.g. boerde.")
]


def _location(person_id: uuid.UUID) -> str:
    return f"/api/v1/persons/{person_id}"


@router.get(
    "/persons",
    response_model=Page[PersonPublic],
    responses=problem_responses(400, 401, 422),
    summary="Contact persons and staff",
)
async def list_persons(
    session: SessionDep,
    runtime: RuntimeDep,
    principal: OptionalPrincipal,
    page: PageDep,
    region: Annotated[
        str | None, Query(max_length=64, description="Region slug, or `state`.")
    ] = None,
    function: Annotated[PersonFunction | None, Query()] = None,
    organization_id: Annotated[uuid.UUID | None, Query()] = None,
    school_id: Annotated[uuid.UUID | None, Query()] = None,
    public: Annotated[bool | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name.")] = None,
) -> Page[PersonPublic]:
    """Public persons for everyone; a network office also sees all of its regions' persons,
    the state coordination everyone."""
    persons, next_cursor = await service.list_persons(
        session=session,
        principal=principal,
        page=page,
        region=region,
        function=function,
        organization_id=organization_id,
        school_id=school_id,
        public=public,
        q=q,
    )
    await service.audit_listing(runtime.db, principal, persons, region=region)
    return Page(
        items=[PersonPublic.of(p, show_user_sub=service.may_manage(principal, p)) for p in persons],
        next_cursor=next_cursor,
    )


@router.post(
    "/persons",
    status_code=201,
    response_model=PersonPublic,
    responses=problem_responses(401, 403, 409, 422),
    summary="Add a person",
)
async def create_person(
    data: PersonCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """For the state coordination and the network office of the person's region."""

    async def create() -> Created:
        person = await service.create_person(session=session, principal=principal, data=data)
        return Created(
            PersonPublic.of(person, show_user_sub=True),
            headers={"Location": _location(person.id), "ETag": etag(person.version)},
        )

    return await run_idempotent(session, runtime.tables, idempotency, data, create)


@router.get(
    "/persons/{person_id}",
    response_model=PersonPublic,
    responses=problem_responses(401, 404, 410, 422),
    summary="One person",
)
async def get_person(
    person_id: uuid.UUID,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: OptionalPrincipal,
    response: Response,
) -> PersonPublic:
    """A public person for anyone, any other for those who manage its region (an audited
    read); 410 if erased."""
    person = await service.get_person(session=session, principal=principal, person_id=person_id)
    await service.audit_read(runtime.db, principal, person)
    set_etag(response, person.version)
    return PersonPublic.of(person, show_user_sub=service.may_manage(principal, person))


@router.patch(
    "/persons/{person_id}",
    response_model=PersonPublic,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    summary="Change a person",
)
async def update_person(
    person_id: uuid.UUID,
    changes: PersonUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> PersonPublic:
    """Change the fields sent; honours If-Match (412 when stale); 409 once erased."""
    person = await service.update_person(
        session=session,
        principal=principal,
        person_id=person_id,
        changes=changes,
        if_match=if_match,
    )
    set_etag(response, person.version)
    return PersonPublic.of(person, show_user_sub=True)


@router.delete(
    "/persons/{person_id}",
    status_code=204,
    responses=problem_responses(401, 403, 404, 412),
    summary="Erase a person's personal data (GDPR)",
)
async def erase_person(
    person_id: uuid.UUID,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    if_match: IfMatch = None,
) -> Response:
    """Leaves an anonymous tombstone and tells the other services; a person with an e-mail
    address also gets an erasure request for it, so every service erases what it holds for the
    address. Repeating it is harmless."""
    await service.erase_person(
        session=session,
        principal=principal,
        person_id=person_id,
        erasure_services=settings_of(runtime).erasure_services,
        if_match=if_match,
    )
    return Response(status_code=204)


@router.get(
    "/regions/{slug}/contact-list",
    response_model=ContactList,
    responses={
        200: {"content": {"text/csv": {}}},
        **problem_responses(404, 422),
    },
    summary="The regional contact list (JSON or CSV)",
)
async def contact_list(slug: Slug, session: SessionDep, request: Request) -> ContactList | Response:
    """The region's public contact persons by function and name; CSV with ``Accept: text/csv``."""
    entries = await service.contact_list(session=session, slug=slug)
    if wants_csv(request):
        return csv_response(
            CONTACT_LIST_HEADER,
            (contact_row(entry) for entry in entries),
            filename=f"kontaktliste-{slug}.csv",
        )
    return ContactList(items=entries)
