"""„Gremien und Sitzungen“: ``/sitzungen`` (the sessions of the person's committees, upcoming
first, and the office's form „Sitzung planen“), ``/sitzungen/{id}`` (the agenda with each
application's summary and the office's recommendation; for the office attendance, a decision per
item, the minutes), ``/gremien`` and ``/gremien/{id}`` (committees, members, quorum, calendar).
``/gremien`` also offers the personal calendar subscription („Kalender abonnieren“): meetings
issues a secret link, shown once, and the web serves it as ``/kalender/{secret}.ics`` to calendar
programs, which have no session.
Thin routes: the API calls are in ``service``, the forms in ``forms``.

Every page takes ``shown`` (``errors``, ``values``, ``status``, ``notice``, …): a GET shows the
notice of the step just done (``?erfolg=…``), a refused POST the page again with its errors."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from web.applications.service import is_id
from web.auth.schemas import User
from web.common import ApiDep, CurrentUser
from web.public.service import regions as all_regions
from web.sessions import forms, service
from web.site.catalogue import STATUSES
from web.site.client import Api
from web.site.security import CheckedForm
from web.site.templates import render

router = APIRouter(include_in_schema=False)

COMMON = {
    "committee_kinds": forms.COMMITTEE_KINDS,
    "roles": forms.ROLES,
    "recommendations": forms.RECOMMENDATIONS,
    "outcomes": forms.OUTCOMES,
    "outcomes_lower": forms.OUTCOMES_LOWER,
    "item_kinds": forms.ITEM_KINDS,
    "statuses": STATUSES,
}
NOTICES = {
    "geplant": "Die Sitzung ist geplant.",
    "anwesenheit": "Die Anwesenheit ist gespeichert.",
    "beschluss": "Der Beschluss ist erfasst.",
    "protokoll": "Das Protokoll ist gespeichert.",
    "veroeffentlicht": "Das Protokoll ist veröffentlicht.",
    "angelegt": "Das Gremium ist angelegt.",
    "mitglied": "Das Mitglied ist eingetragen.",
    "entfernt": "Das Mitglied ist ausgetragen.",
    "beschlussfaehigkeit": "Die Beschlussfähigkeit ist gespeichert.",
    "abo-beendet": "Das Kalender-Abo ist beendet; der bisherige Link funktioniert nicht mehr.",
}
NEW_FEED = (
    "Ihr Kalender-Link ist erstellt. Kopieren Sie ihn jetzt: Aus Sicherheitsgründen zeigen wir "
    "ihn nur dieses eine Mal an. Ein früherer Link funktioniert nicht mehr."
)


def _checked(*ids: str) -> None:
    if not all(is_id(i) for i in ids):
        raise HTTPException(404)


def _reader(user: User) -> None:
    if not (user.is_office or user.has_role("steering_member")):
        raise HTTPException(403)


def _office(user: User) -> None:
    if not user.is_office:
        raise HTTPException(403)


def _to(path: str, notice: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"{path}?erfolg={notice}{anchor}", status_code=303)


def _notice(erfolg: str | None) -> dict[str, Any]:
    return {"notice": NOTICES.get(erfolg or "")}


def _again(form: FormData, refused: service.Refusal, **more: Any) -> dict[str, Any]:
    """What a refused form's page shows: the errors, the values as typed, the status."""
    status, errors = refused
    return {"errors": errors, "values": forms.values_of(form), "status": status, **more}


def _page(request: Request, template: str, context: dict[str, Any], **shown: Any) -> Response:
    return render(
        request,
        template,
        {
            **COMMON,
            **context,
            "errors": shown.get("errors") or [],
            "values": shown.get("values") or {},
            "notice": shown.get("notice"),
        },
        status_code=shown.get("status", 200),
    )


# --------------------------------------------------------------------------- the sessions


async def _sessions_page(request: Request, api: Api, user: User, **shown: Any) -> Response:
    committees = await service.committees(api, user)
    context = {
        "title": "Gremien und Sitzungen",
        "sessions": await service.sessions(api, user, committees),
        "committee_names": {c["id"]: c["name"] for c in committees},
        "committee_options": [(c["id"], c["name"]) for c in committees],
        "may_plan": user.is_office and bool(committees),
    }
    return _page(request, "sessions/list.html", context, **shown)


