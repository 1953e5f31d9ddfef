"""The applicant's journey and the office's advice: ``/antraege`` (my applications, or the
office's worklist), ``/antraege/neu`` (the guided form), ``/antraege/{id}`` (details, history and
the actions the person may take), the check-your-answers page, withdrawal, report, and the
office's advice and decision. Thin routes: the API calls are in ``service``, the forms in
``forms``, the German sentences in ``web.site.catalogue``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from schulerfolg.http.csv import csv_response
from schulerfolg.local_time import BERLIN
from schulerfolg.regions import REGIONS
from web.applications import service
from web.applications.forms import (
    ApplicationForm,
    ListFilters,
    consultation_body,
    decision_body,
    version_header,
)
from web.auth.schemas import User
from web.common import ApiDep, CurrentUser
from web.site.catalogue import (
    APPLICATION_CHANGED,
    BUDGET_CATEGORIES,
    OUTCOMES,
    STATUS_BADGES,
    STATUSES,
    TARGET_GROUPS,
    errors_of,
)
from web.site.client import Api, ApiError
from web.site.formatting import datum_kurz
from web.site.security import CheckedForm
from web.site.templates import render

router = APIRouter(include_in_schema=False)

EDITABLE = ("draft", "returned")
WITHDRAWABLE = ("draft", "submitted", "returned")

NOTICES = {
    "eingereicht": "Ihr Antrag ist eingereicht. Die Netzwerkstelle und das entscheidende Gremium "
    "sind informiert.",
    "zurueckgezogen": "Der Antrag ist zurückgezogen.",
    "beraten": "Die Beratung ist erfasst. Der Antrag kann jetzt eingereicht werden.",
    "entschieden": "Die Entscheidung ist erfasst; die Antragstellenden werden informiert.",
    "abgeschlossen": "Der Antrag ist abgeschlossen.",
    "anlage-gespeichert": "Die Anlage ist gespeichert.",
    "anlage-entfernt": "Die Anlage ist entfernt.",
}

COMMON = {
    "statuses": STATUSES,
    "badges": STATUS_BADGES,
    "groups": TARGET_GROUPS,
    "categories": BUDGET_CATEGORIES,
    "outcomes": OUTCOMES,
}


def _checked_id(application_id: str) -> str:
    if not service.is_id(application_id):
        raise HTTPException(404)
    return application_id


def _to(app_id: str, page: str = "", notice: str | None = None) -> RedirectResponse:
    url = f"/antraege/{app_id}" + (f"/{page}" if page else "")
    return RedirectResponse(url + (f"?erfolg={notice}" if notice else ""), status_code=303)


def _may_apply(user: User) -> bool:
    return bool(user.is_applicant or user.is_office)


# --------------------------------------------------------------------------- lists


@router.get("/antraege")
async def applications(
    request: Request,
    user: CurrentUser,
    api: ApiDep,
    status: str | None = None,
    cursor: str | None = None,
) -> Response:
    """„Meine Anträge“, or the office's worklist: filters in the URL, offers' cursors."""
    if not user.is_office:
        wanted = status if status in STATUSES else None
        found = await service.listing(api, user, status=wanted)
        return render(
            request,
            "applications/list.html",
            {
                **COMMON,
                "title": "Meine Anträge",
                "listing": found,
                "status": wanted,
                "may_apply": _may_apply(user),
            },
        )
    filters, vocabulary = await _filters(request, api)
    in_use = {**filters.values, **({"cursor": cursor} if cursor else {})}
    if sorted(request.query_params.multi_items()) != sorted(in_use.items()):
        # the GET form sends its empty fields too: the address keeps only the filters in use
        return RedirectResponse("/antraege" + filters.query(cursor=cursor or ""), status_code=303)
    regions = service.list_regions(user, filters)
    found = await service.worklist(api, user, filters, cursor, regions, vocabulary)
    title = "Anträge der Region" if user.has_role("network_office") else "Anträge aller Regionen"
    return render(
        request,
        "applications/worklist.html",
        {
            **COMMON,
            "title": title,
            "listing": found,
            "filters": filters.values,
            "filtered": bool(filters.values),
            "next_url": "/antraege" + filters.query(cursor=found.next_cursor or "")
            if found.next_cursor
            else None,
            "first_url": "/antraege" + filters.query() if cursor else None,
            "csv_url": "/antraege.csv" + filters.query(),
            "choose_region": user.has_role("state_coordinator"),
            "may_apply": _may_apply(user),
        },
    )


async def _filters(request: Request, api: Api) -> tuple[ListFilters, list[tuple[str, str]]]:
    """The list's filters from the URL, and the topic vocabulary they were checked against."""
    vocabulary = await service.topics(api)
    return ListFilters.read(
        dict(request.query_params),
        statuses=set(STATUSES),
        topics={slug for slug, _ in vocabulary},
        regions=set(REGIONS),
    ), vocabulary


