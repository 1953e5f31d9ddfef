"""The public pages' calls to the services and the shaping of what they answer.

Every call here is anonymous: the public pages show what the services show to everyone, the
same for a visitor and for a signed-in person (whose own pages are elsewhere).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from babel.numbers import format_decimal
from starlette.exceptions import HTTPException

from web.auth.schemas import User
from web.public.schemas import (
    FILE_TYPES,
    REGISTRATION_FIELDS,
    Material,
    RegionPage,
    Registration,
)
from web.site.catalogue import REGISTRATION_FIELD_ERRORS, REGISTRATION_RULES, registration_errors
from web.site.client import Api, ApiError
from web.site.formatting import LOCALE, datum_zeit
from web.site.templates import templates

_SLUG = re.compile(r"^[a-z0-9-]{1,64}$")
EVENTS_SHOWN = 50
PROJECTS_SHOWN = 100

Errors = list[dict[str, str | None]]


class PageNotFound(HTTPException):
    """The page's resource does not exist or is not public: the „nicht gefunden“ page."""

    def __init__(self) -> None:
        super().__init__(404)


def _checked_slug(slug: str) -> str:
    if not _SLUG.match(slug):
        raise PageNotFound()
    return slug


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _checked_id(meeting_id: str) -> str:
    if not _is_uuid(meeting_id):
        raise PageNotFound()
    return str(uuid.UUID(meeting_id))


# ---------------------------------------------------------------------------- start page


async def regions(api: Api) -> list[dict[str, Any]]:
    """The 14 regions with their offices, by name."""
    items = await api.all_items("registry", "/regions")
    return sorted(items, key=lambda region: region["name"])


# ---------------------------------------------------------------------------- region page


def file_size(size_bytes: int) -> str:
    """„830 Byte“, „12 kB“, „1,2 MB“ (binary units, German numbers)."""
    if size_bytes < 1024:
        return f"{size_bytes} Byte"
    if size_bytes < 1024 * 1024:
        return f"{format_decimal(max(1, round(size_bytes / 1024)), locale=LOCALE)} kB"
    return f"{format_decimal(size_bytes / (1024 * 1024), format='#,##0.0', locale=LOCALE)} MB"


def material(item: dict[str, Any]) -> Material:
    """A registry material as the page lists it; the link is the registry's public download,
    which the gateway serves on the pages' origin."""
    content_type = str(item.get("content_type", "")).split(";")[0].strip().lower()
    return Material(
        title=item["title"],
        description=item.get("description"),
        url=item.get("download_url") or f"/api/v1/materials/{item['id']}/file",
        kind=FILE_TYPES.get(content_type, "Datei"),
        size=file_size(int(item.get("size_bytes") or 0)),
    )


async def _materials(api: Api, region: str) -> list[Material]:
    items = await api.all_items("registry", "/materials", params={"region": region})
    return [material(item) for item in items]


async def _events(api: Api, slug: str) -> list[dict[str, Any]]:
    page = await api.get(
        "meetings",
        "/meetings",
        params={
            "region": slug,
            "status": "scheduled",
            "starts_after": datetime.now(UTC).isoformat(),
            "limit": EVENTS_SHOWN,
        },
    )
    return [event for event in page.get("items", []) if event.get("public")]


async def _projects(api: Api, slug: str) -> list[dict[str, Any]]:
    """The region's funded projects (approved, reported, completed; offers' public list
    without personal data), newest decision first."""
    page = await api.get("offers", "/projects", params={"region": slug, "limit": PROJECTS_SHOWN})
    projects: list[dict[str, Any]] = page.get("items", [])
    return sorted(projects, key=lambda p: p.get("decided_at") or "", reverse=True)


async def region_page(api: Api, slug: str) -> RegionPage:
    """The region, its office, contact list, materials, public events and projects."""
    slug = _checked_slug(slug)
    region = await api.get("registry", f"/regions/{slug}")
    contacts, materials, state_materials, events, projects = await asyncio.gather(
        api.get("registry", f"/regions/{slug}/contact-list"),
        _materials(api, slug),
        _materials(api, "state"),
        _events(api, slug),
        _projects(api, slug),
    )
    return RegionPage(
        region=region,
        contacts=contacts.get("items", []),
        materials=materials,
        state_materials=state_materials,
        events=events,
        projects=projects,
    )


# ---------------------------------------------------------------------------- contact list files

_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def download_header(name: str, *, inline: bool = False) -> str:
    """``Content-Disposition`` for a German file name: an ASCII fallback and the UTF-8 name
    (RFC 6266 / RFC 5987)."""
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "-", name.translate(_UMLAUTS)).strip("-")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def contact_list_filename(region: dict[str, Any], extension: str) -> str:
    """„Kontaktliste Börde.csv“."""
    return f"Kontaktliste {region['name']}.{extension}"


async def contact_list_csv(api: Api, slug: str) -> tuple[str, str]:
    """The registry's CSV of the region's contact list (relayed as it is) and its file name."""
    slug = _checked_slug(slug)
    region = await api.get("registry", f"/regions/{slug}")
    reply = await api.call("GET", "registry", f"/regions/{slug}/contact-list", accept="text/csv")
    return str(reply.body or ""), contact_list_filename(region, "csv")


