"""Attachment pages: the upload form posts to ``/antraege/{id}/anhaenge`` (the application's
page again, with German errors beside the fields, when offers refuses), a file is downloaded
through ``/antraege/{id}/anhaenge/{aid}/datei``, and ``…/entfernen`` asks before it removes one.
Thin routes: the calls to offers and the German errors are in ``service``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from web.applications.api import application_page
from web.applications.service import application, is_id
from web.attachments import service
from web.common import ApiDep, CurrentUser
from web.site.security import CheckedForm
from web.site.templates import render

router = APIRouter(include_in_schema=False)

# The upload form may be far larger than other forms; offers refuses a file over its own limit
# (OFFERS_ATTACHMENT_MAX_BYTES) with the message shown beside the field.
UPLOAD_FORM_BYTES = 32 * 1024 * 1024
BODY_LIMIT_KEY = "schulerfolg.max_body_bytes"  # the per-route cap schulerfolg's BodyGuard reads


def _raise_body_cap(request: Request) -> None:
    request.scope[BODY_LIMIT_KEY] = UPLOAD_FORM_BYTES


def _checked(*ids: str) -> None:
    if not all(is_id(i) for i in ids):
        raise HTTPException(404)


def _to_application(app_id: str, notice: str) -> RedirectResponse:
    return RedirectResponse(f"/antraege/{app_id}?erfolg={notice}#anlagen", status_code=303)


@router.post("/antraege/{application_id}/anhaenge", dependencies=[Depends(_raise_body_cap)])
async def upload_attachment(
    request: Request, application_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    _checked(application_id)
    kind = str(form.get(service.KIND_FIELD) or "")
    title = str(form.get(service.TITLE_FIELD) or "").strip()
    file = form.get(service.FILE_FIELD)
    errors: list[dict[str, Any]] = []
    if kind not in service.KINDS:
        errors.append({"field": service.KIND_FIELD, "message": service.MESSAGES["kind"]})
    if not title or len(title) > 300:
        errors.append({"field": service.TITLE_FIELD, "message": service.MESSAGES["title"]})
    if not isinstance(file, UploadFile) or not file.filename or not file.size:
        errors.append({"field": service.FILE_FIELD, "message": service.MESSAGES["file"]})
    status = 422
    if not errors and isinstance(file, UploadFile):
        refused = await service.upload(api, user, application_id, kind, title, file)
        if refused is None:
            return _to_application(application_id, "anlage-gespeichert")
        status, errors = refused.status, service.errors_of(refused)
    values = {service.KIND_FIELD: kind, service.TITLE_FIELD: title}
    return await application_page(
        request, api, user, application_id, errors=errors, values=values, status=status
    )


@router.get("/antraege/{application_id}/anhaenge/{attachment_id}/datei")
async def download_attachment(
    application_id: str, attachment_id: str, user: CurrentUser, api: ApiDep
) -> Response:
    _checked(application_id, attachment_id)
    return await service.download(api, user, application_id, attachment_id)


async def _confirm_page(
    request: Request,
    api: ApiDep,
    user: CurrentUser,
    app_id: str,
    attachment_id: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    app, _ = await application(api, user, app_id)
    attachments = await service.listing(api, user, app_id) or []
    chosen = next((a for a in attachments if a["id"] == attachment_id), None)
    if chosen is None:
        raise HTTPException(404)
    return render(
        request,
        "attachments/remove.html",
        {
            "title": f"Anlage entfernen: {chosen['title']}",
            "app": app,
            "attachment": chosen,
            "errors": errors or [],
        },
        status_code=status,
    )


@router.get("/antraege/{application_id}/anhaenge/{attachment_id}/entfernen")
async def confirm_removal(
    request: Request, application_id: str, attachment_id: str, user: CurrentUser, api: ApiDep
) -> Response:
    _checked(application_id, attachment_id)
    return await _confirm_page(request, api, user, application_id, attachment_id)


@router.post("/antraege/{application_id}/anhaenge/{attachment_id}/entfernen")
async def remove_attachment(
    request: Request,
    application_id: str,
    attachment_id: str,
    user: CurrentUser,
    api: ApiDep,
    form: CheckedForm,
) -> Response:
    _checked(application_id, attachment_id)
    refused = await service.remove(api, user, application_id, attachment_id)
    if refused is None:
        return _to_application(application_id, "anlage-entfernt")
    return await _confirm_page(
        request,
        api,
        user,
        application_id,
        attachment_id,
        errors=service.errors_of(refused),
        status=refused.status,
    )