@router.get("/sitzungen")
async def sessions_page(
    request: Request, user: CurrentUser, api: ApiDep, erfolg: str | None = None
) -> Response:
    _reader(user)
    return await _sessions_page(request, api, user, **_notice(erfolg))


@router.post("/sitzungen")
async def plan_session(
    request: Request, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    _office(user)
    committees = {c["id"]: c for c in await service.committees(api, user)}
    body, errors = forms.session_body(form, committees)
    renames = {"starts_at": "day", "ends_at": "ends"}
    created, refused = await service.submit(
        api, user, "POST", "/meetings", body, errors, renames=renames
    )
    if refused is None:
        return _to(f"/sitzungen/{created['id']}", "geplant")
    return await _sessions_page(request, api, user, **_again(form, refused))


async def _session_page(
    request: Request,
    api: Api,
    user: User,
    meeting_id: str,
    *,
    failed: str | None = None,
    preview: str | None = None,
    **shown: Any,
) -> Response:
    meeting = await service.meeting(api, user, meeting_id)
    if meeting["kind"] not in service.SESSION_KINDS or not meeting.get("committee_id"):
        raise HTTPException(404)
    committee_id = str(meeting["committee_id"])
    committee, _ = await service.committee(api, user, committee_id)
    items = await service.agenda(api, user, meeting_id)
    members = await service.members(api, user, committee_id)
    service.mark_recused(items, members)
    present = await service.attendance(api, user, meeting_id)
    minutes, minutes_version = await service.minutes(api, user, meeting_id)
    if minutes is not None and not minutes["published"] and not user.is_office:
        minutes = None  # members read the minutes once they are published
    values = shown.pop("values", None) or {}
    if minutes is not None and "minutes" not in values:
        values = values | {"minutes": minutes["text"]}
    context = {
        "title": meeting["title"],
        "meeting": meeting,
        "committee": committee,
        "items": items,
        "members": members,
        "present": set(present),
        "voting_present": sum(1 for m in members if m["voting"] and str(m["person_id"]) in present),
        "minutes": minutes,
        "minutes_version": minutes_version or "",
        "minutes_html": service.minutes_html(minutes["text"]) if minutes else None,
        "preview_html": service.minutes_html(preview) if preview is not None else None,
        "may_manage": user.is_office,
        "failed": failed,
    }
    return _page(request, "sessions/detail.html", context, values=values, **shown)


@router.get("/sitzungen/{meeting_id}")
async def session_page(
    request: Request, meeting_id: str, user: CurrentUser, api: ApiDep, erfolg: str | None = None
) -> Response:
    _checked(meeting_id)
    _reader(user)
    return await _session_page(request, api, user, meeting_id, **_notice(erfolg))


def _ics(body: bytes, filename: str) -> Response:
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/sitzungen/{meeting_id}/kalender.ics")
async def session_calendar(meeting_id: str, user: CurrentUser, api: ApiDep) -> Response:
    _checked(meeting_id)
    _reader(user)
    body = await service.calendar(api, user, f"/meetings/{meeting_id}.ics")
    return _ics(body, f"sitzung-{meeting_id}.ics")


@router.post("/sitzungen/{meeting_id}/anwesenheit")
async def record_attendance(
    request: Request, meeting_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    _checked(meeting_id)
    _office(user)
    meeting = await service.meeting(api, user, meeting_id)
    seated = await service.members(api, user, str(meeting["committee_id"]))
    body = forms.attendance_body(form, {str(m["person_id"]) for m in seated})
    path = f"/meetings/{meeting_id}/attendance"
    _, refused = await service.submit(api, user, "POST", path, body)
    if refused is None:
        return _to(f"/sitzungen/{meeting_id}", "anwesenheit", "#anwesenheit")
    return await _session_page(request, api, user, meeting_id, **_again(form, refused))


@router.post("/sitzungen/{meeting_id}/punkte/{item_id}/beschluss")
async def record_decision(
    request: Request,
    meeting_id: str,
    item_id: str,
    user: CurrentUser,
    api: ApiDep,
    form: CheckedForm,
) -> Response:
    _checked(meeting_id, item_id)
    _office(user)
    meeting = await service.meeting(api, user, meeting_id)
    items = await service.agenda(api, user, meeting_id)
    item = next((i for i in items if str(i["id"]) == item_id), None)
    if item is None:
        raise HTTPException(404)
    body, errors = forms.decision_body(form, item)
    refused = (422, errors) if errors else None
    if refused is None:
        refused = await service.record_decision(api, user, meeting, item, body)
    if refused is None:
        return _to(f"/sitzungen/{meeting_id}", "beschluss", f"#punkt-{item_id}")
    shown = _again(form, refused, failed=item_id)
    return await _session_page(request, api, user, meeting_id, **shown)


@router.post("/sitzungen/{meeting_id}/protokoll")
async def write_minutes(
    request: Request, meeting_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    """„Vorschau“ shows the rendered Markdown (nothing is stored); „Protokoll speichern“ stores."""
    _checked(meeting_id)
    _office(user)
    body, errors = forms.minutes_body(form)
    if forms.text(form, "action") == "vorschau":
        values = forms.values_of(form)
        preview = body.get("text", "")
        return await _session_page(request, api, user, meeting_id, values=values, preview=preview)
    version = forms.text(form, "version")
    _, refused = await service.submit(
        api,
        user,
        "PUT",
        f"/meetings/{meeting_id}/minutes",
        body,
        errors,
        renames={"text": "minutes"},
        headers={"If-Match": version} if version else None,
    )
    if refused is None:
        return _to(f"/sitzungen/{meeting_id}", "protokoll", "#protokoll")
    return await _session_page(request, api, user, meeting_id, **_again(form, refused))


@router.post("/sitzungen/{meeting_id}/protokoll/veroeffentlichen")
async def publish_minutes(
    request: Request, meeting_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    _checked(meeting_id)
    _office(user)
    path = f"/meetings/{meeting_id}/minutes/publish"
    _, refused = await service.submit(api, user, "POST", path)
    if refused is None:
        return _to(f"/sitzungen/{meeting_id}", "veroeffentlicht", "#protokoll")
    return await _session_page(request, api, user, meeting_id, **_again(form, refused))


# --------------------------------------------------------------------------- the committees


async def _regions_of(api: Api, user: User) -> dict[str, str]:
    """Where the person may set up committees: slug → name (``state``: the state level)."""
    known = {r["slug"]: r["name"] for r in await all_regions(api)}
    if user.has_role("state_coordinator"):
        return {"state": "Landesebene"} | known
    return {slug: known.get(slug, slug) for slug in user.regions if slug in known}


async def _committees_page(
    request: Request, api: Api, user: User, subscription: dict[str, str] | None = None, **shown: Any
) -> Response:
    regions = await _regions_of(api, user) if user.is_office else {}
    context = {
        "title": "Gremien",
        "committees": await service.committees(api, user),
        "regions": regions,
        "region_names": {**regions, "state": "Landesebene"},
        "may_create": user.is_office and bool(regions),
        "feeds": await service.feeds(api, user),
        "subscription": subscription,
    }
    response = _page(request, "sessions/committees.html", context, **shown)
    if subscription is not None:  # the secret link: in no cache, not even the browser's
        response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/gremien")
async def committees_page(
    request: Request, user: CurrentUser, api: ApiDep, erfolg: str | None = None
) -> Response:
    _reader(user)
    return await _committees_page(request, api, user, **_notice(erfolg))


@router.post("/gremien")
async def create_committee(
    request: Request, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    _office(user)
    body, errors = forms.committee_body(form, await _regions_of(api, user))
    created, refused = await service.submit(api, user, "POST", "/committees", body, errors)
    if refused is None:
        return _to(f"/gremien/{created['id']}", "angelegt")
    return await _committees_page(request, api, user, **_again(form, refused))


@router.post("/gremien/kalender-abo")
async def subscribe_calendar(
    request: Request, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    """„Kalender-Link erstellen“ and „Link erneuern“: a new secret link (the old one stops
    working), shown on this answer only — there is no redirect that would carry it in a URL."""
    _reader(user)
    secret = await service.new_feed(api, user)
    urls = service.feed_urls(request.app.state.settings.public_base_url, secret)
    return await _committees_page(request, api, user, urls, notice=NEW_FEED)


@router.post("/gremien/kalender-abo/{feed_id}/beenden")
async def unsubscribe_calendar(
    feed_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    _checked(feed_id)
    _reader(user)
    await service.revoke_feed(api, user, feed_id)
    return _to("/gremien", "abo-beendet", "#kalender")


@router.get("/kalender/{secret}.ics")
async def subscribed_calendar(secret: str, api: ApiDep) -> Response:
    """A person's subscription for their calendar program: no session, the secret is the key
    (meetings answers the sessions of the person's committees); 404 when unknown or revoked."""
    body = await service.feed_calendar(api, secret)
    if body is None:
        raise HTTPException(404)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": 'inline; filename="sitzungen.ics"',
            "Cache-Control": "private, no-store",
        },
    )


async def _committee_page(
    request: Request, api: Api, user: User, committee_id: str, **shown: Any
) -> Response:
    committee, version = await service.committee(api, user, committee_id)
    members = await service.members(api, user, committee_id)
    seated = {str(m["person_id"]) for m in members}
    persons = []
    if user.is_office:
        found = await service.region_persons(api, user, committee["region"])
        persons = [(p["id"], p["name"]) for p in found if str(p["id"]) not in seated]
    context = {
        "title": committee["name"],
        "committee": committee,
        "version": version or "",
        "members": sorted(members, key=lambda m: (m["name"] or "", str(m["person_id"]))),
        "persons": persons,
        "sessions": await service.sessions(api, user, [committee], committee_id),
        "may_manage": user.is_office,
    }
    return _page(request, "sessions/committee.html", context, **shown)


@router.get("/gremien/{committee_id}")
async def committee_page(
    request: Request, committee_id: str, user: CurrentUser, api: ApiDep, erfolg: str | None = None
) -> Response:
    _checked(committee_id)
    _reader(user)
    return await _committee_page(request, api, user, committee_id, **_notice(erfolg))


@router.get("/gremien/{committee_id}/kalender.ics")
async def committee_calendar(committee_id: str, user: CurrentUser, api: ApiDep) -> Response:
    """The committee's sessions (from half a year ago on) as one iCalendar file."""
    _checked(committee_id)
    _reader(user)
    await service.committee(api, user, committee_id)  # 403/404 for a committee not the person's
    body = await service.calendar(api, user, "/meetings.ics", {"committee_id": committee_id})
    return _ics(body, f"gremium-{committee_id}.ics")


async def _committee_step(
    request: Request,
    api: Api,
    user: User,
    form: FormData,
    committee_id: str,
    change: tuple[str, str, dict[str, Any] | None],
    errors: list[dict[str, Any]],
    notice: str,
    headers: dict[str, str] | None = None,
) -> Response:
    method, path, body = change
    _, refused = await service.submit(api, user, method, path, body, errors, headers=headers)
    if refused is None:
        return _to(f"/gremien/{committee_id}", notice)
    return await _committee_page(request, api, user, committee_id, **_again(form, refused))


@router.post("/gremien/{committee_id}/mitglieder")
async def add_member(
    request: Request, committee_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    _checked(committee_id)
    _office(user)
    committee, _ = await service.committee(api, user, committee_id)
    persons = await service.region_persons(api, user, committee["region"])
    body, errors = forms.member_body(form, {str(p["id"]): p["name"] for p in persons})
    change = ("POST", f"/committees/{committee_id}/members", body)
    return await _committee_step(request, api, user, form, committee_id, change, errors, "mitglied")


@router.post("/gremien/{committee_id}/mitglieder/{person_id}/entfernen")
async def remove_member(
    request: Request,
    committee_id: str,
    person_id: str,
    user: CurrentUser,
    api: ApiDep,
    form: CheckedForm,
) -> Response:
    _checked(committee_id, person_id)
    _office(user)
    change = ("DELETE", f"/committees/{committee_id}/members/{person_id}", None)
    return await _committee_step(request, api, user, form, committee_id, change, [], "entfernt")


@router.post("/gremien/{committee_id}/beschlussfaehigkeit")
async def set_quorum(
    request: Request, committee_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    _checked(committee_id)
    _office(user)
    quorum, errors = forms.quorum_of(form)
    version = forms.text(form, "version")
    change = ("PATCH", f"/committees/{committee_id}", {"quorum": quorum})
    headers = {"If-Match": version} if version else None
    return await _committee_step(
        request, api, user, form, committee_id, change, errors, "beschlussfaehigkeit", headers
    )
