"""HTTP routes for an application's generated documents (thin: they call the service)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from offers.applications import service as applications
from offers.documents import service
from offers.documents.schemas import DocumentPublic, Documents
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.auth import CurrentPrincipal
from schulerfolg.http.problems import problem_responses
from schulerfolg.storage import content_disposition

router = APIRouter(tags=["documents"])


@router.get(
    "/applications/{application_id}/documents",
    response_model=Documents,
    responses=problem_responses(401, 404, 422),
    summary="Documents of an application",
)
async def list_documents(
    application_id: uuid.UUID, session: SessionDep, runtime: RuntimeDep, principal: CurrentPrincipal
) -> Documents:
    """The grant notice or rejection letter issued on the decision, oldest first; whoever may
    read the application may read them (audited like a read of it: `application.documents_read`)."""
    app, docs = await service.listing(
        session=session, principal=principal, application_id=application_id
    )
    await applications.record_read(runtime.db, principal, app, "documents_read")
    # A document not rendered yet is rendered now: the listing states each PDF's size.
    return Documents(
        items=[
            DocumentPublic.of(doc, service.filename(doc), len(await service.pdf(runtime.db, doc)))
            for doc in docs
        ]
    )


@router.get(
    "/applications/{application_id}/documents/{document_id}",
    response_class=Response,
    responses={
        200: {"description": "The PDF, as an attachment.", "content": {"application/pdf": {}}},
        **problem_responses(401, 404, 422),
    },
    summary="A document's PDF",
)
async def download_document(
    application_id: uuid.UUID,
    document_id: uuid.UUID,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
) -> Response:
    """The PDF with a German file name (audited like a read of the application:
    `application.document_read`)."""
    app, doc = await service.document(
        session=session,
        principal=principal,
        application_id=application_id,
        document_id=document_id,
    )
    await applications.record_read(runtime.db, principal, app, "document_read")
    return Response(
        await service.pdf(runtime.db, doc),
        media_type="application/pdf",
        headers={
            "Content-Disposition": content_disposition(service.filename(doc)),
            "X-Content-Type-Options": "nosniff",
        },
    )
