"""HTTP routes for an application's generated documents (thin: they call the service)."""

from __future__ import annotations

import unicodedata
import uuid
from urllib.parse import quote

from fastapi import APIRouter, Response

from offers.applications import service as applications
from offers.documents import service
from offers.documents.schemas import DocumentPublic, Documents
from schulerfolg.app import RuntimeDep, SessionDep
from schulerfolg.auth import CurrentPrincipal
from schulerfolg.http.problems import problem_responses

router = APIRouter(tags=["documents"])

_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback name and the German name as RFC 8187 UTF-8."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_TRANSLITERATION))
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
        for c in decomposed
        if not unicodedata.combining(c)
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


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
    return Documents(items=[DocumentPublic.of(doc, service.filename(doc)) for doc in docs])


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
        doc.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": content_disposition(service.filename(doc)),
            "X-Content-Type-Options": "nosniff",
        },
    )
