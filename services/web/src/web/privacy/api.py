"""Routes of privacy: „Meine Daten“ (``/meine-daten``, its download ``/meine-daten.json``),
erasure requests (``/datenschutz/loeschauftraege``, one request at ``…/{id}``) and the audit log
(``/protokoll``). Thin routes: the API calls and German names are in ``service``."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from web.auth.api import ROLE_LABELS
from web.auth.schemas import User
from web.common import ApiDep, CurrentUser
from web.privacy import service
from web.site.client import ApiError
from web.site.security import CheckedForm
from web.site.templates import render

router = APIRouter(include_in_schema=False)


def privacy_officer(user: CurrentUser) -> User:
    """State coordination and admins; everyone else gets the 403 page."""
    if not user.has_role(*service.PRIVACY_OFFICERS):
        raise HTTPException(403)
    return user


Officer = Annotated[User, Depends(privacy_officer)]


# --------------------------------------------------------------------------- own data


@router.get("/meine-daten")
async def my_data(request: Request, user: CurrentUser, api: ApiDep) -> Response:
    found = await service.own_data(api, user)
    return render(
        request,
        "privacy/my_data.html",
        {
            "title": "Meine Daten",
            "found": found,
            "web": service.session_record(user)["data"]["sessions"][0],
            "unreachable": [item for item in found if not item.reachable],
            "role_labels": ROLE_LABELS,
        },
    )


@router.get("/meine-daten.json")
async def my_data_download(user: CurrentUser, api: ApiDep) -> Response:
    at = datetime.now(UTC)
    found = await service.own_data(api, user)
    body = json.dumps(service.export(user, found, at), ensure_ascii=False, indent=2)
    name = f"meine-daten-{at.date().isoformat()}.json"
    return Response(
        body.encode(),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


# --------------------------------------------------------------------------- erasure requests


async def _erasure_page(
    request: Request,
    api: ApiDep,
    user: User,
    *,
    cursor: str | None = None,
    form: service.ErasureForm | None = None,
    errors: list[dict[str, Any]] | None = None,
    status_code: int = 200,
) -> Response:
    listed = await service.erasure_requests(api, user, cursor)
    return render(
        request,
        "privacy/erasure_list.html",
        {
            "title": "Löschaufträge",
            "requests": listed["items"],
            "cursor": cursor or "",
            "more": f"/datenschutz/loeschauftraege?{urlencode({'cursor': listed['next_cursor']})}"
            if listed["next_cursor"]
            else None,
            "form": form or service.ErasureForm(),
            "errors": errors or [],
        },
        status_code=status_code,
    )


@router.get("/datenschutz/loeschauftraege")
async def erasure_requests(
    request: Request,
    user: Officer,
    api: ApiDep,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    return await _erasure_page(request, api, user, cursor=cursor)


@router.post("/datenschutz/loeschauftraege")
async def check_erasure_request(
    request: Request, form: CheckedForm, user: Officer, api: ApiDep
) -> Response:
    """First step: the fields checked, then the question whether to erase for good."""
    filed = service.ErasureForm.read(form)
    errors = filed.errors()
    if errors:
        return await _erasure_page(request, api, user, form=filed, errors=errors, status_code=422)
    return render(
        request,
        "privacy/erasure_confirm.html",
        {"title": "Löschung bestätigen", "form": filed},
    )


@router.post("/datenschutz/loeschauftraege/bestaetigen")
async def file_erasure_request(
    request: Request, form: CheckedForm, user: Officer, api: ApiDep
) -> Response:
    filed = service.ErasureForm.read(form)
    errors = filed.errors()
    if not errors:
        try:
            created = await service.file_erasure(api, user, filed)
            return RedirectResponse(
                f"/datenschutz/loeschauftraege/{created['id']}?erteilt=1", status_code=303
            )
        except ApiError as exc:
            if exc.status != 422:
                raise
            errors = service.refusal_errors(exc)
    return await _erasure_page(request, api, user, form=filed, errors=errors, status_code=422)


@router.get("/datenschutz/loeschauftraege/{request_id}")
async def erasure_request(
    request: Request, request_id: uuid.UUID, user: Officer, api: ApiDep, erteilt: str = ""
) -> Response:
    item = await service.erasure_request(api, user, str(request_id))
    return render(
        request,
        "privacy/erasure_detail.html",
        {"title": "Löschauftrag", "item": item, "filed": erteilt == "1"},
    )


# --------------------------------------------------------------------------- audit log


@router.get("/protokoll")
async def audit(
    request: Request,
    user: Officer,
    api: ApiDep,
    ressource: Annotated[str, Query(max_length=255)] = "",
    akteur: Annotated[str, Query(max_length=255)] = "",
) -> Response:
    found = await service.audit_log(
        api, user, resource=ressource.strip() or None, actor=akteur.strip() or None
    )
    return render(
        request,
        "privacy/audit.html",
        {
            "title": "Protokoll",
            "log": found,
            "resource": ressource.strip(),
            "actor": akteur.strip(),
            "limit": service.AUDIT_LIMIT,
            "service_names": service.SERVICE_NAMES,
        },
    )
