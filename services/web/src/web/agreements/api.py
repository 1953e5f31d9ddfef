"""„Zielvereinbarungen“ pages for the network offices and the state coordination: the agreements
with their progress in short (``/zielvereinbarungen``), a new one (``/zielvereinbarungen/neu``,
goals added by buttons without JavaScript), the same form to change one
(``/zielvereinbarungen/{id}/bearbeiten``, as of the version shown) and one agreement with each goal's target, actual
figure, share, trend and monthly series, the form for a value entered by hand, closing and the
CSV download (``/zielvereinbarungen/{id}``, ``…/fortschritt.csv``). Thin routes: the API calls
are in ``service``, the forms in ``forms``."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from web.agreements import forms, service
from web.applications.forms import is_id
from web.auth.schemas import User
from web.common import ApiDep, CurrentUser
from web.public.service import download_header
from web.registry.service import region_choices, region_names
from web.site.client import Api, ApiError
from web.site.security import CheckedForm
from web.site.templates import render

router = APIRouter(include_in_schema=False)

NOTICES = {
    "angelegt": "Die Zielvereinbarung ist angelegt.",
    "geaendert": "Die Änderungen sind gespeichert.",
    "erfasst": "Der Wert ist erfasst.",
    "abgeschlossen": "Die Zielvereinbarung ist abgeschlossen.",
}


def _office_only(user: User) -> None:
    if not user.is_office:
        raise HTTPException(403)


def _checked(agreement_id: str) -> None:
    if not is_id(agreement_id):
        raise HTTPException(404)


def _to(agreement_id: str, notice: str) -> RedirectResponse:
    return RedirectResponse(f"/zielvereinbarungen/{agreement_id}?erfolg={notice}", status_code=303)


def csv_download(text: str, filename: str) -> Response:
    """A CSV text as a download that is not cached."""
    headers = {"Content-Disposition": download_header(filename), "Cache-Control": "no-store"}
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/zielvereinbarungen")
async def agreements_page(request: Request, user: CurrentUser, api: ApiDep) -> Response:
    _office_only(user)
    return render(
        request,
        "agreements/list.html",
        {
            "title": "Zielvereinbarungen",
            "agreements": await service.agreements(api, user),
            "regions": await region_names(api),
            "status": forms.STATUS,
            "may_create": bool(await region_choices(api, user)),
        },
    )


async def _form_page(
    request: Request,
    api: Api,
    user: User,
    form: forms.AgreementForm,
    *,
    agreement: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    """The agreement form: a new one, or ``agreement`` to change (its region shown as text)."""
    if agreement is None and not form.values.get("key"):
        form.values["key"] = str(uuid.uuid4())
    return render(
        request,
        "agreements/form.html",
        {
            "title": "Zielvereinbarung bearbeiten" if agreement else "Neue Zielvereinbarung",
            "form": form,
            "agreement": agreement,
            "errors": errors or [],
            "regions": await region_choices(api, user) if agreement is None else [],
            "region_names": await region_names(api),
            "indicators": list(forms.INDICATORS.items()),
        },
        status_code=status,
    )


async def _save(
    request: Request, api: Api, user: User, form: FormData, agreement: dict[str, Any] | None
) -> Response:
    """The form sent: a goal row added or removed, or the agreement created (``agreement``
    None) or changed; refusals beside the fields. Changed meanwhile (412): the current
    agreement in the form, to change again."""
    data = forms.AgreementForm.read(form)
    if agreement is not None:
        data.values["region"] = agreement["region"]  # the region stays
    if data.change_rows(form):
        return await _form_page(request, api, user, data, agreement=agreement)
    if agreement is None:
        region = (await region_names(api)).get(data.values["region"], data.values["region"])
        before = [{"kind": "office", "name": f"Netzwerkstelle {region}"}]
    else:
        before = agreement["parties"]
    body, errors = data.body(before)
    if not errors:
        try:
            if agreement is None:
                saved = str((await service.create(api, user, body, data.values["key"]))["id"])
            else:
                saved = str(agreement["id"])
                await service.update(api, user, saved, body, data.values["version"])
        except ApiError as exc:
            if exc.status not in (403, 409, 412, 422):
                raise
            errors = service.errors_of(exc)
            if agreement is not None and exc.status == 412:
                data = forms.AgreementForm.of(agreement)
                errors = [{"field": None, "message": service.CHANGED}]
        else:
            return _to(saved, "angelegt" if agreement is None else "geaendert")
    return await _form_page(
        request, api, user, data, agreement=agreement, errors=errors, status=422
    )


@router.get("/zielvereinbarungen/neu")
async def new_agreement(request: Request, user: CurrentUser, api: ApiDep) -> Response:
    _office_only(user)
    return await _form_page(request, api, user, forms.AgreementForm({}))


@router.post("/zielvereinbarungen/neu")
async def post_new_agreement(
    request: Request, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    _office_only(user)
    return await _save(request, api, user, form, None)


async def _changeable(
    request: Request, api: Api, user: User, agreement_id: str
) -> tuple[dict[str, Any], Response | None]:
    """The agreement to change, or the page saying it is closed (409)."""
    _office_only(user)
    _checked(agreement_id)
    found = await service.agreement(api, user, agreement_id)
    if found["status"] != "closed":
        return found, None
    errors = [{"field": None, "message": service.UNCHANGEABLE}]
    return found, await _detail_page(request, api, user, agreement_id, errors=errors, status=409)


@router.get("/zielvereinbarungen/{agreement_id}/bearbeiten")
async def edit_agreement(
    request: Request, agreement_id: str, user: CurrentUser, api: ApiDep
) -> Response:
    found, closed = await _changeable(request, api, user, agreement_id)
    form = forms.AgreementForm.of(found)
    return closed or await _form_page(request, api, user, form, agreement=found)


@router.post("/zielvereinbarungen/{agreement_id}/bearbeiten")
async def post_edit_agreement(
    request: Request, agreement_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    found, closed = await _changeable(request, api, user, agreement_id)
    return closed or await _save(request, api, user, form, found)


async def _detail_page(
    request: Request,
    api: Api,
    user: User,
    agreement_id: str,
    *,
    notice: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    found = await service.agreement(api, user, agreement_id)
    return render(
        request,
        "agreements/detail.html",
        {
            "title": found["title"],
            "agreement": found,
            "progress": await service.progress(api, user, agreement_id),
            "regions": await region_names(api),
            "status": forms.STATUS,
            "indicators": forms.INDICATORS,
            "trends": forms.TRENDS,
            "party_kinds": forms.PARTY_KINDS,
            "notice": notice,
            "errors": errors or [],
            "typed": typed or {},
        },
        status_code=status,
    )


@router.get("/zielvereinbarungen/{agreement_id}")
async def agreement_page(
    request: Request, agreement_id: str, user: CurrentUser, api: ApiDep, erfolg: str | None = None
) -> Response:
    _office_only(user)
    _checked(agreement_id)
    return await _detail_page(request, api, user, agreement_id, notice=NOTICES.get(erfolg or ""))


@router.post("/zielvereinbarungen/{agreement_id}/werte")
async def enter_value(
    request: Request, agreement_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    """A value entered by hand for a goal whose indicator is „Von Hand erfasst“."""
    _office_only(user)
    _checked(agreement_id)
    body, errors = forms.manual_value(form)
    if not errors:
        try:
            await service.enter_value(api, user, agreement_id, body)
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            errors = service.value_errors(exc, body["goal_key"])
        else:
            return _to(agreement_id, "erfasst")
    typed = {k: v for k, v in form.items() if isinstance(v, str) and k.startswith("wert-")}
    return await _detail_page(
        request, api, user, agreement_id, errors=errors, typed=typed, status=422
    )


@router.post("/zielvereinbarungen/{agreement_id}/abschliessen")
async def close_agreement(
    request: Request, agreement_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    _office_only(user)
    _checked(agreement_id)
    try:
        await service.close(api, user, agreement_id)
    except ApiError as exc:
        if exc.status != 409:
            raise
        errors = [{"field": None, "message": "Die Zielvereinbarung ist schon abgeschlossen."}]
        return await _detail_page(request, api, user, agreement_id, errors=errors, status=409)
    return _to(agreement_id, "abgeschlossen")


@router.get("/zielvereinbarungen/{agreement_id}/fortschritt.csv")
async def progress_csv(agreement_id: str, user: CurrentUser, api: ApiDep) -> Response:
    _office_only(user)
    _checked(agreement_id)
    text = await service.progress(api, user, agreement_id, csv=True)
    return csv_download(str(text), f"zielvereinbarung-{agreement_id}.csv")
