"""The public pages (no sign-in): the start page, a region's page with its contact list as
HTML, CSV and PDF, and an event's page with its registration form."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.common import ApiDep, OptionalUser
from web.public import service
from web.public.schemas import MEETING_KINDS, PROJECT_STATUS_LABELS, REGION_KINDS, Registration
from web.site.client import Api
from web.site.security import CheckedForm
from web.site.templates import render

router = APIRouter(include_in_schema=False)

LABELS = {
    "region_kinds": REGION_KINDS,
    "meeting_kinds": MEETING_KINDS,
    "project_statuses": PROJECT_STATUS_LABELS,
}


@router.get("/")
async def start(request: Request, api: ApiDep) -> Response:
    regions = await service.regions(api)
    return render(
        request,
        "public/start.html",
        {"title": "Schulerfolg sichern in Sachsen-Anhalt", "regions": regions, **LABELS},
    )


@router.get("/regionen/{slug}")
async def region(request: Request, slug: str, api: ApiDep) -> Response:
    page = await service.region_page(api, slug)
    return render(
        request,
        "public/region.html",
        {"title": page.region["name"], "page": page, **LABELS},
    )


@router.get("/regionen/{slug}/kontakte.csv")
async def contact_list_csv(slug: str, api: ApiDep) -> Response:
    text, filename = await service.contact_list_csv(api, slug)
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": service.download_header(filename)},
    )


@router.get("/regionen/{slug}/kontakte.pdf")
async def contact_list_pdf(slug: str, api: ApiDep) -> Response:
    pdf, filename = await service.contact_list_pdf(api, slug)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": service.download_header(filename, inline=True)},
    )


async def _event_page(
    request: Request,
    api: Api,
    meeting: dict[str, Any],
    *,
    values: dict[str, str] | None = None,
    errors: list[dict[str, str | None]] | None = None,
    registration: Registration | None = None,
    status_code: int = 200,
) -> Response:
    title = str(meeting["title"])
    if registration is not None:
        title = (
            f"Angemeldet: {title}" if registration.status == "confirmed" else f"Warteliste: {title}"
        )
    return render(
        request,
        "public/event.html",
        {
            "title": title,
            "meeting": meeting,
            "region": await service.region_of(api, meeting.get("region")),
            "places": service.places(meeting),
            "closed": service.registration_closed(meeting),
            "values": values or {},
            "errors": errors or [],
            "registration": registration,
            "form_key": service.form_key(),
            **LABELS,
        },
        status_code=status_code,
    )


@router.get("/veranstaltungen/{meeting_id}")
async def event(request: Request, meeting_id: str, api: ApiDep, user: OptionalUser) -> Response:
    meeting = await service.event_for(api, meeting_id, user)
    return await _event_page(request, api, meeting)


@router.post("/veranstaltungen/{meeting_id}")
async def register(request: Request, meeting_id: str, api: ApiDep, form: CheckedForm) -> Response:
    meeting = await service.public_event(api, meeting_id)
    values = service.registration_values(form)
    errors = service.check_registration(values)
    if not errors:
        answer = await service.register(
            api, meeting["id"], values, str(form.get("schluessel") or "")
        )
        if isinstance(answer, Registration):
            meeting = await service.public_event(api, meeting_id)
            return await _event_page(request, api, meeting, registration=answer)
        errors = answer
    return await _event_page(request, api, meeting, values=values, errors=errors, status_code=422)
