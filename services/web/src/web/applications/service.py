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
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from web.applications.forms import ListFilters
from web.applications.forms import is_id as is_id  # where the other pages import it from
from web.auth.schemas import User
from web.documents.service import listing as document_listing
from web.site.catalogue import APPLICATION_CHANGED, errors_of, rule_message, status_name
from web.site.client import Api, ApiError, Reply
from web.site.formatting import datum_kurz, euro_input

GROUPS = ("pupils", "parents", "teachers")


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
    """The applications a person sees, with what the table shows of each; for the office one
    page of the filtered worklist with the cursor of the next, and the filters' choices."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: str | None = None
    choices: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def _rows(
    apps: list[dict[str, Any]],
    funds: dict[str, dict[str, Any]],
    schools: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    return [
        {
            **app,
            "fund": funds.get(app["fund_id"]),
            "schools": [
                schools.get(s) or {"id": s, "name": "Unbekannte Schule"} for s in app["school_ids"]
            ],
        }
        for app in apps
    ]


async def listing(api: Api, user: User, *, status: str | None) -> Listing:
    """„Meine Anträge“: every application of the applicant side, latest change first."""
    params = {"status": status} if status else {}
    apps, funds = await asyncio.gather(
        api.all_items("offers", "/applications", token=user.token, params=params),
        funds_by_id(api, user),
    )
    schools = await _quietly(schools_in(api, {a["region"] for a in apps}), {})
    apps = sorted(apps, key=lambda a: a["updated_at"], reverse=True)
    return Listing(rows=_rows(apps, funds, schools))


PAGE_SIZE = 50


def list_regions(user: User, filters: ListFilters) -> list[str] | None:
    """The regions whose schools the filter offers: the office's own, or the region chosen by
    the state coordination (None: none chosen, no school choice)."""
    if user.has_role("state_coordinator"):
        chosen = filters.values.get("region")
        return [chosen] if chosen else None
    return sorted(r for r in user.regions if r != "state")


async def _page_of(
    api: Api, user: User, params: dict[str, str], cursor: str | None
) -> dict[str, Any]:
    """One page of offers' list; a cursor offers no longer takes gives the first page."""
    query: dict[str, Any] = {**params, "limit": PAGE_SIZE, "cursor": cursor}
    try:
        page: dict[str, Any] = await api.get(
            "offers", "/applications", params=query, token=user.token
        )
    except ApiError as exc:
        if not cursor or exc.status not in (400, 422):
            raise
        page = await api.get(
            "offers", "/applications", params={**query, "cursor": None}, token=user.token
        )
    return page


async def worklist(
    api: Api,
    user: User,
    filters: ListFilters,
    cursor: str | None,
    regions: list[str] | None,
    vocabulary: list[tuple[str, str]],
) -> Listing:
    """One page of the office's filtered worklist (offers' order and cursors), with the
    choices of the filter form: funds, schools, topics and (state coordination) regions."""
    page, funds, schools, region_list = await asyncio.gather(
        _page_of(api, user, filters.api_params(), cursor),
        funds_by_id(api, user),
        _quietly(schools_in(api, regions or []), {}),
        _quietly(api.get("registry", "/regions"), {"items": []}),
    )
    apps = page.get("items", [])
    missing = {s for a in apps for s in a["school_ids"]} - set(schools)
    named = {**schools, **(await _named(api, "/schools", missing) if missing else {})}
    shown_funds = [
        f for f in funds.values() if regions is None or f.get("region") in (*regions, None)
    ]
    return Listing(
        rows=_rows(apps, funds, named),
        next_cursor=page.get("next_cursor"),
        choices={
            "funds": sorted(((f["id"], f["name"]) for f in shown_funds), key=lambda c: c[1]),
            "schools": sorted(((s["id"], s["name"]) for s in schools.values()), key=lambda c: c[1]),
            "topics": vocabulary,
            "regions": [(r["slug"], r["name"]) for r in region_list.get("items", [])],
        },
    )


CSV_HEADER = (
    "Titel",
    "Region",
    "Schulen",
    "Förderfonds",
    "Status",
    "Themen",
    "Beantragt (EUR)",
    "Bewilligt (EUR)",
    "Eingereicht am",
    "Entschieden am",
    "Sitzung",
    "Antrags-ID",
)


async def worklist_rows(
    api: Api, user: User, filters: ListFilters, vocabulary: list[tuple[str, str]]
) -> list[list[str]]:
    """Every application of the filtered worklist as CSV cells (German numbers and dates)."""
    apps, funds = await asyncio.gather(
        api.all_items("offers", "/applications", params=filters.api_params(), token=user.token),
        funds_by_id(api, user),
    )
    schools = await _quietly(schools_in(api, {a["region"] for a in apps}), {})
    names = dict(vocabulary)
    return [
        [
            row["title"],
            row["region"],
            ", ".join(s["name"] for s in row["schools"]),
            row["fund"]["name"] if row["fund"] else "",
            status_name(row["status"]),
            ", ".join(names.get(t, t) for t in row["topics"]),
            euro_input(row["requested_cents"]),
            euro_input(row.get("approved_cents")),
            datum_kurz(row.get("submitted_at")),
            datum_kurz(row.get("decided_at")),
            datum_kurz((row.get("deciding_session") or {}).get("starts_at")),
            row["id"],
        ]
        for row in _rows(apps, funds, schools)
    ]


# --------------------------------------------------------------------------- one application


async def application(api: Api, user: User, app_id: str) -> tuple[dict[str, Any], str | None]:
    """The application (404/403 as the API answers) and its ETag."""
    reply = await api.call("GET", "offers", f"/applications/{app_id}", token=user.token)
    return reply.body, reply.etag


async def details(api: Api, user: User, app_id: str) -> dict[str, Any]:
    """Everything the detail page shows: the application, its fund, schools, organisations,
    topics and history (the deciding session comes with the application)."""
    app, _ = await application(api, user, app_id)
    documents, decisions = await asyncio.gather(
        document_listing(api, user, app_id),  # None: offers did not answer
        _decisions(api, user, app_id) if user.is_office else _nothing(),
    )
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
        "decisions": decisions,
    }


async def _nothing() -> list[dict[str, Any]]:
    return []


async def _decisions(api: Api, user: User, app_id: str) -> list[dict[str, Any]]:
    """Every decision taken on the application, committee decisions offers refused included
    (with the German sentence for the rule that failed), for the office."""
    answer = await _quietly(
        api.get("offers", f"/applications/{app_id}/decisions", token=user.token), {}
    )
    return [
        {**d, "message": None if d.get("applied") else rule_message(d.get("refused_rule"))}
        for d in answer.get("items", [])
    ]


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
