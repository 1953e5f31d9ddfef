"""What the registry's pages ask the registry (with the signed-in person's token): lists with
their filters and cursor, one resource with its version, creating (with an idempotency key),
changing (with ``If-Match``), erasing a person, the schools' CSV import and materials."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, BinaryIO

import httpx
import structlog

from web.applications.forms import is_id
from web.auth.schemas import User
from web.public.service import regions
from web.registry.forms import IMPORT_COLUMNS, IMPORT_OPTIONAL, STATE
from web.site.client import Api, ApiError, Reply, ServiceUnavailable

log = structlog.get_logger("web.registry")

PAGE_SIZE = 50


def may_manage(user: User, region: str | None) -> bool:
    """Whether the person may change entries of ``region`` (None: the state level); the
    registry decides again on every change."""
    if user.has_role("state_coordinator"):
        return True
    return user.has_role("network_office") and region is not None and region in user.regions


async def region_choices(api: Api, user: User, *, state: bool = False) -> list[tuple[str, str]]:
    """The regions the person may manage as (slug, name), the state level first when asked."""
    found = [(r["slug"], r["name"]) for r in await regions(api) if may_manage(user, str(r["slug"]))]
    if state and user.has_role("state_coordinator"):
        found.insert(0, (STATE, "Landesebene"))
    return found


async def region_names(api: Api) -> dict[str, str]:
    return {str(r["slug"]): str(r["name"]) for r in await regions(api)} | {STATE: "Landesebene"}


async def page_of(
    api: Api, user: User, path: str, params: dict[str, Any], cursor: str | None
) -> dict[str, Any]:
    """One page of a registry list: ``{items, next_cursor}``."""
    sent = {**params, "limit": PAGE_SIZE, "cursor": cursor}
    found: dict[str, Any] = await api.get("registry", path, params=sent, token=user.token)
    return found


async def one(api: Api, user: User, path: str) -> dict[str, Any]:
    """One resource (404 and 410 as the registry answers; the pages show them as not found)."""
    try:
        reply = await api.call("GET", "registry", path, token=user.token)
    except ApiError as exc:
        if exc.status == 410:
            raise ApiError(404, exc.problem, exc.service) from exc
        raise
    body: dict[str, Any] = reply.body
    return body


async def options(
    api: Api, user: User, path: str, params: dict[str, Any] | None = None
) -> list[tuple[str, str]]:
    """(id, name) of every item of a list, for a select field."""
    items = await api.all_items("registry", path, params=params, token=user.token)
    return [(str(i["id"]), str(i["name"])) for i in items]


async def names_of(api: Api, user: User, path: str, ids: set[str]) -> dict[str, str]:
    """The names of a few referenced resources (a missing one is left out)."""
    found: dict[str, str] = {}
    for item_id in sorted(i for i in ids if i):
        try:
            found[item_id] = str((await one(api, user, f"{path}/{item_id}"))["name"])
        except ApiError as exc:
            if exc.status not in (403, 404):
                raise
    return found


async def create(api: Api, user: User, path: str, body: dict[str, Any], key: str) -> dict[str, Any]:
    """POST a new resource; a retry of the same form (same key) creates nothing new."""
    headers = {"Idempotency-Key": key} if is_id(key) else {}
    reply = await api.call("POST", "registry", path, token=user.token, json=body, headers=headers)
    created: dict[str, Any] = reply.body
    return created


async def change(
    api: Api, user: User, path: str, body: dict[str, Any], if_match: dict[str, str]
) -> dict[str, Any]:
    reply = await api.call("PATCH", "registry", path, token=user.token, json=body, headers=if_match)
    changed: dict[str, Any] = reply.body
    return changed


async def erase_person(api: Api, user: User, person_id: str, if_match: dict[str, str]) -> None:
    """DELETE /persons/{id}: erases the personal data and files the erasure request that reaches
    the other services."""
    await api.call(
        "DELETE", "registry", f"/persons/{person_id}", token=user.token, headers=if_match
    )


# --------------------------------------------------------------------------- schools as CSV

SCHOOL_COLUMNS = IMPORT_COLUMNS + IMPORT_OPTIONAL


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nein"
    text = "" if value is None else str(value)
    # A spreadsheet must not evaluate a cell (the registry's import reads the quote back).
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


async def schools_csv(api: Api, user: User, params: dict[str, Any]) -> str:
    """The filtered schools in the import's own columns (``;``, UTF-8 with BOM for Excel), so
    an edited export can be imported again."""
    items = await api.all_items("registry", "/schools", params=params, token=user.token)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(SCHOOL_COLUMNS)
    for item in items:
        writer.writerow([_cell(item.get(c)) for c in SCHOOL_COLUMNS])
    return out.getvalue()


# --------------------------------------------------------------------------- uploads


@dataclass(frozen=True)
class Upload:
    filename: str
    file: BinaryIO
    content_type: str


async def post_file(
    api: Api,
    user: User,
    path: str,
    upload: Upload,
    *,
    data: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> Reply:
    """POST a form with one file (``file``) to the registry; ``ApiError`` when refused."""
    upload.file.seek(0)
    try:
        response = await api.client("registry").post(
            path,
            params=params,
            data=data or {},
            files={"file": (upload.filename, upload.file, upload.content_type)},
            headers={"Authorization": f"Bearer {user.token}", "Accept": "application/json"},
            timeout=httpx.Timeout(300.0, connect=10.0),
        )
    except httpx.HTTPError as exc:
        log.warning("web.service_unreachable", service="registry", error=type(exc).__name__)
        raise ServiceUnavailable(503, {"title": "unreachable"}, "registry") from exc
    try:
        body = response.json()
    except ValueError:
        body = {"title": response.reason_phrase}
    if response.status_code >= 400:
        raise ApiError(response.status_code, body if isinstance(body, dict) else {}, "registry")
    return Reply(response.status_code, body, response.headers)


async def import_schools(
    api: Api, user: User, upload: Upload, *, partial: bool
) -> tuple[dict[str, Any] | None, ApiError | None]:
    """The import's report (also of a file refused as a whole, where the registry sends one),
    and the refusal when nothing was written."""
    params = {"partial": "true"} if partial else {}
    try:
        reply = await post_file(api, user, "/schools/import", upload, params=params)
    except ApiError as exc:
        if exc.status in (403,) or exc.status >= 500:
            raise
        report = exc.problem.get("report")
        return (report if isinstance(report, dict) else None), exc
    return reply.body, None


async def materials(api: Api, region: str) -> list[dict[str, Any]]:
    """The region's materials (state-wide ones are on the public pages)."""
    found: list[dict[str, Any]] = await api.all_items(
        "registry", "/materials", params={"region": region}
    )
    return found
