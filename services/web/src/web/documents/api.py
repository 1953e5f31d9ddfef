"""Document downloads: ``/antraege/{id}/dokumente/{doc}`` relays the PDF offers issued on the
decision (grant notice, rejection letter) with its German file name. The list is part of the
application's page (``templates/documents/_section.html``)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from web.applications.service import is_id
from web.common import ApiDep, CurrentUser
from web.documents import service

router = APIRouter(include_in_schema=False)


@router.get("/antraege/{application_id}/dokumente/{document_id}")
async def download_document(
    application_id: str, document_id: str, user: CurrentUser, api: ApiDep
) -> Response:
    if not (is_id(application_id) and is_id(document_id)):
        raise HTTPException(404)
    return await service.download(api, user, application_id, document_id)
