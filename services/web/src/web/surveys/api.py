"""„Bedarfsabfragen“ pages: for the network offices and the state coordination the surveys
(``/bedarfsabfragen``), a new one (``/bedarfsabfragen/neu``, questions added by buttons without
JavaScript), one survey with opening, closing, invitation links (shown once) and its results
(``/bedarfsabfragen/{id}``, CSV at ``…/ergebnisse.csv``) and the topic demand
(``/bedarfsabfragen/themen``); for everyone the answer form ``/umfrage/{id}``. Thin routes: the
API calls are in ``service``, the forms in ``forms``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from schulerfolg.local_time import BERLIN
from schulerfolg.topics import TOPICS
from web.applications.forms import is_id
from web.auth.schemas import User
from web.common import ApiDep, CurrentUser
from web.registry.service import region_choices, region_names
from web.site.client import Api, ApiError
from web.site.security import CheckedForm
from web.site.templates import render
from web.surveys import forms, service

router = APIRouter(include_in_schema=False)

NOTICES = {
    "angelegt": "Die Bedarfsabfrage ist angelegt.",
    "geoeffnet": "Die Bedarfsabfrage ist geöffnet und nimmt Antworten an.",
    "geschlossen": "Die Bedarfsabfrage ist geschlossen.",
}
STEPS = {"oeffnen": ("open", "geoeffnet"), "schliessen": ("close", "geschlossen")}
NO_STORE = {"Cache-Control": "no-store"}
MAX_INVITATIONS = 1000


def _office_only(user: User) -> None:
    if not user.is_office:
        raise HTTPException(403)


def _checked(survey_id: str) -> None:
    if not is_id(survey_id):
        raise HTTPException(404)


def _download(text: str, filename: str) -> Response:
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'} | NO_STORE,
    )


def _answered_cookie(survey_id: str) -> str:
    return f"umfrage-{survey_id}"


@router.get("/bedarfsabfragen")
async def surveys_page(request: Request, user: CurrentUser, api: ApiDep) -> Response:
    _office_only(user)
    return render(
        request,
        "surveys/list.html",
        {
            "title": "Bedarfsabfragen",
            "surveys": await service.surveys(api, user),
            "regions": await region_names(api),
            "status": forms.STATUS,
            "may_create": bool(await region_choices(api, user, state=True)),
        },
    )


async def _form_page(
    request: Request,
    api: Api,
    user: User,
    form: forms.SurveyForm,
    *,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    if not form.values.get("key"):
        form.values["key"] = str(uuid.uuid4())
    return render(
        request,
        "surveys/form.html",
        {
            "title": "Neue Bedarfsabfrage",
            "form": form,
            "errors": errors or [],
            "regions": await region_choices(api, user, state=True),
            "audiences": list(forms.AUDIENCES.items()),
            "kinds": list(forms.KINDS.items()),
            "topics": TOPICS,
        },
        status_code=status,
    )


@router.get("/bedarfsabfragen/neu")
async def new_survey(request: Request, user: CurrentUser, api: ApiDep) -> Response:
    _office_only(user)
    return await _form_page(request, api, user, forms.SurveyForm({"anonymous": "nein"}))


@router.post("/bedarfsabfragen/neu")
async def post_new_survey(
    request: Request, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    _office_only(user)
    data = forms.SurveyForm.read(form)
    if data.change_rows(form):
        return await _form_page(request, api, user, data)
    body, errors = data.body()
    if not errors:
        try:
            created = await service.create(api, user, body, data.values["key"])
        except ApiError as exc:
            if exc.status not in (403, 409, 422):
                raise
            errors = service.errors_of(exc)
        else:
            return _to(str(created["id"]), "angelegt")
    return await _form_page(request, api, user, data, errors=errors, status=422)


def _to(survey_id: str, notice: str) -> RedirectResponse:
    return RedirectResponse(f"/bedarfsabfragen/{survey_id}?erfolg={notice}", status_code=303)


async def _demand_region(
    api: Api, user: User, region: str | None
) -> tuple[list[tuple[str, str]], str | None]:
    """The regions the person may choose, and the one shown: as asked, else an office's first
    region (the state coordination sees all regions together)."""
    _office_only(user)
    choices = await region_choices(api, user)
    if region is None and not user.has_role("state_coordinator") and choices:
        region = choices[0][0]
    return choices, region


@router.get("/bedarfsabfragen/themen")
async def topic_demand_page(
    request: Request, user: CurrentUser, api: ApiDep, region: str | None = None
) -> Response:
    choices, region = await _demand_region(api, user, region)
    found = await service.topic_demand(api, user, region or None)
    return render(
        request,
        "surveys/topics.html",
        {
            "title": "Themenbedarf",
            "demand": found,
            "region": region or "",
            "choices": choices,
            "regions": await region_names(api),
            "all_regions": user.has_role("state_coordinator"),
        },
    )


@router.get("/bedarfsabfragen/themen.csv")
async def topic_demand_csv(user: CurrentUser, api: ApiDep, region: str | None = None) -> Response:
    _, region = await _demand_region(api, user, region)
    text = await service.topic_demand(api, user, region or None, csv=True)
    return _download(str(text), f"themenbedarf-{region or 'alle'}.csv")


async def _detail_page(
    request: Request,
    api: Api,
    user: User,
    survey_id: str,
    *,
    notice: str | None = None,
    codes: list[str] | None = None,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    found = await service.survey(api, survey_id, user.token)
    base = request.app.state.settings.public_base_url.rstrip("/")
    link = f"{base}/umfrage/{survey_id}"
    return render(
        request,
        "surveys/detail.html",
        {
            "title": found["title"],
            "survey": found,
            "status": forms.STATUS,
            "kinds": forms.KINDS,
            "audience": ", ".join(forms.AUDIENCES.get(a, a) for a in found["audience"]),
            "topics": TOPICS,
            "regions": await region_names(api),
            "notice": notice,
            "errors": errors or [],
            "link": link,
            "codes": [f"{link}?code={code}" for code in codes or []],
            "counts": None
            if found["anonymous"]
            else await service.invitation_counts(api, user, survey_id),
            "results": None
            if found["status"] == "draft"
            else await service.results(api, user, survey_id),
        },
        status_code=status,
        headers=NO_STORE,
    )


@router.get("/bedarfsabfragen/{survey_id}")
async def survey_page(
    request: Request, survey_id: str, user: CurrentUser, api: ApiDep, erfolg: str | None = None
) -> Response:
    _office_only(user)
    _checked(survey_id)
    return await _detail_page(request, api, user, survey_id, notice=NOTICES.get(erfolg or ""))


@router.post("/bedarfsabfragen/{survey_id}/einladungen")
async def invite(
    request: Request, survey_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    """New personal links, shown once on the page that answers this form (never stored here)."""
    _office_only(user)
    _checked(survey_id)
    typed = form.get("count")
    count = int(typed) if isinstance(typed, str) and typed.strip().isdigit() else 0
    if not 1 <= count <= MAX_INVITATIONS:
        error = {
            "field": "count",
            "message": f"Bitte geben Sie eine Anzahl von 1 bis {MAX_INVITATIONS} an.",
        }
        return await _detail_page(request, api, user, survey_id, errors=[error], status=422)
    codes = await service.invite(api, user, survey_id, count)
    return await _detail_page(request, api, user, survey_id, codes=codes)


@router.post("/bedarfsabfragen/{survey_id}/{step}")
async def change_status(
    request: Request, survey_id: str, step: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    """„Abfrage öffnen“ (``…/oeffnen``) and „Abfrage schließen“ (``…/schliessen``)."""
    _office_only(user)
    _checked(survey_id)
    if step not in STEPS:
        raise HTTPException(404)
    action, notice = STEPS[step]
    try:
        await service.step(api, user, survey_id, action)
    except ApiError as exc:
        if exc.status != 409:
            raise
        errors = [service.step_error(exc)]
        return await _detail_page(request, api, user, survey_id, errors=errors, status=409)
    return _to(survey_id, notice)


@router.get("/bedarfsabfragen/{survey_id}/ergebnisse.csv")
async def results_csv(survey_id: str, user: CurrentUser, api: ApiDep) -> Response:
    _office_only(user)
    _checked(survey_id)
    text = await service.results(api, user, survey_id, csv=True)
    return _download(str(text), f"bedarfsabfrage-{survey_id}.csv")


# --------------------------------------------------------------------------- the public form


async def _answer_page(
    request: Request,
    api: Api,
    found: dict[str, Any],
    *,
    code: str = "",
    notice: str | None = None,
    typed: dict[str, list[str]] | None = None,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    survey_id = str(found["id"])
    if notice is None:
        notice = service.closed_notice(found, datetime.now(BERLIN).date().isoformat())
    if notice is None and request.cookies.get(_answered_cookie(survey_id)):
        notice = service.ANSWERED
    if notice is None and found["anonymous"] and not code:
        code = await service.ticket(api, survey_id)
    return render(
        request,
        "surveys/answer.html",
        {
            "title": found["title"],
            "survey": found,
            "code": code,
            "notice": notice,
            "typed": typed or {},
            "errors": errors or [],
        },
        status_code=status,
        headers=NO_STORE,
    )


async def _public_survey(api: Api, survey_id: str) -> dict[str, Any]:
    _checked(survey_id)
    found = await service.survey(api, survey_id)
    if found["status"] == "draft":  # planning shows a draft to its office only
        raise HTTPException(404)
    return found


@router.get("/umfrage/{survey_id}")
async def answer_form(
    request: Request, survey_id: str, api: ApiDep, code: str | None = None
) -> Response:
    found = await _public_survey(api, survey_id)
    return await _answer_page(request, api, found, code=(code or "").strip()[:100])


@router.post("/umfrage/{survey_id}")
async def post_answers(
    request: Request, survey_id: str, api: ApiDep, form: CheckedForm
) -> Response:
    found = await _public_survey(api, survey_id)
    typed_code = form.get("code")
    code = typed_code.strip()[:100] if isinstance(typed_code, str) else ""
    body = {
        "answers": forms.answers_of(found["questions"], form),
        ("ticket" if found["anonymous"] else "invitation"): code or None,
    }
    try:
        await service.respond(api, survey_id, body)
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        notice = service.refusal_notice(exc)
        if notice:
            return await _answer_page(request, api, found, notice=notice, status=409)
        return await _answer_page(
            request,
            api,
            found,
            code=code,
            typed=forms.typed_answers(found["questions"], form),
            errors=service.answer_errors(exc),
            status=422,
        )
    response = render(
        request, "surveys/thanks.html", {"title": found["title"], "survey": found}, headers=NO_STORE
    )
    response.set_cookie(
        _answered_cookie(survey_id),
        "1",
        max_age=365 * 24 * 3600,
        httponly=True,
        secure=request.app.state.settings.cookie_secure,
        samesite="lax",
        path=f"/umfrage/{survey_id}",
    )
    return response
