"""HTTP routes for materials (thin: they call the service functions).

An upload is ``multipart/form-data``, read here straight from the request stream instead of with
FastAPI's ``File()``/``Form()``: those spool the whole body before the route runs, so any size
would land on disk before the limit could refuse it. Here the ``file`` part goes chunk by chunk
into a temporary file of the storage and the upload is refused (413) the moment it is too large.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from pydantic import ValidationError
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect

from registry.config import DEFAULT_MATERIAL_TYPES, settings_of
from registry.materials import service
from registry.materials.schemas import (
    MaterialForm,
    MaterialPublic,
    MaterialUpdate,
    MaterialUpload,
    SearchQuery,
    field_errors,
    material_path,
)
from schulerfolg.app import Runtime, RuntimeDep, SessionDep
from schulerfolg.auth import CurrentPrincipal
from schulerfolg.http.body import allow_body_bytes
from schulerfolg.http.etag import IfMatch, etag, set_etag
from schulerfolg.http.idempotency import Created, IdempotencyDep, run_idempotent
from schulerfolg.http.pagination import Page, PageDep
from schulerfolg.http.problems import BadRequest, FieldError, Unprocessable, problem_responses
from schulerfolg.storage import FileStorage, IncomingFile, ReceivedFile, content_disposition

router = APIRouter(tags=["materials"])

MaterialId = Annotated[uuid.UUID, Path(alias="id", description="The material's id.")]

FILE_FIELD = "file"
TEXT_FIELDS = frozenset(MaterialForm.model_fields)
MAX_FIELD_BYTES = 64 * 1024  # a text field (the description is at most 4000 characters)
FORM_OVERHEAD_BYTES = 256 * 1024  # text fields, part headers and boundaries around the file
NOT_MULTIPART = (
    "Send the material as multipart/form-data with the fields title, description (optional), "
    "region (empty for state-wide) and file."
)

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["title", "file"],
                    "properties": {
                        "title": {"type": "string", "minLength": 1, "maxLength": 300},
                        "description": {"type": "string", "maxLength": 4000},
                        "region": {
                            "type": "string",
                            "description": "Region slug; empty or 'state' for state-wide "
                            "(state coordination only).",
                        },
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "The file, with its media type on the part; "
                            "by default one of: " + ", ".join(DEFAULT_MATERIAL_TYPES) + ". "
                            "Its content must match that type; the size is limited "
                            "(REGISTRY_MATERIALS_MAX_BYTES, 20 MB by default).",
                        },
                    },
                }
            }
        },
    }
}


def _allowed_types(runtime: Runtime) -> list[str]:
    return [media_type.lower() for media_type in settings_of(runtime).materials_allowed_types]


def get_storage(runtime: RuntimeDep) -> FileStorage:
    """The material file storage configured for this service (FastAPI dependency)."""
    settings = settings_of(runtime)
    return FileStorage(
        settings.materials_dir,
        max_bytes=settings.materials_max_bytes,
        too_large=service.MaterialTooLarge,
    )


StorageDep = Annotated[FileStorage, Depends(get_storage)]


def _malformed(reason: str) -> Unprocessable:
    return Unprocessable(
        f"The body is not valid multipart/form-data: {reason}.",
        errors=[FieldError(field="body", location="body", message=reason, type="multipart")],
    )


def _field_problem(field: str, message: str, kind: str) -> Unprocessable:
    return Unprocessable(
        f"The request has invalid fields: {field}.",
        errors=[FieldError(field=field, location="body", message=message, type=kind)],
    )


def _text(raw: bytes) -> str:
    """A part header parameter: UTF-8 as browsers send it, else Latin-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class _UploadReader:
    """Reads one upload from the request stream: the text fields into memory (bounded), the
    ``file`` part chunk by chunk into a temporary file of the storage."""

    def __init__(self, storage: FileStorage, allowed_types: Sequence[str]) -> None:
        self.storage = storage
        self.allowed_types = allowed_types
        self.fields: dict[str, str] = {}
        self.incoming: IncomingFile | None = None
        self.file_seen = False
        self.file_name: str | None = None
        self.file_type = ""
        self.file_bytes = 0
        self.finished = False
        self._pending: list[bytes] = []
        self._part_is_file = False
        self._part_name = ""
        self._part_data = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._header_name = bytearray()
        self._header_value = bytearray()

    async def read(self, request: Request) -> MaterialUpload:
        """The validated upload; its file is complete in a temporary file."""
        media_type, params = parse_options_header(request.headers.get("content-type"))
        if media_type != b"multipart/form-data":
            return self._upload(None, detail=NOT_MULTIPART)
        boundary = params.get(b"boundary")
        if not boundary:
            raise _malformed("the Content-Type names no boundary")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.storage.max_bytes + FORM_OVERHEAD_BYTES:
            raise service.MaterialTooLarge(self.storage.max_bytes)
        try:
            parser = MultipartParser(boundary, self._callbacks())
            async for chunk in request.stream():
                parser.write(chunk)
                await self._write_pending()
                if self.finished:
                    break  # anything after the closing boundary is an epilogue nobody reads
        except FormParserError as exc:
            raise _malformed("the parts or their headers are broken") from exc
        except ClientDisconnect as exc:
            raise BadRequest("The upload was interrupted before it was complete.") from exc
        if not self.finished:
            raise _malformed("the body ends before the closing boundary (incomplete upload)")
        received = None
        if self.incoming is not None:
            received = await anyio.to_thread.run_sync(self.incoming.finish)
        return self._upload(received)

    def discard(self) -> None:
        """Remove the temporary file (nothing left to do once it has been stored)."""
        if self.incoming is not None:
            self.incoming.discard()

    def _upload(
        self, received: ReceivedFile | None, *, detail: str | None = None
    ) -> MaterialUpload:
        errors: list[FieldError] = []
        form = None
        try:
            form = MaterialForm.model_validate(self.fields)
        except ValidationError as exc:
            errors += field_errors(exc)
        if received is None:
            errors.append(
                FieldError(
                    field=FILE_FIELD, location="body", message="Field required", type="missing"
                )
            )
        elif received.size_bytes == 0:
            errors.append(
                FieldError(
                    field=FILE_FIELD,
                    location="body",
                    message="the file is empty",
                    type="file_empty",
                )
            )
        if form is None or received is None or errors:
            names = ", ".join(sorted({error.field for error in errors}))
            raise Unprocessable(
                detail or f"The request has invalid fields: {names}.", errors=errors
            )
        return MaterialUpload(
            form=form,
            file=received,
            filename=service.stored_filename(self.file_name, self.file_type),
            content_type=self.file_type,
        )

    async def _write_pending(self) -> None:
        if self.file_seen and self.incoming is None:
            self.incoming = await anyio.to_thread.run_sync(self.storage.incoming)
        if self._pending and self.incoming is not None:
            data = b"".join(self._pending)
            self._pending.clear()
            await anyio.to_thread.run_sync(self.incoming.write, data)

    # The parser's callbacks: they run inside ``parser.write`` and only touch memory.

    def _callbacks(self) -> Any:
        return {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_end": self._on_end,
        }

    def _on_part_begin(self) -> None:
        self._headers = {}
        self._part_data = bytearray()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._headers[bytes(self._header_name).lower()] = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        disposition, options = parse_options_header(self._headers.get(b"content-disposition"))
        if disposition != b"form-data" or b"name" not in options:
            raise _malformed("a part lacks 'Content-Disposition: form-data; name=…'")
        name = _text(options[b"name"])
        seen = self.file_seen if name == FILE_FIELD else name in self.fields
        if seen:
            raise _field_problem(name[:64], "sent more than once", "duplicate")
        if name == FILE_FIELD:
            self.file_seen = self._part_is_file = True
            self.file_name = _text(options[b"filename"]) if b"filename" in options else None
            content_type, _ = parse_options_header(self._headers.get(b"content-type"))
            self.file_type = content_type.decode("latin-1")
            # Refused before a byte of it is stored.
            service.ensure_accepted_type(self.file_type, self.allowed_types)
        elif name in TEXT_FIELDS:
            self._part_is_file = False
        else:
            raise _field_problem(
                name[:64], "unknown field; send title, description, region and file", "unknown"
            )
        self._part_name = name

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part_is_file:
            self.file_bytes += end - start
            if self.file_bytes > self.storage.max_bytes:
                raise service.MaterialTooLarge(self.storage.max_bytes)
            self._pending.append(data[start:end])
        elif len(self._part_data) + end - start > MAX_FIELD_BYTES:
            raise _field_problem(self._part_name, "far too long", "too_long")
        else:
            self._part_data += data[start:end]

    def _on_part_end(self) -> None:
        if not self._part_is_file:
            try:
                self.fields[self._part_name] = self._part_data.decode("utf-8")
            except UnicodeDecodeError:
                raise _field_problem(self._part_name, "must be UTF-8 text", "encoding") from None
        self._part_name = ""

    def _on_end(self) -> None:
        self.finished = True


