"""„Veranstaltungen verwalten“: ``/veranstaltungen/verwalten`` (the office's trainings, network
meetings, expert exchanges and conferences, upcoming first, with places taken and the waiting
list), ``…/neu`` („Veranstaltung planen“), ``…/{id}`` (the registrations and the waiting list
in order), ``…/{id}/bearbeiten``, ``…/{id}/absagen`` and
``…/{id}/anmeldungen/{rid}/stornieren`` (each with a confirmation page); on the event's page
its organisers enter the ESF+ participant figures (``…/{id}/teilnehmende``) of an event that
collects them, and — once it has begun — who of the registrants was present
(``…/{id}/anwesenheit``, checkboxes), with the certificate of each one present.

The registrant's certificate (issue 20): ``/veranstaltungen/{id}/anmeldungen/{rid}/
teilnahmebescheinigung`` (the link in their e-mail; signed in or by the registration's id) is a
page with the download, ``….pdf`` relays the PDF meetings renders.

These literal paths sit beside the public ``/veranstaltungen/{id}``: main.py includes this
router before the public one, so ``/veranstaltungen/verwalten`` is never taken for an event id.
Thin routes: the API calls are in ``service``, the form in ``forms``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from schulerfolg.topics import TOPICS
from web.applications.service import is_id
from web.auth.schemas import User
from web.common import ApiDep, CurrentUser, OptionalUser
from web.events import forms, service
from web.proof_of_use import figures
from web.public.schemas import MEETING_KINDS
from web.public.service import form_key
from web.sessions.forms import text, values_of
from web.site.client import FILE_HEADERS, Api
from web.site.security import CheckedForm
from web.site.templates import render

router = APIRouter(include_in_schema=False)

BASE = "/veranstaltungen/verwalten"
NOTICES = {
    "geplant": "Die Veranstaltung ist geplant.",
    "geaendert": "Die Änderungen sind gespeichert.",
    "abgesagt": "Die Veranstaltung ist abgesagt. Die Angemeldeten werden benachrichtigt.",
    "storniert": "Die Anmeldung ist storniert. Ist ein Platz frei geworden, ist die erste "
    "Person der Warteliste nachgerückt.",
    "teilnehmende": "Die Teilnehmenden (ESF+) sind gespeichert.",
    "anwesenheit": "Die Anwesenheit ist gespeichert. Wer neu als anwesend eingetragen ist, "
    "erhält die Teilnahmebescheinigung per E-Mail, wenn es für die Veranstaltung eine gibt.",
}


def _office(user: User, *ids: str) -> None:
    if not user.is_office:
        raise HTTPException(403)
    if not all(is_id(i) for i in ids):
        raise HTTPException(404)


def _page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    context = {"meeting_kinds": MEETING_KINDS, "event_kinds": forms.EVENT_KINDS, **context}
    context.setdefault("errors", [])
    context.setdefault("values", {})
    return render(request, template, context, status_code=status)


def _to(meeting_id: str, notice: str) -> RedirectResponse:
    return RedirectResponse(f"{BASE}/{meeting_id}?erfolg={notice}", status_code=303)


@router.get(BASE)
async def events_page(request: Request, user: CurrentUser, api: ApiDep) -> Response:
    _office(user)
    context = {"title": "Veranstaltungen verwalten", "events": await service.events(api, user)}
    return _page(request, "events/list.html", context)


# --------------------------------------------------------------------------- plan and edit


async def _form_page(
    request: Request,
    api: Api,
    user: User,
    *,
    meeting: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    regions = await service.regions_of(api, user) if meeting is None else {}
    context = {
        "title": "Veranstaltung planen" if meeting is None else "Veranstaltung bearbeiten",
        "meeting": meeting,
        "regions": regions,
        "values": values or {},
        "errors": errors or [],
        "form_key": form_key(),
        "topics": TOPICS.items(),
    }
    return _page(request, "events/form.html", context, status)


@router.get(f"{BASE}/neu")
async def new_page(request: Request, user: CurrentUser, api: ApiDep) -> Response:
    _office(user)
    return await _form_page(request, api, user)


@router.post(f"{BASE}/neu")
async def plan(request: Request, user: CurrentUser, api: ApiDep, form: CheckedForm) -> Response:
    _office(user)
    body, errors = forms.event_body(form, await service.regions_of(api, user), new=True)
    if not errors:
        key = text(form, "schluessel")
        created, refused = await service.change(
            api, user, "POST", "/meetings", body, key=key if is_id(key) else None
        )
        if refused is None:
            return _to(str(created["id"]), "geplant")
        errors = refused[1]
    return await _form_page(
        request,
        api,
        user,
        values=values_of(form) | {"topics": forms.topics_of(form)},
        errors=errors,
        status=422,
    )


async def _event_page(
    request: Request,
    api: Api,
    user: User,
    meeting_id: str,
    *,
    notice: str | None = None,
    esf: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    meeting, _ = await service.event(api, user, meeting_id)
    participation = (
        await service.participation(api, user, meeting_id)
        if meeting.get("collects_participant_figures")
        else None
    )
    context = {
        "title": meeting["title"],
        "meeting": meeting,
        "topic_names": TOPICS,
        "registrations": await service.registrations(api, user, meeting_id),
        "notice": notice,
        "participation": participation,
        "esf": esf
        if esf is not None
        else figures.of_figures((participation or {}).get("participants")),
        "errors": errors or [],
        "attendance": service.attendance_view(meeting),
        **figures.LABELS,
    }
    return _page(request, "events/detail.html", context, status)


@router.get(f"{BASE}/{{meeting_id}}")
async def event_page(
    request: Request, meeting_id: str, user: CurrentUser, api: ApiDep, erfolg: str | None = None
) -> Response:
    _office(user, meeting_id)
    return await _event_page(request, api, user, meeting_id, notice=NOTICES.get(erfolg or ""))


@router.post(f"{BASE}/{{meeting_id}}/teilnehmende")
async def save_participants(
    request: Request, meeting_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    """„Teilnehmende (ESF+)“: the participant figures by sex and age group."""
    _office(user, meeting_id)
    typed = figures.read(form)
    body, errors = figures.body(typed)
    if not errors and body is None:
        errors = [{"field": "esf", "message": figures.MISSING}]
    status = 422
    shown: dict[str, str] | None = typed
    if not errors and body is not None:
        refused = await service.save_figures(api, user, meeting_id, body, text(form, "version"))
        if refused is None:
            return _to(meeting_id, "teilnehmende")
        status, errors = refused
        shown = None if status == 412 else typed  # changed meanwhile: show the current figures
    return await _event_page(
        request, api, user, meeting_id, esf=shown, errors=errors, status=status
    )


@router.get(f"{BASE}/{{meeting_id}}/bearbeiten")
async def edit_page(request: Request, meeting_id: str, user: CurrentUser, api: ApiDep) -> Response:
    _office(user, meeting_id)
    meeting, version = await service.event(api, user, meeting_id)
    values = forms.values_of_meeting(meeting) | {"version": version}
    return await _form_page(request, api, user, meeting=meeting, values=values)


@router.post(f"{BASE}/{{meeting_id}}/bearbeiten")
async def edit(
    request: Request, meeting_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    _office(user, meeting_id)
    meeting, current = await service.event(api, user, meeting_id)
    body, errors = forms.event_body(form, {}, new=False)
    values = values_of(form) | {"kind": meeting["kind"], "topics": forms.topics_of(form)}
    if not errors:
        path = f"/meetings/{meeting_id}"
        version = text(form, "version")
        _, refused = await service.change(api, user, "PATCH", path, body, version=version)
        if refused is None:
            return _to(meeting_id, "geaendert")
        errors = refused[1]
        if refused[0] == 412:  # changed meanwhile: show the current event to change again
            values = forms.values_of_meeting(meeting) | {"version": current}
            errors = [{"field": None, "message": service.CHANGED}]
    return await _form_page(
        request, api, user, meeting=meeting, values=values, errors=errors, status=422
    )


# --------------------------------------------------------------------------- cancelling


async def _cancel_page(
    request: Request,
    api: Api,
    user: User,
    meeting_id: str,
    errors: list[dict[str, Any]] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    meeting, version = await service.event(api, user, meeting_id)
    if meeting["status"] == "cancelled":
        return _to(meeting_id, "abgesagt")
    context = {
        "title": "Veranstaltung absagen",
        "meeting": meeting,
        "version": version,
        "errors": errors or [],
        "values": values or {},
    }
    return _page(request, "events/cancel.html", context, status)


@router.get(f"{BASE}/{{meeting_id}}/absagen")
async def cancel_page(
    request: Request, meeting_id: str, user: CurrentUser, api: ApiDep
) -> Response:
    _office(user, meeting_id)
    return await _cancel_page(request, api, user, meeting_id)


@router.post(f"{BASE}/{{meeting_id}}/absagen")
async def cancel(
    request: Request, meeting_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    _office(user, meeting_id)
    await service.event(api, user, meeting_id)
    body, errors = forms.cancel_body(form)
    if not errors:
        path = f"/meetings/{meeting_id}/cancel"
        version = text(form, "version")
        _, refused = await service.change(api, user, "POST", path, body, version=version)
        if refused is None:
            return _to(meeting_id, "abgesagt")
        errors = refused[1]
    return await _cancel_page(request, api, user, meeting_id, errors, values_of(form), status=409)


@router.get(f"{BASE}/{{meeting_id}}/anmeldungen/{{registration_id}}/stornieren")
async def cancel_registration_page(
    request: Request, meeting_id: str, registration_id: str, user: CurrentUser, api: ApiDep
) -> Response:
    _office(user, meeting_id, registration_id)
    return await _registration_page(request, api, user, meeting_id, registration_id)


async def _registration_page(
    request: Request,
    api: Api,
    user: User,
    meeting_id: str,
    registration_id: str,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    meeting, _ = await service.event(api, user, meeting_id)
    found = await service.registration(api, user, meeting_id, registration_id)
    if found["status"] == "cancelled":
        return _to(meeting_id, "storniert")
    context = {
        "title": "Anmeldung stornieren",
        "meeting": meeting,
        "registration": found,
        "errors": errors or [],
    }
    return _page(request, "events/cancel_registration.html", context, status)


@router.post(f"{BASE}/{{meeting_id}}/anmeldungen/{{registration_id}}/stornieren")
async def cancel_registration(
    request: Request,
    meeting_id: str,
    registration_id: str,
    user: CurrentUser,
    api: ApiDep,
    form: CheckedForm,
) -> Response:
    _office(user, meeting_id, registration_id)
    await service.event(api, user, meeting_id)
    path = f"/meetings/{meeting_id}/registrations/{registration_id}"
    _, refused = await service.change(api, user, "DELETE", path, version=text(form, "version"))
    if refused is None:
        return _to(meeting_id, "storniert")
    return await _registration_page(
        request, api, user, meeting_id, registration_id, refused[1], status=refused[0]
    )


@router.post(f"{BASE}/{{meeting_id}}/anwesenheit")
async def save_attendance(
    request: Request, meeting_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    """„Anwesenheit“: the ticked confirmed registrants were present, the others not."""
    _office(user, meeting_id)
    await service.event(api, user, meeting_id)
    present = {str(value) for value in form.getlist("anwesend")}
    errors = await service.save_attendance(api, user, meeting_id, present)
    if not errors:
        return _to(meeting_id, "anwesenheit")
    return await _event_page(request, api, user, meeting_id, errors=errors, status=409)


CERTIFICATE = "/veranstaltungen/{meeting_id}/anmeldungen/{registration_id}/teilnahmebescheinigung"


@router.get(CERTIFICATE)
async def certificate_page(
    request: Request, meeting_id: str, registration_id: str, api: ApiDep, user: OptionalUser
) -> Response:
    """The registrant's page from the e-mail: the certificate to download, or why there is
    none."""
    if not (is_id(meeting_id) and is_id(registration_id)):
        raise HTTPException(404)
    found = await service.certificate(api, user, meeting_id, registration_id)
    context = {
        "title": "Ihre Teilnahmebescheinigung",
        "download": f"/veranstaltungen/{meeting_id}/anmeldungen/{registration_id}"
        "/teilnahmebescheinigung.pdf",
        "refused": found[1] if isinstance(found, tuple) else None,
    }
    status = found[0] if isinstance(found, tuple) else 200
    return _page(request, "events/certificate.html", context, status)


@router.get(CERTIFICATE + ".pdf")
async def certificate_pdf(
    request: Request, meeting_id: str, registration_id: str, api: ApiDep, user: OptionalUser
) -> Response:
    """The certificate as the PDF meetings renders, as a download."""
    if not (is_id(meeting_id) and is_id(registration_id)):
        raise HTTPException(404)
    found = await service.certificate(api, user, meeting_id, registration_id)
    if isinstance(found, tuple):
        context = {"title": "Ihre Teilnahmebescheinigung", "refused": found[1]}
        return _page(request, "events/certificate.html", context, found[0])
    headers = FILE_HEADERS | {"Content-Disposition": service.CERTIFICATE_FILE}
    return Response(found, media_type="application/pdf", headers=headers)
