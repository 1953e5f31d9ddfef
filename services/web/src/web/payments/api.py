"""„Mittelabruf“ pages: ``/antraege/{id}/mittelabruf`` (an application's payment requests, the
applicant side's form, the office's approve, reject and mark paid) and ``/auszahlungen`` (the
office's and the state coordination's list of approved payments not yet paid, with the CSV for
the treasury). Thin routes: the API calls are in ``service``, the forms in ``forms``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from schulerfolg.local_time import BERLIN
from web.applications.service import is_id
from web.auth.schemas import User
from web.common import ApiDep, CurrentUser
from web.payments import forms, service
from web.site.client import Api
from web.site.formatting import datum_kurz
from web.site.security import CheckedForm
from web.site.templates import render

router = APIRouter(include_in_schema=False)

NOTICES = {
    "abgerufen": "Ihr Mittelabruf ist eingegangen. Die Netzwerkstelle prüft ihn.",
    "bewilligt": "Der Mittelabruf ist bewilligt.",
    "abgelehnt": "Der Mittelabruf ist abgelehnt.",
    "ausgezahlt": "Die Auszahlung ist erfasst.",
}
COMMON = {"payment_statuses": forms.STATUSES, "payment_badges": forms.BADGES}


def _checked(*ids: str) -> None:
    if not all(is_id(i) for i in ids):
        raise HTTPException(404)


def _to(app_id: str, notice: str) -> RedirectResponse:
    return RedirectResponse(f"/antraege/{app_id}/mittelabruf?erfolg={notice}", status_code=303)


async def _page(
    request: Request,
    api: Api,
    user: User,
    app_id: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
    notice: str | None = None,
    failed: str | None = None,
) -> Response:
    app = await service.application(api, user, app_id)
    payments = await service.payment_requests(api, user, app_id)
    payable = app["status"] in service.PAYABLE
    return render(
        request,
        "payments/page.html",
        {
            **COMMON,
            "title": f"Mittelabruf: {app['title']}",
            "app": app,
            "payments": payments["items"],
            "sums": payments["sums"],
            "errors": errors or [],
            "values": values or {},
            "failed": failed,
            "notice": notice,
            "today": datum_kurz(datetime.now(BERLIN).date()),
            "may_request": payable and (user.is_applicant or user.is_office),
            "may_decide": user.is_office,
        },
        status_code=status,
    )


@router.get("/antraege/{application_id}/mittelabruf")
async def payments_page(
    request: Request,
    application_id: str,
    user: CurrentUser,
    api: ApiDep,
    erfolg: str | None = None,
) -> Response:
    _checked(application_id)
    return await _page(request, api, user, application_id, notice=NOTICES.get(erfolg or ""))


async def _step(
    request: Request,
    api: Api,
    user: User,
    app_id: str,
    path: str,
    body: dict[str, Any],
    errors: list[dict[str, Any]],
    form: CheckedForm,
    notice: str,
    failed: str | None = None,
) -> Response:
    status = 422
    if not errors:
        refused = await service.attempt(api, user, app_id, path, body)
        if refused is None:
            return _to(app_id, notice)
        status, errors = refused
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    return await _page(
        request, api, user, app_id, errors=errors, values=values, status=status, failed=failed
    )


@router.post("/antraege/{application_id}/mittelabruf")
async def request_payment(
    request: Request, application_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    _checked(application_id)
    left = await service.payment_requests(api, user, application_id)
    body, errors = forms.request_body(form, int(left["sums"]["available_cents"]))
    return await _step(request, api, user, application_id, "", body, errors, form, "abgerufen")


@router.post("/antraege/{application_id}/mittelabruf/{payment_id}/bewilligen")
async def approve_payment(
    request: Request,
    application_id: str,
    payment_id: str,
    user: CurrentUser,
    api: ApiDep,
    form: CheckedForm,
) -> Response:
    _checked(application_id, payment_id)
    return await _step(
        request, api, user, application_id, f"/{payment_id}/approve", {}, [], form, "bewilligt"
    )


OFFICE_STEPS = {
    "ablehnen": ("reject", forms.reject_body, "abgelehnt"),
    "ausgezahlt": ("paid", forms.paid_body, "ausgezahlt"),
}


@router.post("/antraege/{application_id}/mittelabruf/{payment_id}/{step}")
async def office_step(
    request: Request,
    application_id: str,
    payment_id: str,
    step: str,
    user: CurrentUser,
    api: ApiDep,
    form: CheckedForm,
) -> Response:
    """Reject (with a reason) or mark paid (day, Buchungszeichen)."""
    _checked(application_id, payment_id)
    if step not in OFFICE_STEPS:
        raise HTTPException(404)
    action, read, notice = OFFICE_STEPS[step]
    body, errors = read(form, payment_id)
    path = f"/{payment_id}/{action}"
    return await _step(
        request, api, user, application_id, path, body, errors, form, notice, payment_id
    )


# --------------------------------------------------------------------------- payout list


def _office_only(user: User) -> None:
    if not user.is_office:
        raise HTTPException(403)


@router.get("/auszahlungen")
async def payouts(request: Request, user: CurrentUser, api: ApiDep) -> Response:
    _office_only(user)
    items = await service.payouts(api, user, "approved")
    return render(
        request,
        "payments/payouts.html",
        {
            **COMMON,
            "title": "Auszahlungen",
            "items": items,
            "total": sum(int(i["amount_cents"]) for i in items),
        },
    )


@router.get("/auszahlungen.csv")
async def payouts_csv(user: CurrentUser, api: ApiDep) -> Response:
    _office_only(user)
    text = await service.payouts_csv(api, user, "approved")
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="auszahlungen.csv"'},
    )