async def receive_upload(
    request: Request, principal: CurrentPrincipal, runtime: RuntimeDep
) -> AsyncIterator[MaterialUpload]:
    """The upload in the request body; its temporary file is removed when the request ends."""
    service.ensure_may_upload(principal)  # before a byte of the body is read
    reader = _UploadReader(get_storage(runtime), _allowed_types(runtime))
    try:
        yield await reader.read(request)
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(reader.discard)


UploadDep = Annotated[MaterialUpload, Depends(receive_upload, scope="function")]


@router.post(
    "/materials",
    status_code=201,
    response_model=MaterialPublic,
    responses=problem_responses(401, 403, 409, 413, 415, 422),
    openapi_extra=UPLOAD_BODY,
    # The reader below enforces the file's own limit while it streams; the service-wide body
    # cap must let such an upload through.
    dependencies=[allow_body_bytes(lambda s: s.materials_max_bytes + FORM_OVERHEAD_BYTES)],
    summary="Publish a material (file upload)",
)
async def create_material(
    upload: UploadDep,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """For network offices (own region) and the state coordination (also state-wide)."""

    async def create() -> Created:
        material = await service.create_material(
            session=session,
            principal=principal,
            storage=get_storage(runtime),
            upload=upload,
            allowed_types=_allowed_types(runtime),
        )
        return Created(
            MaterialPublic.of(material),
            headers={"Location": material_path(material.id), "ETag": etag(material.version)},
        )

    return await run_idempotent(session, runtime.tables, idempotency, upload.fingerprint(), create)


@router.get(
    "/materials",
    response_model=Page[MaterialPublic],
    responses=problem_responses(400, 422),
    summary="Materials, by title",
)
async def list_materials(
    session: SessionDep,
    page: PageDep,
    region: Annotated[
        str | None,
        Query(max_length=64, description="Region slug, or `state` for the state-wide ones."),
    ] = None,
    q: Annotated[
        SearchQuery | None,
        Query(max_length=200, description="Search in title and description (umlauts folded)."),
    ] = None,
) -> Page[MaterialPublic]:
    """Every published material; readable by anyone."""
    materials, next_cursor = await service.list_materials(
        session=session, page=page, region=region, q=q
    )
    return Page(items=[MaterialPublic.of(m) for m in materials], next_cursor=next_cursor)


@router.get(
    "/materials/{id}",
    response_model=MaterialPublic,
    responses=problem_responses(404, 422),
    summary="One material",
)
async def get_material(
    material_id: MaterialId, session: SessionDep, response: Response
) -> MaterialPublic:
    """A material by id; the ETag is its version."""
    material = await service.get_material(session=session, material_id=material_id)
    set_etag(response, material.version)
    return MaterialPublic.of(material)


@router.patch(
    "/materials/{id}",
    response_model=MaterialPublic,
    responses=problem_responses(401, 403, 404, 412, 422),
    summary="Change a material's title, description or region",
)
async def update_material(
    material_id: MaterialId,
    update: MaterialUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> MaterialPublic:
    """For whoever may write the material's region (and the new one); honours If-Match."""
    material = await service.update_material(
        session=session,
        principal=principal,
        material_id=material_id,
        update=update,
        if_match=if_match,
    )
    set_etag(response, material.version)
    return MaterialPublic.of(material)


@router.delete(
    "/materials/{id}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401, 403, 404, 412, 422),
    summary="Withdraw a material and remove its file",
)
async def delete_material(
    material_id: MaterialId,
    session: SessionDep,
    principal: CurrentPrincipal,
    storage: StorageDep,
    if_match: IfMatch = None,
) -> Response:
    """For whoever may write the material's region; honours If-Match."""
    await service.delete_material(
        session=session,
        principal=principal,
        storage=storage,
        material_id=material_id,
        if_match=if_match,
    )
    return Response(status_code=204)


@router.get(
    "/materials/{id}/file",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The file, as an attachment.",
            "content": {"application/octet-stream": {}},
        },
        304: {"description": "Not modified (If-None-Match names the file's SHA-256)."},
        **problem_responses(404, 422),
    },
    summary="Download a material's file",
)
async def download_material(
    material_id: MaterialId,
    session: SessionDep,
    storage: StorageDep,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    """The stored file with its type; readable by anyone. The ETag is the file's SHA-256."""
    material, path, stat_result = await service.material_file(
        session=session, storage=storage, material_id=material_id
    )
    tag = f'"{material.sha256}"'
    if if_none_match is not None and _names_tag(if_none_match, tag):
        return Response(status_code=304, headers={"ETag": tag})
    return FileResponse(
        path,
        media_type=material.content_type,
        stat_result=stat_result,
        headers={
            "ETag": tag,
            "Content-Disposition": content_disposition(material.filename),
            # Uploaded content shares the API's origin: never sniffed, never rendered as a page.
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


def _names_tag(header: str, tag: str) -> bool:
    candidates = {candidate.strip().removeprefix("W/") for candidate in header.split(",")}
    return "*" in candidates or tag in candidates
