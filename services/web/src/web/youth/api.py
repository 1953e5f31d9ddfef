"""The youth micro-projects' public pages (no sign-in): the form for young people, the thanks
page, and the sponsor's page to confirm or decline. No JavaScript needed."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.common import ApiDep
from web.site.client import Api
from web.site.security import CheckedForm
from web.site.templates import render
from web.youth import service

router = APIRouter(include_in_schema=False)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _form(
    request: Request,
    api: Api,
    *,
    values: dict[str, str] | None = None,
    errors: list[dict[str, str | None]] | None = None,
    status_code: int = 200,
) -> Response:
    options: dict[str, Any] = await service.options(api)
    return render(
        request,
        "youth/form.html",
        {
            "title": "Dein Projekt für den Jugendfonds",
            "funds": options["funds"],
            "fund_options": [(f["id"], f["name"]) for f in options["funds"]],
            "school_options": [(s["id"], s["name"]) for s in options["schools"]],
            "values": values or {},
            "errors": errors or [],
            "ticket": await service.ticket(api),
        },
        status_code=status_code,
    )


@router.get("/jugendprojekt")
async def form(request: Request, api: ApiDep) -> Response:
    return await _form(request, api)


@router.post("/jugendprojekt")
async def send(request: Request, api: ApiDep, form: CheckedForm) -> Response:
    values = service.values_of(form)
    body, errors = service.body_of(values)
    if not errors:
        refused = await service.send(api, body, _client(request))
        if refused is None:
            return render(
                request,
                "youth/thanks.html",
                {"title": "Danke für dein Projekt!", "sponsor": values["sponsor_name"]},
            )
        errors = refused
    return await _form(request, api, values=values, errors=errors, status_code=422)


async def _sponsor_page(
    request: Request,
    api: Api,
    token: str,
    *,
    errors: list[dict[str, str | None]] | None = None,
    status_code: int = 200,
) -> Response:
    project = await service.for_sponsor(api, token)
    return render(
        request,
        "youth/sponsor.html",
        {
            "title": f"Jugendprojekt bestätigen: {project['title']}",
            "project": project,
            "token_path": quote(token, safe=""),
            "errors": errors or [],
        },
        status_code=status_code,
    )


@router.get("/jugendprojekte/bestaetigen/{token}")
async def sponsor(request: Request, token: str, api: ApiDep) -> Response:
    return await _sponsor_page(request, api, token)


@router.post("/jugendprojekte/bestaetigen/{token}")
async def sponsor_answer(request: Request, token: str, api: ApiDep, form: CheckedForm) -> Response:
    decision = str(form.get("entscheidung") or "")
    if decision not in ("bestaetigen", "ablehnen"):
        errors: list[dict[str, str | None]] = [
            {"field": None, "message": "Bitte wählen Sie „Bestätigen“ oder „Ablehnen“."}
        ]
        return await _sponsor_page(request, api, token, errors=errors, status_code=422)
    confirmed = await service.answer(api, token, decision)
    return render(
        request,
        "youth/answered.html",
        {
            "title": "Projekt bestätigt" if confirmed else "Projekt abgelehnt",
            "confirmed": confirmed,
        },
    )
