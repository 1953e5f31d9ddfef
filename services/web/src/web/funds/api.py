"""„Förderfonds“ pages for the network offices and the state coordination: ``/foerderfonds``
(the funds with their budget use), ``/foerderfonds/neu``, ``/foerderfonds/{id}`` and
``/foerderfonds/{id}/bearbeiten`` (with ``If-Match``: a concurrent change is told in German and
keeps what was typed). Thin routes: the API calls are in ``service``, the form in ``forms``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from schulerfolg.local_time import BERLIN
from web.applications.forms import is_id
from web.auth.schemas import User
from web.common import ApiDep, CurrentUser
from web.funds import forms, service
from web.registry.service import region_choices, region_names
from web.site.client import Api, ApiError
from web.site.security import CheckedForm
from web.site.templates import render

router = APIRouter(include_in_schema=False)

NOTICES = {
    "angelegt": "Der Förderfonds ist angelegt.",
    "gespeichert": "Die Änderungen sind gespeichert.",
}


def _today() -> str:
    return datetime.now(BERLIN).date().isoformat()


def _office_only(user: User) -> None:
    if not user.is_office:
        raise HTTPException(403)


def _checked(fund_id: str) -> None:
    if not is_id(fund_id):
        raise HTTPException(404)


@router.get("/foerderfonds")
async def funds_page(request: Request, user: CurrentUser, api: ApiDep) -> Response:
    _office_only(user)
    found = await service.funds(api, user)
    return render(
        request,
        "funds/list.html",
        {
            "title": "Förderfonds",
            "budgets": [service.budget(f) for f in found],
            "kinds": forms.KINDS,
            "regions": await region_names(api),
            "today": _today(),
            "may_create": bool(await region_choices(api, user, state=True)),
        },
    )


async def _form_page(
    request: Request,
    api: Api,
    user: User,
    form: forms.FundForm,
    *,
    fund: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    regions = await region_choices(api, user, state=True)
    names = await region_names(api)
    committees = [
        (str(c["id"]), f"{c['name']} ({names.get(c.get('region') or 'state', c.get('region'))})")
        for c in await service.committees(api, user)
    ]
    if not form.values.get("key"):
        form.values["key"] = str(uuid.uuid4())
    return render(
        request,
        "funds/form.html",
        {
            "title": f"Förderfonds bearbeiten: {fund['name']}" if fund else "Förderfonds anlegen",
            "fund": fund,
            "form": form,
            "errors": errors or [],
            "kinds": list(forms.KINDS.items()),
            "kind_names": forms.KINDS,
            "regions": regions,
            "committees": committees,
            "action": f"/foerderfonds/{fund['id']}/bearbeiten" if fund else "/foerderfonds/neu",
        },
        status_code=status,
    )


@router.get("/foerderfonds/neu")
async def new_fund(request: Request, user: CurrentUser, api: ApiDep) -> Response:
    _office_only(user)
    return await _form_page(request, api, user, forms.FundForm.of_fund({}))


@router.post("/foerderfonds/neu")
async def post_new_fund(
    request: Request, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    _office_only(user)
    data = forms.FundForm.read(form)
    if data.change_rows(form):
        return await _form_page(request, api, user, data)
    body, errors = data.body(creating=True)
    if not errors:
        try:
            created = await service.create(api, user, body, data.values["key"])
        except ApiError as exc:
            if exc.status not in (403, 409, 412, 422):
                raise
            errors = service.errors_of(exc)
        else:
            return _to(str(created["id"]), "angelegt")
    return await _form_page(request, api, user, data, errors=errors, status=422)


def _to(fund_id: str, notice: str) -> RedirectResponse:
    return RedirectResponse(f"/foerderfonds/{fund_id}?erfolg={notice}", status_code=303)


@router.get("/foerderfonds/{fund_id}")
async def fund_page(
    request: Request, fund_id: str, user: CurrentUser, api: ApiDep, erfolg: str | None = None
) -> Response:
    _office_only(user)
    _checked(fund_id)
    fund = await service.fund(api, user, fund_id)
    committee = None
    if fund.get("deciding_committee_id"):
        committee = next(
            (
                c
                for c in await service.committees(api, user)
                if str(c["id"]) == fund["deciding_committee_id"]
            ),
            None,
        )
    return render(
        request,
        "funds/detail.html",
        {
            "title": fund["name"],
            "fund": fund,
            "budget": service.budget(fund),
            "committee": committee,
            "kinds": forms.KINDS,
            "regions": await region_names(api),
            "today": _today(),
            "may_edit": service.editable(user, fund),
            "notice": NOTICES.get(erfolg or ""),
        },
    )


async def _editable(api: Api, user: User, fund_id: str) -> dict[str, Any]:
    _office_only(user)
    _checked(fund_id)
    fund = await service.fund(api, user, fund_id)
    if not service.editable(user, fund):
        raise HTTPException(403)
    return fund


@router.get("/foerderfonds/{fund_id}/bearbeiten")
async def edit_fund(request: Request, fund_id: str, user: CurrentUser, api: ApiDep) -> Response:
    fund = await _editable(api, user, fund_id)
    return await _form_page(request, api, user, forms.FundForm.of_fund(fund), fund=fund)


@router.post("/foerderfonds/{fund_id}/bearbeiten")
async def post_edit_fund(
    request: Request, fund_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    fund = await _editable(api, user, fund_id)
    data = forms.FundForm.read(form)
    if data.change_rows(form):
        return await _form_page(request, api, user, data, fund=fund)
    body, errors = data.body(creating=False)
    if not errors:
        try:
            await service.change(api, user, fund_id, body, data.values["version"])
        except ApiError as exc:
            if exc.status not in (403, 409, 412, 422, 428):
                raise
            errors = service.errors_of(exc)
            # what was typed stays; a second save applies it over the current version
            data.values["version"] = str(fund["version"])
        else:
            return _to(fund_id, "gespeichert")
    return await _form_page(request, api, user, data, fund=fund, errors=errors, status=422)
