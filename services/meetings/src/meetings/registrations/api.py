"""HTTP routes for registrations (thin: they call the service functions)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from meetings.common import ViewerDep
from meetings.registrations import service
from meetings.registrations.schemas import (
    AttendanceChange,
    RegistrationCreate,
    RegistrationPublic,
    RegistrationStatus,
)
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.http.etag import IfMatch, etag
from schulerfolg.http.idempotency import Created, IdempotencyDep, run_idempotent
from schulerfolg.http.pagination import Page, PageDep
from schulerfolg.http.problems import problem_responses
from schulerfolg.privacy.audit import record_read, resource_of

router = APIRouter(prefix="/meetings/{meeting_id}/registrations", tags=["registrations"])


@router.post(
    "",
    status_code=201,
    response_model=RegistrationPublic,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Register for a meeting",
)
async def register(
    meeting_id: uuid.UUID,
    data: RegistrationCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    viewer: ViewerDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """Anyone for a public meeting; otherwise who may see it. `confirmed` or `waitlisted`."""

    async def create() -> Created:
        registration, position = await service.register(
            session=session, viewer=viewer, meeting_id=meeting_id, data=data
        )
        return Created(
            RegistrationPublic.of(registration, position),
            headers={
                "Location": f"/api/v1/meetings/{meeting_id}/registrations/{registration.id}",
                "ETag": etag(registration.version),
            },
        )

    return await run_idempotent(session, runtime.tables, idempotency, data, create)


@router.get(
    "",
    response_model=Page[RegistrationPublic],
    responses=problem_responses(400, 401, 403, 404, 422),
    summary="A meeting's registrations",
)
async def list_registrations(
    meeting_id: uuid.UUID,
    session: SessionDep,
    runtime: RuntimeDep,
    viewer: ViewerDep,
    page: PageDep,
    status: Annotated[RegistrationStatus | None, Query()] = None,
) -> Page[RegistrationPublic]:
    """In arrival order; for the meeting's organisers. Each read is audited
    (`registrations.read`, resource `meetings/<id>`)."""
    rows, next_cursor = await service.list_registrations(
        session=session, viewer=viewer, meeting_id=meeting_id, page=page, status=status
    )
    await record_read(
        runtime.db,
        runtime.audit,
        actor=viewer.principal,
        action="registrations.read",
        resource=resource_of("meetings", meeting_id),
    )
    return Page(items=[RegistrationPublic.of(r, p) for r, p in rows], next_cursor=next_cursor)


@router.delete(
    "/{registration_id}",
    status_code=204,
    responses=problem_responses(401, 403, 404, 412, 422),
    summary="Cancel a registration",
)
async def cancel_registration(
    meeting_id: uuid.UUID,
    registration_id: uuid.UUID,
    session: SessionDep,
    viewer: ViewerDep,
    if_match: IfMatch = None,
) -> Response:
    """The first on the waiting list moves up into a freed place. Cancelling twice changes nothing."""
    await service.cancel_registration(
        session=session,
        viewer=viewer,
        meeting_id=meeting_id,
        registration_id=registration_id,
        if_match=if_match,
    )
    return Response(status_code=204)


@router.post(
    "/{registration_id}/attended",
    response_model=RegistrationPublic,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    summary="Mark a registrant present (or not)",
)
async def set_attended(
    meeting_id: uuid.UUID,
    registration_id: uuid.UUID,
    data: AttendanceChange,
    response: Response,
    session: SessionDep,
    viewer: ViewerDep,
    if_match: IfMatch = None,
) -> RegistrationPublic:
    """For the meeting's organisers, once it has begun: body ``{"attended": true}`` marks a
    confirmed registrant present, ``{"attended": false}`` undoes it (setting the same state again
    changes nothing). Counts in the meeting's attendance (``present``); marking present announces
    ``meetings.registration.attended``. 409 before the start, for a cancelled meeting and for a
    registration that is not confirmed."""
    registration, position = await service.set_attended(
        session=session,
        viewer=viewer,
        meeting_id=meeting_id,
        registration_id=registration_id,
        attended=data.attended,
        if_match=if_match,
    )
    response.headers["ETag"] = etag(registration.version)
    return RegistrationPublic.of(registration, position)


@router.get(
    "/{registration_id}/certificate",
    response_class=Response,
    responses={
        **problem_responses(401, 403, 404, 409, 422),
        200: {"content": {"application/pdf": {}}, "description": "The certificate (PDF)."},
    },
    summary="A registrant's participation certificate (PDF)",
)
async def certificate(
    meeting_id: uuid.UUID,
    registration_id: uuid.UUID,
    session: SessionDep,
    viewer: ViewerDep,
) -> Response:
    """The German „Teilnahmebescheinigung“ of a registrant marked present at a training,
    conference or expert exchange, rendered on request (nothing is stored). For the organisers,
    the signed-in registrant, and for a registration made without a token whoever holds its id
    (the link in the registrant's e-mail). 409 when not present, for other kinds of meeting and
    for an anonymised registration."""
    _, document = await service.certificate(
        session=session, viewer=viewer, meeting_id=meeting_id, registration_id=registration_id
    )
    return Response(
        content=document,
        media_type="application/pdf",
        headers={
            "Content-Disposition": 'inline; filename="teilnahmebescheinigung.pdf"',
            "Cache-Control": "private, no-store",
        },
    )