def render_pdf(html: str) -> bytes:
    """HTML → PDF with WeasyPrint (CPU-bound: call it in a thread)."""
    # Imported here: WeasyPrint loads Pango through cffi, which only this page needs.
    import weasyprint

    # The template needs nothing from anywhere: no URL in it is ever fetched.
    fetcher = weasyprint.URLFetcher(allowed_protocols=())
    pdf: bytes = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
    return pdf


async def contact_list_pdf(api: Api, slug: str) -> tuple[bytes, str]:
    """The region's contact list as a printable A4 PDF, and its file name."""
    slug = _checked_slug(slug)
    region, contacts = await asyncio.gather(
        api.get("registry", f"/regions/{slug}"),
        api.get("registry", f"/regions/{slug}/contact-list"),
    )
    html = templates.env.get_template("public/contact_list_pdf.html").render(
        region=region, contacts=contacts.get("items", []), as_of=datetime.now(UTC)
    )
    pdf = await asyncio.to_thread(render_pdf, html)
    return pdf, contact_list_filename(region, "pdf")


# ---------------------------------------------------------------------------- event page


async def public_event(api: Api, meeting_id: str) -> dict[str, Any]:
    """A public meeting or event; anything else is „nicht gefunden“ (never „sign in“)."""
    meeting_id = _checked_id(meeting_id)
    try:
        meeting: dict[str, Any] = await api.get("meetings", f"/meetings/{meeting_id}")
    except ApiError as exc:
        if exc.status in (401, 403, 404, 422):
            raise PageNotFound() from exc
        raise
    if not meeting.get("public"):
        raise PageNotFound()
    return meeting


async def event_for(api: Api, meeting_id: str, user: User | None) -> dict[str, Any]:
    """The event page's meeting: a public one for everyone; a committee's session, which the
    e-mails to its members link, for those who may read it with their token (shown without
    the registration form); anything else is „nicht gefunden“."""
    try:
        return await public_event(api, meeting_id)
    except PageNotFound:
        if user is None:
            raise
    try:
        meeting: dict[str, Any] = await api.get(
            "meetings", f"/meetings/{_checked_id(meeting_id)}", token=user.token
        )
    except ApiError as exc:
        if exc.status in (401, 403, 404, 422):
            raise PageNotFound() from exc
        raise
    return meeting


async def region_of(api: Api, slug: str | None) -> dict[str, Any] | None:
    """The region an event belongs to (None: the state level)."""
    if not slug or slug == "state":
        return None
    region: dict[str, Any] = await api.get("registry", f"/regions/{slug}")
    return region


def registration_closed(meeting: dict[str, Any], now: datetime | None = None) -> str | None:
    """Why nobody can register now, in German; None while registration is open."""
    now = now or datetime.now(UTC)
    if meeting.get("status") == "cancelled":
        return REGISTRATION_RULES["meeting-cancelled"][1]
    if datetime.fromisoformat(meeting["starts_at"]) <= now:
        return REGISTRATION_RULES["registration-closed"][1]
    deadline = meeting.get("registration_deadline")
    if deadline and datetime.fromisoformat(deadline) < now:
        return (
            f"Die Anmeldefrist ist am {datum_zeit(deadline)} abgelaufen. "
            "Eine Anmeldung ist nicht mehr möglich."
        )
    return None


def places(meeting: dict[str, Any]) -> dict[str, Any]:
    """Free places and the waiting list: ``free`` is None when places are unlimited."""
    capacity = meeting.get("capacity")
    confirmed = int(meeting.get("confirmed") or 0)
    return {
        "capacity": capacity,
        "free": None if capacity is None else max(capacity - confirmed, 0),
        "waitlisted": int(meeting.get("waitlisted") or 0),
    }


def registration_values(form: Any) -> dict[str, str]:
    """The registration form's fields, trimmed."""
    return {name: str(form.get(name) or "").strip() for name in REGISTRATION_FIELDS}


def check_registration(values: dict[str, str]) -> Errors:
    """What is missing before asking meetings (meetings checks again)."""
    errors: Errors = []
    if not values["name"] or len(values["name"]) > 200:
        errors.append({"field": "name", "message": REGISTRATION_FIELD_ERRORS["name"]})
    email = values["email"]
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email) or len(email) > 254:
        errors.append({"field": "email", "message": REGISTRATION_FIELD_ERRORS["email"]})
    if len(values["organization"]) > 300:
        errors.append(
            {"field": "organization", "message": REGISTRATION_FIELD_ERRORS["organization"]}
        )
    return errors


async def register(
    api: Api, meeting_id: str, values: dict[str, str], key: str
) -> Registration | Errors:
    """Register for a public event: the answer (confirmed or waitlisted with its place), or
    the refusal as German errors. ``key`` makes a repeated post of the same form one
    registration."""
    body = {"name": values["name"], "email": values["email"]}
    if values["organization"]:
        body["organization"] = values["organization"]
    headers = {"Idempotency-Key": key} if _is_uuid(key) else None
    try:
        reply = await api.call(
            "POST", "meetings", f"/meetings/{meeting_id}/registrations", json=body, headers=headers
        )
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise PageNotFound() from exc
        if exc.status in (409, 422):
            return registration_errors(exc)
        raise
    answer = reply.body
    return Registration(
        status=answer["status"],
        email=answer["email"],
        waitlist_position=answer.get("waitlist_position"),
    )


def form_key() -> str:
    """A fresh key for one registration form (the Idempotency-Key of its post)."""
    return str(uuid.uuid4())
