"""„Bewertung“ page: ``/antraege/{id}/bewertung`` — the assessment's summary (score,
recommendation) for everyone who reads the application, the fund's criteria and funding
sources, and the network office's form while the application is submitted. Thin routes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from web.applications.service import is_id
from web.assessment import forms, service
from web.auth.schemas import User
from web.common import ApiDep, CurrentUser
from web.site.client import Api
from web.site.formatting import euro_input
from web.site.security import CheckedForm
from web.site.templates import render

router = APIRouter(include_in_schema=False)


def _values_of(assessment: dict[str, Any] | None, criteria: list[dict[str, Any]]) -> dict[str, Any]:
    """The form's values from the stored assessment (to change it)."""
    if assessment is None:
        return {}
    points = {s["criterion"]: s["points"] for s in assessment["scores"]}
    values: dict[str, Any] = {
        f"points-{n}": str(points[c["name"]])
        for n, c in enumerate(criteria, start=1)
        if c["name"] in points
    }
    values["recommendation"] = assessment["recommendation"]
    values["recommended"] = euro_input(assessment["recommended_cents"])
    values["notes"] = assessment["notes"] or ""
    return values


async def _page(
    request: Request,
    api: Api,
    user: User,
    app_id: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
    notice: bool = False,
) -> Response:
    app, version = await service.application(api, user, app_id)
    fund = await service.fund(api, user, app["fund_id"])
    assessment = await service.assessment(api, user, app_id)
    criteria = fund.get("assessment_criteria") or []
    return render(
        request,
        "assessment/page.html",
        {
            "title": f"Bewertung: {app['title']}",
            "app": app,
            "fund": fund,
            "criteria": criteria,
            "assessment": assessment,
            "recommendations": forms.RECOMMENDATIONS,
            "may_assess": user.is_office and app["status"] == "submitted",
            "version": version or "",
            "errors": errors or [],
            "values": values if values is not None else _values_of(assessment, criteria),
            "notice": notice,
        },
        status_code=status,
    )


@router.get("/antraege/{application_id}/bewertung")
async def assessment_page(
    request: Request, application_id: str, user: CurrentUser, api: ApiDep, erfolg: str | None = None
) -> Response:
    if not is_id(application_id):
        raise HTTPException(404)
    return await _page(request, api, user, application_id, notice=erfolg == "bewertet")


@router.post("/antraege/{application_id}/bewertung")
async def assess(
    request: Request, application_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    if not is_id(application_id):
        raise HTTPException(404)
    app, _ = await service.application(api, user, application_id)
    criteria = (await service.fund(api, user, app["fund_id"])).get("assessment_criteria") or []
    body, errors = forms.body(form, criteria, int(app["requested_cents"]))
    status = 422
    if not errors:
        version = form.get("version")
        refused = await service.assess(
            api, user, app, criteria, body, version if isinstance(version, str) else None
        )
        if refused is None:
            return RedirectResponse(
                f"/antraege/{application_id}/bewertung?erfolg=bewertet", status_code=303
            )
        status, errors = refused
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    return await _page(
        request, api, user, application_id, errors=errors, values=values, status=status
    )