@router.get("/antraege.csv")
async def applications_csv(request: Request, user: CurrentUser, api: ApiDep) -> Response:
    """The office's filtered worklist for the spreadsheet (every page of it)."""
    if not user.is_office:
        raise HTTPException(403)
    filters, vocabulary = await _filters(request, api)
    rows = await service.worklist_rows(api, user, filters, vocabulary)
    return csv_response(service.CSV_HEADER, rows, filename="antraege.csv")


# --------------------------------------------------------------------------- the form


async def _form_page(
    request: Request,
    api: Api,
    user: User,
    form: ApplicationForm,
    *,
    app: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
    notice: str | None = None,
) -> Response:
    region = app["region"] if app else await service.region_of(api, user)
    choices = await service.form_choices(api, user, region)
    office = await service.office_of(api, region) if app and not app.get("consultation") else None
    return render(
        request,
        "applications/form.html",
        {
            **COMMON,
            "title": "Antrag bearbeiten" if app else "Neuer Antrag",
            "form": form,
            "app": app,
            "errors": errors or [],
            "notice": notice,
            "choices": choices,
            "office": office,
            "total": form.total,
            "action": f"/antraege/{app['id']}/bearbeiten" if app else "/antraege/neu",
        },
        status_code=status,
    )


async def _posted_form(
    request: Request, api: Api, user: User, form: CheckedForm, app: dict[str, Any] | None
) -> Response:
    """Add or remove a budget line (the form comes back), or save the draft and go on to the
    check page."""
    data = ApplicationForm.read(form)
    if "add_line" in form:
        data.add_line()
        return await _form_page(request, api, user, data, app=app)
    if "remove_line" in form:
        data.remove_line(str(form.get("remove_line")))
        return await _form_page(request, api, user, data, app=app)
    body, errors = data.body(creating=app is None)
    if errors:
        return await _form_page(request, api, user, data, app=app, errors=errors, status=422)
    try:
        if app is None:
            saved = await service.create(api, user, body, data.values["key"])
        else:
            headers = version_header(data.values["version"])
            saved = (
                await service.change(api, user, app["id"], None, body=body, if_match=headers)
            ).body
    except ApiError as exc:
        if app is not None and exc.status == 412:
            fresh, _ = await service.application(api, user, app["id"])
            return await _form_page(
                request,
                api,
                user,
                ApplicationForm.of_application(fresh),
                app=fresh,
                notice=APPLICATION_CHANGED,
                status=409,
            )
        if exc.status not in (409, 422):
            raise
        return await _form_page(
            request, api, user, data, app=app, errors=errors_of(exc), status=exc.status
        )
    return _to(saved["id"], "pruefen")


@router.get("/antraege/neu")
async def new_application(request: Request, user: CurrentUser, api: ApiDep) -> Response:
    if not _may_apply(user):
        raise ApiError(403, {}, "web")
    form = ApplicationForm(
        values={
            "key": str(uuid.uuid4()),
            "contact_name": user.name or "",
            "contact_email": user.email or "",
            "school_ids": [user.school_id] if user.school_id else [],
            "applicant_organization_id": user.organization_id if user.has_role("partner") else "",
        }
    )
    return await _form_page(request, api, user, form)


