"""HTTP routes for schools (thin: they call the service functions)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from registry.schools import importer, service
from registry.schools.importer import ImportProblemDetails, ImportReport
from registry.schools.schemas import SchoolCreate, SchoolPublic, SchoolType, SchoolUpdate
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.auth import CurrentPrincipal, Principal, require_roles
from schulerfolg.http.body import allow_body_bytes
from schulerfolg.http.etag import IfMatch, etag, set_etag
from schulerfolg.http.idempotency import Created, IdempotencyDep, run_idempotent
from schulerfolg.http.pagination import Page, PageDep
from schulerfolg.http.problems import FieldError, Problem, Unprocessable, problem_responses

router = APIRouter(prefix="/schools", tags=["schools"])

SchoolId = Annotated[uuid.UUID, Path(alias="id", description="The school's id.")]
Importer = Annotated[Principal, Depends(require_roles("network_office", "state_coordinator"))]


# --------------------------------------------------------------------------- CRUD


@router.get("", response_model=Page[SchoolPublic], summary="Schools, filtered and paged")
async def list_schools(
    session: SessionDep,
    page: PageDep,
    region: Annotated[str | None, Query(max_length=64, description="Region slug.")] = None,
    school_type: Annotated[SchoolType | None, Query()] = None,
    has_school_social_work: Annotated[bool | None, Query()] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="Part of the name or city (Borde finds Börde).",
        ),
    ] = None,
) -> Page[SchoolPublic]:
    """Schools ordered by name; readable by anyone."""
    schools, next_cursor = await service.list_schools(
        session=session,
        page=page,
        region=region,
        school_type=school_type,
        has_school_social_work=has_school_social_work,
        q=q,
    )
    return Page(items=[SchoolPublic.of(s) for s in schools], next_cursor=next_cursor)


@router.post(
    "",
    status_code=201,
    response_model=SchoolPublic,
    responses=problem_responses(401, 403, 409, 422),
    summary="Add a school",
)
async def create_school(
    body: SchoolCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    key: IdempotencyDep,
) -> JSONResponse:
    """For the state coordination and the network office of the school's region."""

    async def create() -> Created:
        school = await service.create_school(session=session, principal=principal, school=body)
        return Created(
            SchoolPublic.of(school).model_dump(mode="json"),
            headers={"Location": f"/api/v1/schools/{school.id}", "ETag": etag(school.version)},
        )

    return await run_idempotent(session, runtime.tables, key, body, create)


@router.get(
    "/{id}",
    response_model=SchoolPublic,
    responses=problem_responses(404, 422),
    summary="One school",
)
async def get_school(school_id: SchoolId, session: SessionDep, response: Response) -> SchoolPublic:
    """A school by id; the ETag is its version."""
    school = await service.get_school(session=session, school_id=school_id)
    set_etag(response, school.version)
    return SchoolPublic.of(school)


@router.patch(
    "/{id}",
    response_model=SchoolPublic,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    summary="Change a school",
)
async def update_school(
    school_id: SchoolId,
    body: SchoolUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> SchoolPublic:
    """Only the fields sent change; moving a school needs rights in both regions."""
    school = await service.update_school(
        session=session, principal=principal, school_id=school_id, changes=body, if_match=if_match
    )
    set_etag(response, school.version)
    return SchoolPublic.of(school)


@router.delete(
    "/{id}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401, 403, 404, 412),
    summary="Remove a school",
)
async def delete_school(
    school_id: SchoolId, session: SessionDep, principal: CurrentPrincipal, if_match: IfMatch = None
) -> Response:
    """Soft delete: the school disappears from the API and its number may be used again."""
    await service.delete_school(
        session=session, principal=principal, school_id=school_id, if_match=if_match
    )
    return Response(status_code=204)


# --------------------------------------------------------------------------- CSV import


class PayloadTooLarge(Problem):
    status, title, slug = 413, "Content too large", "payload-too-large"


class UnsupportedMediaType(Problem):
    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


CSV_TYPES = ("text/csv", "application/csv", "text/plain")
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the file
EXAMPLE_CSV = (
    "school_number;name;school_type;street;postal_code;city;region;has_school_social_work\n"
    "150830001;Grundschule „Am Börde-Park“ Wanzleben-Börde;grundschule;Schulstraße 5;39164;"
    "Wanzleben-Börde;boerde;ja\n"
)
IMPORT_BODY = {
    "required": True,
    "description": (
        "The CSV file: UTF-8 (with or without BOM), `;` or `,` as separator, a header row with "
        "the columns "
        + ", ".join(importer.REQUIRED_COLUMNS)
        + " and optionally "
        + ", ".join(importer.OPTIONAL_COLUMNS)
        + ". `has_school_social_work` is true/false/ja/nein. At most 10 MiB."
    ),
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "The CSV file."}
                },
            }
        },
        "text/csv": {"schema": {"type": "string"}, "example": EXAMPLE_CSV},
    },
}


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The file is larger than {importer.MAX_BYTES // (1024 * 1024)} MiB; split it into "
        "several files."
    )


async def read_csv_upload(request: Request) -> bytes:
    """The uploaded file's bytes: a multipart field ``file`` or a ``text/csv`` body, size-capped."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    multipart = media_type == "multipart/form-data"
    if not multipart and media_type not in CSV_TYPES:
        raise UnsupportedMediaType(
            "Send the CSV file as multipart/form-data (field 'file') or as a text/csv body."
        )
    limit = importer.MAX_BYTES + (MULTIPART_OVERHEAD if multipart else 0)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large()
    if not multipart:
        return bytes(body)

    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": bytes(body), "more_body": False}

    # The body is read (and capped) already; the form parser reads it again from memory.
    async with Request(request.scope, replay).form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Unprocessable(
                "Attach the CSV file as the form field 'file'.",
                errors=[
                    FieldError(
                        field="file", location="body", message="file missing", type="missing"
                    )
                ],
            )
        data = await upload.read()
    if len(data) > importer.MAX_BYTES:
        raise _too_large()
    return data


@router.post(
    "/import",
    response_model=ImportReport,
    openapi_extra={"requestBody": IMPORT_BODY},
    dependencies=[allow_body_bytes(lambda _: importer.MAX_BYTES + MULTIPART_OVERHEAD)],
    responses={
        **problem_responses(400, 401, 403, 409, 413, 415),
        **problem_responses(422, model=ImportProblemDetails),
    },
    summary="Import schools from a CSV file (upsert by school number)",
)
async def import_schools(
    request: Request,
    session: SessionDep,
    principal: Importer,
    partial: Annotated[
        bool,
        Query(description="Write the valid rows even if others are rejected (default: none)."),
    ] = False,
) -> ImportReport:
    """All-or-nothing per file unless ``partial``; a 422 problem carries the report as ``report``."""
    data = await read_csv_upload(request)
    return await importer.import_schools(
        session=session, principal=principal, data=data, partial=partial
    )
