"""„Verwendungsnachweis“ page ``/antraege/{id}/verwendungsnachweis``: the applicant side's form
(Sachbericht, Teilnehmende je Zielgruppe, Belegliste with rows added and removed without
JavaScript), the comparison with the approved cost plan, submitting; the office returns it
(Gründe) or accepts an amount, and sees the final payment or the reclaim. Thin routes: the API
calls are in ``service``, the form in ``forms``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from web.applications.service import is_id
from web.auth.schemas import User
from web.common import ApiDep, CurrentUser
from web.proof_of_use import figures, forms, service
from web.proof_of_use.forms import ProofForm
from web.site.catalogue import BUDGET_CATEGORIES, TARGET_GROUPS
from web.site.client import Api
from web.site.formatting import euro_input
from web.site.security import CheckedForm
from web.site.templates import render

router = APIRouter(include_in_schema=False)

FUNDED = ("approved", "reported", "completed")
NOTICES = {
    "gespeichert": "Der Verwendungsnachweis ist gespeichert.",
    "eingereicht": "Der Verwendungsnachweis ist eingereicht. Die Netzwerkstelle prüft ihn.",
    "zurueckgegeben": "Der Verwendungsnachweis ist zur Korrektur zurückgegeben.",
    "anerkannt": "Der Verwendungsnachweis ist anerkannt.",
}


def _to(app_id: str, notice: str) -> RedirectResponse:
    return RedirectResponse(
        f"/antraege/{app_id}/verwendungsnachweis?erfolg={notice}", status_code=303
    )


def _ids(files: list[dict[str, Any]] | None) -> set[str] | None:
    return None if files is None else {str(f["id"]) for f in files}


async def _loaded(api: Api, user: User, app_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    if not is_id(app_id):
        raise HTTPException(404)
    app = await service.application(api, user, app_id)
    if app["status"] not in FUNDED:
        raise HTTPException(404)
    return app, await service.proof_of_use(api, user, app_id)


async def _page(
    request: Request,
    api: Api,
    user: User,
    app_id: str,
    *,
    form: ProofForm | None = None,
    errors: list[dict[str, Any]] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
    notice: str | None = None,
) -> Response:
    app, proof = await _loaded(api, user, app_id)
    files = await service.receipt_files(api, user, app_id)
    groups = list(app.get("target_groups") or [])
    approved = app.get("approved_cents") or 0
    categories = {
        line["budget_category"]: BUDGET_CATEGORIES.get(line["budget_category"], "")
        for line in proof["lines"]
    }
    suggestion = min(approved, proof["totals"]["spent_cents"])
    return render(
        request,
        "proof_of_use/page.html",
        {
            "title": f"Verwendungsnachweis: {app['title']}",
            "app": app,
            "proof": proof,
            "form": form or ProofForm.of_proof(proof, groups),
            "groups": {g: TARGET_GROUPS.get(g, g) for g in groups},
            "breakdown": forms.BREAKDOWN,
            **figures.LABELS,
            "receipt_files": {str(f["id"]): f for f in files or []},
            "categories": categories,
            "all_categories": BUDGET_CATEGORIES,
            "statuses": forms.STATUSES,
            "in_words": forms.in_words,
            "errors": errors or [],
            "values": {"accepted": euro_input(suggestion)} | (values or {}),
            "notice": notice,
            "may_edit": proof["editable"],
            "may_check": user.is_office and proof["status"] == "submitted",
        },
        status_code=status,
    )


@router.get("/antraege/{application_id}/verwendungsnachweis")
async def proof_page(
    request: Request,
    application_id: str,
    user: CurrentUser,
    api: ApiDep,
    erfolg: str | None = None,
) -> Response:
    return await _page(request, api, user, application_id, notice=NOTICES.get(erfolg or ""))


@router.post("/antraege/{application_id}/verwendungsnachweis")
async def save_proof(
    request: Request, application_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    """Add or remove a receipt row (the form comes back), save, or save and submit."""
    app, proof = await _loaded(api, user, application_id)
    data = ProofForm.read(form, list(app.get("target_groups") or []))
    if "add_receipt" in form:
        data.add_receipt()
        return await _page(request, api, user, application_id, form=data)
    if "remove_receipt" in form:
        data.remove_receipt(str(form.get("remove_receipt")))
        return await _page(request, api, user, application_id, form=data)
    files = await service.receipt_files(api, user, application_id)
    collects = bool(proof.get("collects_participant_figures"))
    body, errors = data.body(app, _ids(files), collects_figures=collects)
    submitting = form.get("aktion") == "einreichen"
    if submitting and collects and not errors and body.get("participants") is None:
        errors = [{"field": "esf", "message": figures.MISSING}]
    if errors:
        return await _page(request, api, user, application_id, form=data, errors=errors, status=422)
    steps: list[tuple[str, str, dict[str, Any] | None]] = [("PUT", "", body)]
    if submitting:
        steps.append(("POST", "/submit", None))
    refused = await service.attempt(api, user, application_id, steps, data.version)
    if refused is not None:
        status, errors = refused
        return await _page(
            request, api, user, application_id, form=data, errors=errors, status=status
        )
    return _to(application_id, "eingereicht" if submitting else "gespeichert")


async def _office_step(
    request: Request,
    api: Api,
    user: User,
    app_id: str,
    tail: str,
    body: dict[str, Any],
    errors: list[dict[str, Any]],
    form: CheckedForm,
    notice: str,
) -> Response:
    status = 422
    if not errors:
        refused = await service.attempt(api, user, app_id, [("POST", tail, body)])
        if refused is None:
            return _to(app_id, notice)
        status, errors = refused
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    return await _page(request, api, user, app_id, errors=errors, values=values, status=status)


@router.post("/antraege/{application_id}/verwendungsnachweis/zurueckgeben")
async def return_proof(
    request: Request, application_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    body, errors = forms.return_body(form)
    return await _office_step(
        request, api, user, application_id, "/return", body, errors, form, "zurueckgegeben"
    )


@router.post("/antraege/{application_id}/verwendungsnachweis/anerkennen")
async def accept_proof(
    request: Request, application_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    app, _ = await _loaded(api, user, application_id)
    body, errors = forms.accept_body(form, int(app.get("approved_cents") or 0))
    return await _office_step(
        request, api, user, application_id, "/accept", body, errors, form, "anerkannt"
    )