@router.post("/antraege/neu")
async def post_new_application(
    request: Request, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    if not _may_apply(user):
        raise ApiError(403, {}, "web")
    return await _posted_form(request, api, user, form, None)


async def _editable(api: Api, user: User, application_id: str) -> dict[str, Any] | None:
    """The application when it can be changed; None when its status no longer allows it."""
    app, _ = await service.application(api, user, _checked_id(application_id))
    return app if app["status"] in EDITABLE and _may_apply(user) else None


@router.get("/antraege/{application_id}/bearbeiten")
async def edit_application(
    request: Request, application_id: str, user: CurrentUser, api: ApiDep
) -> Response:
    app = await _editable(api, user, application_id)
    if app is None:
        return _to(application_id)
    return await _form_page(request, api, user, ApplicationForm.of_application(app), app=app)


@router.post("/antraege/{application_id}/bearbeiten")
async def post_edit_application(
    request: Request, application_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    app = await _editable(api, user, application_id)
    if app is None:
        return _to(application_id)
    return await _posted_form(request, api, user, form, app)


# --------------------------------------------------------------------------- check and submit


async def _check_page(
    request: Request,
    api: Api,
    user: User,
    application_id: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    shown = await service.details(api, user, application_id)
    return render(
        request,
        "applications/check.html",
        {**COMMON, **shown, "title": "Angaben prüfen", "errors": errors or []},
        status_code=status,
    )


@router.get("/antraege/{application_id}/pruefen")
async def check_application(
    request: Request, application_id: str, user: CurrentUser, api: ApiDep
) -> Response:
    if await _editable(api, user, application_id) is None:
        return _to(application_id)
    return await _check_page(request, api, user, application_id)


@router.post("/antraege/{application_id}/einreichen")
async def submit_application(
    request: Request, application_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    app_id = _checked_id(application_id)
    version = version_header(str(form.get("version") or ""))
    refused = await service.attempt(api, user, app_id, "submit", if_match=version)
    if refused is None:
        return _to(app_id, notice="eingereicht")
    status, errors = refused
    app, _ = await service.application(api, user, app_id)
    if status == 412:
        return await _check_page(request, api, user, app_id, errors=errors, status=status)
    if app["status"] not in EDITABLE:
        return await _detail_page(request, api, user, app_id, errors=errors, status=status)
    form_shown = ApplicationForm.of_application(app)
    return await _form_page(request, api, user, form_shown, app=app, errors=errors, status=status)


# --------------------------------------------------------------------------- details and moves


async def _detail_page(
    request: Request,
    api: Api,
    user: User,
    application_id: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
    notice: str | None = None,
) -> Response:
    shown = await service.details(api, user, application_id)
    app = shown["app"]
    applicant = _may_apply(user)
    return render(
        request,
        "applications/detail.html",
        {
            **COMMON,
            **shown,
            "title": app["title"],
            "errors": errors or [],
            "values": values or {},
            "notice": notice,
            "today": datum_kurz(datetime.now(BERLIN).date()),
            "may_edit": applicant and app["status"] in EDITABLE,
            "may_withdraw": applicant and app["status"] in WITHDRAWABLE,
            "may_report": applicant and app["status"] == "approved",
            "may_advise": user.is_office and app["status"] in EDITABLE,
            "may_decide": user.is_office and app["status"] == "submitted",
            "may_close": user.is_office and app["status"] == "reported",
        },
        status_code=status,
    )


application_page = _detail_page
"""The application's page (with errors and values of a form on it), for other domains' forms."""


@router.get("/antraege/{application_id}")
async def application_detail(
    request: Request,
    application_id: str,
    user: CurrentUser,
    api: ApiDep,
    erfolg: str | None = None,
) -> Response:
    return await _detail_page(
        request, api, user, _checked_id(application_id), notice=NOTICES.get(erfolg or "")
    )


async def _move(
    request: Request,
    api: Api,
    user: User,
    application_id: str,
    action: str,
    body: dict[str, Any] | None,
    errors: list[dict[str, Any]],
    form: CheckedForm,
    notice: str,
) -> Response:
    """An office or applicant action from the detail page; refusals show the detail page again
    with the German errors and what was typed."""
    app_id = _checked_id(application_id)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    status = 422
    if not errors:
        refused = await service.attempt(
            api,
            user,
            app_id,
            action,
            body=body,
            if_match=version_header(values.get("version")),
        )
        if refused is None:
            return _to(app_id, notice=notice)
        status, errors = refused
    return await _detail_page(
        request, api, user, app_id, errors=errors, values=values, status=status
    )


@router.post("/antraege/{application_id}/beratung")
async def record_consultation(
    request: Request, application_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    body, errors = consultation_body(form)
    return await _move(
        request,
        api,
        user,
        application_id,
        "consultation",
        body,
        errors,
        form,
        "beraten",
    )


@router.post("/antraege/{application_id}/entscheidung")
async def record_decision(
    request: Request, application_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    body, errors = decision_body(form)
    return await _move(
        request, api, user, application_id, "decision", body, errors, form, "entschieden"
    )


@router.post("/antraege/{application_id}/abschliessen")
async def close_application(
    request: Request, application_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    return await _move(request, api, user, application_id, "close", None, [], form, "abgeschlossen")


async def _withdraw_page(
    request: Request,
    app: dict[str, Any],
    values: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "applications/withdraw.html",
        {
            **COMMON,
            "title": "Antrag zurückziehen",
            "app": app,
            "values": values or {},
            "errors": errors or [],
        },
        status_code=status,
    )


@router.get("/antraege/{application_id}/zurueckziehen")
async def withdraw_page(
    request: Request, application_id: str, user: CurrentUser, api: ApiDep
) -> Response:
    app, _ = await service.application(api, user, _checked_id(application_id))
    if app["status"] not in WITHDRAWABLE or not _may_apply(user):
        return _to(application_id)
    return await _withdraw_page(request, app)


@router.post("/antraege/{application_id}/zurueckziehen")
async def withdraw_application(
    request: Request, application_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    """Withdraw after the confirmation page; a refusal shows that page again."""
    app_id = _checked_id(application_id)
    reason = str(form.get("withdraw_reason") or "").strip()
    refused = await service.attempt(
        api,
        user,
        app_id,
        "withdraw",
        body={"reason": reason} if reason else None,
        if_match=version_header(str(form.get("version") or "")),
        renames={"reason": "withdraw_reason"},
    )
    if refused is None:
        return _to(app_id, notice="zurueckgezogen")
    status, errors = refused
    app, _ = await service.application(api, user, app_id)
    return await _withdraw_page(request, app, {"withdraw_reason": reason}, errors, status)


@router.get("/antraege/{application_id}/bericht")
async def report_page(application_id: str) -> Response:
    """The old report page: the proof of use replaces it (offers' ``/report`` stays)."""
    return _to(_checked_id(application_id), "verwendungsnachweis")
