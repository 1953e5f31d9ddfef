"""What the application pages ask the services (always with the signed-in person's token) and how
their answers are shaped for the templates: the lists, one application with its history and the
committee session that will decide it, the form's choices, and the changes.

Which committee session decides a submitted application: meetings puts it on the next session of
the fund's deciding committee, and offers, which learns that from meetings' events, names it in
the application's ``deciding_session`` (date, place, whether cancelled) — for every reader, the
applicant side included.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from web.auth.schemas import User
from web.documents.service import listing as document_listing
from web.site.catalogue import APPLICATION_CHANGED, errors_of
from web.site.client import Api, ApiError, Reply
from web.site.formatting import datum_kurz

GROUPS = ("pupils", "parents", "teachers")


def is_id(value: str) -> bool:
    """Whether a path segment is a UUID (anything else is a page that does not exist)."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


async def _quietly(call: Any, default: Any = None) -> Any:
    """An answer the page can do without (a name, a date): refusals and outages give
    ``default``; an expired sign-in still goes to the sign-in page."""
    try:
        return await call
    except ApiError as exc:
        if exc.status == 401:
            raise
        return default


# --------------------------------------------------------------------------- names


async def funds_by_id(api: Api, user: User) -> dict[str, dict[str, Any]]:
    """Every fund the person can read, by id."""
    return {f["id"]: f for f in await api.all_items("offers", "/funds", token=user.token)}


async def topics(api: Api) -> list[tuple[str, str]]:
    """The topic vocabulary: (slug, German name)."""
    answer = await api.get("offers", "/topics")
    return [(t["slug"], t["name"]) for t in answer.get("items", [])]


