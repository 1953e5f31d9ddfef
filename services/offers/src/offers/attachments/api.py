"""HTTP routes for attachments (thin: they call the service functions).

An upload is ``multipart/form-data`` (``kind``, ``title``, ``file``). The body is capped at the
file limit plus a little for the form (a larger declared or streamed body is refused with 413
before it is read); the file is then copied into a temporary file of the storage, which refuses
it (413) past ``attachment_max_bytes``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, cast

import anyio
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from starlette.datastructures import UploadFile

from offers.applications import service as applications
from offers.attachments import service
from offers.attachments.schemas import UPLOAD_BODY, AttachmentPublic, Attachments, AttachmentUpload
from offers.config import OffersSettings
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.auth import CurrentPrincipal
from schulerfolg.http.body import allow_body_bytes
from schulerfolg.http.idempotency import Created, IdempotencyDep, run_idempotent
from schulerfolg.http.problems import FieldError, Unprocessable, problem_responses
from schulerfolg.storage import FileStorage, IncomingFile, content_disposition

router = APIRouter(tags=["attachments"])

FORM_OVERHEAD_BYTES = 64 * 1024  # kind, title, part headers and boundaries around the file
CHUNK_BYTES = 256 * 1024


def get_storage(runtime: RuntimeDep) -> FileStorage:
    """The attachments' file storage."""
    return service.storage_of(runtime.settings)


StorageDep = Annotated[FileStorage, Depends(get_storage)]


def _max_body(settings: OffersSettings) -> int:
    return settings.attachment_max_bytes + FORM_OVERHEAD_BYTES


def _copy(source: UploadFile, incoming: IncomingFile) -> None:
    """Copy the spooled upload into the storage's temporary file (blocking)."""
    source.file.seek(0)
    while chunk := source.file.read(CHUNK_BYTES):
        incoming.write(chunk)


async def receive_upload(
    request: Request, principal: CurrentPrincipal, storage: StorageDep
) -> AsyncIterator[AttachmentUpload]:
    """The upload in the request body; its temporary file is removed when the request ends."""
    form = await request.form(max_files=1, max_fields=5)
    incoming: IncomingFile | None = None
    try:
        kind, title, file = form.get("kind"), form.get("title"), form.get("file")
        errors = service.check_form(
            kind if isinstance(kind, str) else None, title if isinstance(title, str) else None
        )
        if not isinstance(file, UploadFile):
            errors.append(
                FieldError(field="file", location="body", message="Field required", type="missing")
            )
        elif file.size == 0:
            errors.append(
                FieldError(
                    field="file", location="body", message="the file is empty", type="file_empty"
                )
            )
        if errors or not isinstance(file, UploadFile):
            names = ", ".join(sorted({e.field for e in errors}))
            raise Unprocessable(f"The upload has invalid fields: {names}.", errors=errors)
        incoming = await anyio.to_thread.run_sync(storage.incoming)
        await anyio.to_thread.run_sync(_copy, file, incoming)
        received = await anyio.to_thread.run_sync(incoming.finish)
        yield AttachmentUpload(
            kind=str(kind), title=str(title).strip(), filename=file.filename, file=received
        )
    finally:
        with anyio.CancelScope(shield=True):
            await form.close()
            if incoming is not None:
                await anyio.to_thread.run_sync(incoming.discard)


UploadDep = Annotated[AttachmentUpload, Depends(receive_upload, scope="function")]


def _path(application_id: uuid.UUID, attachment_id: uuid.UUID) -> str:
    return f"/api/v1/applications/{application_id}/attachments/{attachment_id}"


@router.get(
    "/applications/{application_id}/attachments",
    response_model=Attachments,
    responses=problem_responses(401, 404, 422),
    summary="An application's attachments",
)
async def list_attachments(
    application_id: uuid.UUID,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
) -> Attachments:
    """For whoever may read the application; oldest first."""
    app, attachments = await service.list_attachments(
        session=session, principal=principal, application_id=application_id
    )
    await applications.record_read(runtime.db, principal, app, "attachments_read")
    return Attachments(items=[AttachmentPublic.of(a) for a in attachments])


@router.post(
    "/applications/{application_id}/attachments",
    status_code=201,
    response_model=AttachmentPublic,
    responses=problem_responses(401, 403, 404, 409, 413, 415, 422),
    openapi_extra=UPLOAD_BODY,
    dependencies=[allow_body_bytes(_max_body)],
    summary="Attach a file to an application (multipart upload)",
)
async def add_attachment(
    application_id: uuid.UUID,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    storage: StorageDep,
    idempotency: IdempotencyDep,
    upload: UploadDep,
) -> JSONResponse:
    """For the applying school or partner while `draft` or `returned` (receipts and reports
    for the proof of use also while `approved`); the network office of the region and the state
    coordination always. The type is found from the content."""
    app = await service.application_for_change(
        session=session, principal=principal, application_id=application_id, kind=upload.kind
    )

    async def create() -> Created:
        attachment = await service.add(
            session=session,
            principal=principal,
            app=app,
            storage=storage,
            upload=upload,
            max_count=cast(OffersSettings, runtime.settings).attachments_max_count,
        )
        return Created(
            AttachmentPublic.of(attachment),
            headers={"Location": _path(app.id, attachment.id)},
        )

    return await run_idempotent(session, runtime.tables, idempotency, upload.fingerprint(), create)


@router.get(
    "/applications/{application_id}/attachments/{attachment_id}/file",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The file, as an attachment.",
            "content": {"application/octet-stream": {}},
        },
        **problem_responses(401, 404, 422),
    },
    summary="Download an attachment's file",
)
async def download_attachment(
    application_id: uuid.UUID,
    attachment_id: uuid.UUID,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    storage: StorageDep,
) -> Response:
    """For whoever may read the application; downloads by others than the applicant are
    audited."""
    app, attachment, path, found = await service.attachment_file(
        session=session,
        principal=principal,
        storage=storage,
        application_id=application_id,
        attachment_id=attachment_id,
    )
    await service.record_download(runtime.db, principal, app, attachment)
    return FileResponse(
        path,
        media_type=attachment.content_type,
        stat_result=found,
        headers={
            "Content-Disposition": content_disposition(attachment.filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )


@router.delete(
    "/applications/{application_id}/attachments/{attachment_id}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Remove an attachment and its file",
)
async def delete_attachment(
    application_id: uuid.UUID,
    attachment_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    storage: StorageDep,
) -> Response:
    """For the applying school or partner while `draft` or `returned`; the office always."""
    await service.remove(
        session=session,
        principal=principal,
        storage=storage,
        application_id=application_id,
        attachment_id=attachment_id,
    )
    return Response(status_code=204)
