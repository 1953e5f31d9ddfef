"""„Umlaufverfahren“: ``/gremien/{id}/umlaufverfahren`` (a committee's circular decisions, and for
the office the form to start one about a waiting application or a question) and
``/umlaufverfahren/{id}`` (the circular with its record — who voted how, who is recused, who has
not voted — and for a voting member who has not voted the vote form). meetings decides who reads
and who votes; a refused vote shows the page again with the German reason.
Thin routes: the API calls are in ``service``, the forms in ``forms``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from web.applications.service import is_id
from web.auth.schemas import User
from web.circulars import forms, service
from web.common import ApiDep, CurrentUser
from web.sessions import forms as sessions_forms
from web.sessions import service as sessions
from web.site.client import Api
from web.site.security import CheckedForm
from web.site.templates import render

router = APIRouter(include_in_schema=False)

COMMON = {
    "vote_labels": forms.VOTES,
    "state_labels": forms.STATES,
    "status_labels": forms.STATUSES,
    "outcome_labels": forms.OUTCOMES,
}
NOTICES = {
    "gestartet": "Das Umlaufverfahren ist gestartet; die stimmberechtigten Mitglieder werden "
    "per E-Mail gebeten abzustimmen.",
    "abgestimmt": "Ihre Stimme ist gezählt.",
}


def _checked(*ids: str) -> None:
    if not all(is_id(i) for i in ids):
        raise HTTPException(404)


def _page(request: Request, template: str, context: dict[str, Any], **shown: Any) -> Response:
    return render(
        request,
        template,
        {
            **COMMON,
            **context,
            "errors": shown.get("errors") or [],
            "values": shown.get("values") or {},
            "notice": NOTICES.get(shown.get("erfolg") or ""),
        },
        status_code=shown.get("status", 200),
    )


async def _list_page(
    request: Request, api: Api, user: User, committee_id: str, **shown: Any
) -> Response:
    committee, _ = await sessions.committee(api, user, committee_id)
    may_start = user.is_office
    context = {
        "title": f"Umlaufverfahren – {committee['name']}",
        "committee": committee,
        "circulars": await service.circulars(api, user, committee_id),
        "may_start": may_start,
        "applications": (
            list((await service.open_applications(api, user, committee_id)).items())
            if may_start
            else []
        ),
    }
    return _page(request, "circulars/list.html", context, **shown)


@router.get("/gremien/{committee_id}/umlaufverfahren")
async def list_page(
    request: Request, committee_id: str, user: CurrentUser, api: ApiDep, erfolg: str | None = None
) -> Response:
    _checked(committee_id)
    return await _list_page(request, api, user, committee_id, erfolg=erfolg)


@router.post("/gremien/{committee_id}/umlaufverfahren")
async def start(
    request: Request, committee_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    _checked(committee_id)
    applications = await service.open_applications(api, user, committee_id)
    body, errors = forms.start_body(form, applications)
    path = f"/committees/{committee_id}/circulars"
    started, refused = await sessions.submit(api, user, "POST", path, body, errors)
    if refused is None:
        return RedirectResponse(f"/umlaufverfahren/{started['id']}?erfolg=gestartet", 303)
    status, shown_errors = refused
    values = sessions_forms.values_of(form)
    return await _list_page(
        request, api, user, committee_id, errors=shown_errors, values=values, status=status
    )


async def _circular_page(
    request: Request, api: Api, user: User, circular_id: str, **shown: Any
) -> Response:
    circular = await service.circular(api, user, circular_id)
    committee, _ = await sessions.committee(api, user, str(circular["committee_id"]))
    context = {
        "title": f"Umlaufverfahren: {circular['title']}",
        "circular": circular,
        "committee": committee,
        "may_vote": circular["status"] == "open" and circular.get("my_state") == "not_voted",
    }
    return _page(request, "circulars/detail.html", context, **shown)


@router.get("/umlaufverfahren/{circular_id}")
async def circular_page(
    request: Request, circular_id: str, user: CurrentUser, api: ApiDep, erfolg: str | None = None
) -> Response:
    _checked(circular_id)
    return await _circular_page(request, api, user, circular_id, erfolg=erfolg)


@router.post("/umlaufverfahren/{circular_id}/stimme")
async def vote(
    request: Request, circular_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    _checked(circular_id)
    body, errors = forms.vote_of(form)
    path = f"/circulars/{circular_id}/votes"
    _, refused = await sessions.submit(api, user, "POST", path, body, errors)
    if refused is None:
        return RedirectResponse(f"/umlaufverfahren/{circular_id}?erfolg=abgestimmt", 303)
    status, shown_errors = refused
    return await _circular_page(request, api, user, circular_id, errors=shown_errors, status=status)