async def _named(api: Api, path: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Registry records by id (schools or organisations); unknown ones are left out."""
    wanted = sorted(set(ids))
    found = await asyncio.gather(*(_quietly(api.get("registry", f"{path}/{i}")) for i in wanted))
    return {i: record for i, record in zip(wanted, found, strict=True) if record}


async def schools_in(api: Api, regions: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The schools of some regions, by id."""
    lists = await asyncio.gather(
        *(api.all_items("registry", "/schools", params={"region": r}) for r in sorted(set(regions)))
    )
    return {s["id"]: s for found in lists for s in found}


async def region_of(api: Api, user: User) -> str | None:
    """The region a person applies in: their school's, their organisation's, or their office's."""
    if user.school_id:
        school = await _quietly(api.get("registry", f"/schools/{user.school_id}"))
        if school:
            return str(school["region"])
    if user.organization_id:
        org = await _quietly(api.get("registry", f"/organizations/{user.organization_id}"))
        if org and org.get("region"):
            return str(org["region"])
    return next((r for r in user.regions if r != "state"), None)


# --------------------------------------------------------------------------- lists


@dataclass
class Listing:
    """The applications a person sees, with what the table shows of each."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    worklist: bool = False


async def listing(api: Api, user: User, *, status: str | None) -> Listing:
    """„Meine Anträge“ (applicants) or the office's worklist of its regions (with a status
    filter)."""
    params = {"status": status} if status else {}
    apps, funds = await asyncio.gather(
        api.all_items("offers", "/applications", token=user.token, params=params),
        funds_by_id(api, user),
    )
    schools = await _quietly(schools_in(api, {a["region"] for a in apps}), {})
    rows = [
        {
            **app,
            "fund": funds.get(app["fund_id"]),
            "schools": [
                schools.get(s) or {"id": s, "name": "Unbekannte Schule"} for s in app["school_ids"]
            ],
        }
        for app in sorted(apps, key=lambda a: a["updated_at"], reverse=True)
    ]
    return Listing(rows=rows, worklist=user.is_office)


# --------------------------------------------------------------------------- one application


async def application(api: Api, user: User, app_id: str) -> tuple[dict[str, Any], str | None]:
    """The application (404/403 as the API answers) and its ETag."""
    reply = await api.call("GET", "offers", f"/applications/{app_id}", token=user.token)
    return reply.body, reply.etag


async def details(api: Api, user: User, app_id: str) -> dict[str, Any]:
    """Everything the detail page shows: the application, its fund, schools, organisations,
    topics and history (the deciding session comes with the application)."""
    app, _ = await application(api, user, app_id)
    documents = await document_listing(api, user, app_id)  # None: offers did not answer
    fund, history, vocabulary, schools, orgs, attachments = await asyncio.gather(
        _quietly(api.get("offers", f"/funds/{app['fund_id']}", token=user.token)),
        api.get("offers", f"/applications/{app_id}/history", token=user.token),
        topics(api),
        _named(api, "/schools", app["school_ids"]),
        _named(
            api,
            "/organizations",
            [*app["partner_organization_ids"], *filter(None, [app["applicant_organization_id"]])],
        ),
        _quietly(api.get("offers", f"/applications/{app_id}/attachments", token=user.token)),
    )
    return {
        "app": app,
        "documents": documents,
        "fund": fund,
        "history": history.get("items", []),
        "topic_names": dict(vocabulary),
        "schools": schools,
        "organizations": orgs,
        "attachments": attachments.get("items", []) if attachments else None,  # None: no answer
    }


async def office_of(api: Api, region: str | None) -> dict[str, Any] | None:
    """The network office of a region (name, phone, e-mail), for the advice hint."""
    if not region or region == "state":
        return None
    found = await _quietly(api.get("registry", f"/regions/{region}"))
    return found.get("office") if found else None


# --------------------------------------------------------------------------- the form's choices


async def form_choices(api: Api, user: User, region: str | None) -> dict[str, Any]:
    """Funds (of the region and state-wide), schools and organisations of the region, topics."""
    params = {"region": region} if region else {}
    funds, schools, orgs, vocabulary = await asyncio.gather(
        api.all_items("offers", "/funds", token=user.token),
        api.all_items("registry", "/schools", params=params),
        api.all_items("registry", "/organizations", params=params),
        topics(api),
    )
    return {
        "funds": [
            (
                f["id"],
                f"{f['name']} ({datum_kurz(f['period_start'])} bis {datum_kurz(f['period_end'])})",
            )
            for f in funds
            if region is None or f["region"] in (region, None)
        ],
        "schools": [
            (s["id"], f"{s['name']} ({s['city']})" if s.get("city") else s["name"]) for s in schools
        ],
        "organizations": [(o["id"], o["name"]) for o in orgs],
        "topics": vocabulary,
    }


# --------------------------------------------------------------------------- changes


async def create(api: Api, user: User, body: dict[str, Any], key: str) -> dict[str, Any]:
    """A new draft (the form's key makes a repeated send create nothing new)."""
    headers = {"Idempotency-Key": key} if key else {}
    reply = await api.call(
        "POST", "offers", "/applications", token=user.token, json=body, headers=headers
    )
    result: dict[str, Any] = reply.body
    return result


async def change(
    api: Api,
    user: User,
    app_id: str,
    action: str | None,
    *,
    body: dict[str, Any] | None = None,
    if_match: dict[str, str] | None = None,
) -> Reply:
    """PATCH the draft (``action`` None) or a move: submit, withdraw, consultation, decision,
    report, close — with the version the page was shown with."""
    method, path = ("PATCH", f"/applications/{app_id}")
    if action:
        method, path = "POST", f"/applications/{app_id}/{action}"
    return await api.call(
        method, "offers", path, token=user.token, json=body, headers=if_match or {}
    )


async def attempt(
    api: Api,
    user: User,
    app_id: str,
    action: str | None,
    *,
    body: dict[str, Any] | None = None,
    if_match: dict[str, str] | None = None,
    renames: dict[str, str] | None = None,
) -> tuple[int, list[dict[str, Any]]] | None:
    """``change``, with a refusal turned into its status and German errors (None when done):
    a stale version (412) says that the application has changed meanwhile, 409 and 422 say
    which rule or field; anything else is the error page's business."""
    try:
        await change(api, user, app_id, action, body=body, if_match=if_match)
    except ApiError as exc:
        if exc.status == 412:
            return 412, [{"field": None, "message": APPLICATION_CHANGED}]
        if exc.status in (409, 422):
            return exc.status, errors_of(exc, renames=renames)
        raise
    return None
