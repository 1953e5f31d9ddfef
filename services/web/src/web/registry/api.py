"""The registry's pages: ``/schulen`` (list with search and filters in the address, cursor
paging, CSV), ``/schulen/{id}``, ``/schulen/neu``, ``/schulen/{id}/bearbeiten``, the CSV import
``/schulen/import``; the same for providers (``/traeger``) and persons (``/personen``, with the
erasure of a person's data); ``/materialien`` (a region's downloads and their upload). Thin
routes: the calls are in ``service``, the forms and German sentences in ``forms``."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from schulerfolg.regions import REGION_SLUGS
from web.applications.forms import is_id
from web.auth.schemas import User
from web.common import ApiDep, CurrentUser
from web.public.service import material
from web.registry import forms, service
from web.registry.forms import Field, RegistryForm
from web.site.client import Api, ApiError
from web.site.security import CheckedForm
from web.site.templates import render

router = APIRouter(include_in_schema=False)

NOTICES = {
    "angelegt": "Der Eintrag ist angelegt.",
    "gespeichert": "Die Änderungen sind gespeichert.",
    "geloescht": "Die personenbezogenen Daten sind gelöscht. Die anderen Dienste wurden "
    "beauftragt, ihre Daten zu dieser Person ebenfalls zu löschen.",
    "hochgeladen": "Das Material ist hochgeladen und auf der Seite der Region zu finden.",
}
YES_NO = {"ja": True, "nein": False}
UPLOAD_FORM_BYTES = 12 * 1024 * 1024  # the import's 10 MiB, the materials' default 20 MB below
MATERIAL_FORM_BYTES = 24 * 1024 * 1024
BODY_LIMIT_KEY = "schulerfolg.max_body_bytes"  # the per-route cap schulerfolg's BodyGuard reads


def _body_cap(limit: int) -> Callable[[Request], None]:
    def raise_cap(request: Request) -> None:
        request.scope[BODY_LIMIT_KEY] = limit

    return raise_cap


@dataclass(frozen=True)
class Kind:
    """One kind of registry entry and its pages."""

    api: str  # "/schools"
    page: str  # "/schulen"
    fields: tuple[Field, ...]
    one: str  # „Schule“
    many: str  # „Schulen“
    new: str  # „Neue Schule“


SCHOOLS = Kind("/schools", "/schulen", forms.SCHOOL_FIELDS, "Schule", "Schulen", "Neue Schule")
PROVIDERS = Kind(
    "/organizations", "/traeger", forms.ORGANIZATION_FIELDS, "Träger", "Träger", "Neuer Träger"
)
PERSONS = Kind("/persons", "/personen", forms.PERSON_FIELDS, "Person", "Personen", "Neue Person")
KINDS = (SCHOOLS, PROVIDERS, PERSONS)


@dataclass
class ListQuery:
    """What every list takes from the address besides its own filter."""

    q: str | None = None
    region: str | None = None
    cursor: str | None = None
    erfolg: str | None = None


ListDep = Annotated[ListQuery, Depends()]


def _office_only(user: User) -> None:
    if not user.is_office:
        raise HTTPException(403)


def _checked(item_id: str) -> str:
    if not is_id(item_id):
        raise HTTPException(404)
    return item_id


def _choice(value: str | None, allowed: Any) -> str | None:
    return value if value and value in allowed else None


def _search(q: str | None) -> str | None:
    text = (q or "").strip()[:200]
    return text or None


async def _organization_options(api: Api, user: User) -> list[tuple[str, str]]:
    """The providers a school or person of the person's regions can refer to."""
    if user.has_role("state_coordinator"):
        return await service.options(api, user, "/organizations")
    found: list[tuple[str, str]] = []
    for region in user.regions:
        found += await service.options(api, user, "/organizations", {"region": region})
    return sorted(found, key=lambda option: option[1].lower())


async def _choices(api: Api, user: User, kind: Kind) -> dict[str, list[tuple[str, str]]]:
    """The options of the form's select fields."""
    choices = {f.name: list(f.options.items()) for f in kind.fields if f.options}
    choices["region"] = await service.region_choices(api, user, state=kind is not SCHOOLS)
    if kind is SCHOOLS:
        choices["social_work_provider_id"] = await _organization_options(api, user)
    if kind is PERSONS:
        choices["organization_id"] = await _organization_options(api, user)
    return choices


async def _listing(
    request: Request,
    api: Api,
    user: User,
    kind: Kind,
    template: str,
    params: dict[str, Any],
    shown: dict[str, Any],
    cursor: str | None,
    notice: str | None,
    extra: dict[str, Any] | None = None,
) -> Response:
    found = await service.page_of(api, user, kind.api, params, cursor)
    return render(
        request,
        template,
        {
            "title": kind.many,
            "kind": kind,
            "items": found["items"],
            "next_cursor": found.get("next_cursor"),
            "cursor": cursor,
            "filters": shown,
            "regions": await service.region_names(api),
            "may_create": user.is_office,
            "notice": NOTICES.get(notice or ""),
            "school_types": forms.SCHOOL_TYPES,
            "organization_kinds": forms.ORGANIZATION_KINDS,
            "functions": forms.PERSON_FUNCTIONS,
            **(extra or {}),
        },
    )


# --------------------------------------------------------------------------- lists


def _school_filters(
    q: str | None, schulform: str | None, schulsozialarbeit: str | None, region: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The API's query and the filters as the page shows them (and puts into its links)."""
    shown = {
        "q": _search(q),
        "schulform": _choice(schulform, forms.SCHOOL_TYPES),
        "schulsozialarbeit": _choice(schulsozialarbeit, YES_NO),
        "region": _choice(region, REGION_SLUGS),
    }
    params = {
        "q": shown["q"],
        "school_type": shown["schulform"],
        "has_school_social_work": (
            str(YES_NO[shown["schulsozialarbeit"]]).lower() if shown["schulsozialarbeit"] else None
        ),
        "region": shown["region"],
    }
    return params, shown


@router.get("/schulen")
async def schools(
    request: Request,
    user: CurrentUser,
    api: ApiDep,
    query: ListDep,
    schulform: str | None = None,
    schulsozialarbeit: str | None = None,
) -> Response:
    params, shown = _school_filters(query.q, schulform, schulsozialarbeit, query.region)
    return await _listing(
        request,
        api,
        user,
        SCHOOLS,
        "registry/schools.html",
        params,
        shown,
        query.cursor,
        query.erfolg,
    )


@router.get("/schulen.csv")
async def schools_csv(
    user: CurrentUser,
    api: ApiDep,
    q: str | None = None,
    schulform: str | None = None,
    schulsozialarbeit: str | None = None,
    region: str | None = None,
) -> Response:
    params, _ = _school_filters(q, schulform, schulsozialarbeit, region)
    text = await service.schools_csv(api, user, params)
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="schulen.csv"'},
    )


async def _filtered(
    request: Request,
    api: Api,
    user: User,
    kind: Kind,
    query: ListQuery,
    choice: tuple[str, str, str | None, Mapping[str, str]],
) -> Response:
    """A list filtered by search, region and one choice: (query name, API name, value, allowed)."""
    name, api_name, value, allowed = choice
    shown = {
        "q": _search(query.q),
        name: _choice(value, allowed),
        "region": _choice(query.region, (*REGION_SLUGS, forms.STATE)),
    }
    params = {"q": shown["q"], api_name: shown[name], "region": shown["region"]}
    template = f"registry/{'providers' if kind is PROVIDERS else 'persons'}.html"
    return await _listing(
        request, api, user, kind, template, params, shown, query.cursor, query.erfolg
    )


@router.get("/traeger")
async def providers(
    request: Request, user: CurrentUser, api: ApiDep, query: ListDep, art: str | None = None
) -> Response:
    choice = ("art", "kind", art, forms.ORGANIZATION_KINDS)
    return await _filtered(request, api, user, PROVIDERS, query, choice)


@router.get("/personen")
async def persons(
    request: Request, user: CurrentUser, api: ApiDep, query: ListDep, funktion: str | None = None
) -> Response:
    choice = ("funktion", "function", funktion, forms.PERSON_FUNCTIONS)
    return await _filtered(request, api, user, PERSONS, query, choice)


# --------------------------------------------------------------------------- the CSV import


def _import_page(
    request: Request,
    *,
    report: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
    written: bool = False,
    partial: bool = False,
    status: int = 200,
) -> Response:
    rejected = [
        {**row, "reason_de": forms.row_reason(row)} for row in (report or {}).get("errors", [])
    ]
    return render(
        request,
        "registry/import.html",
        {
            "title": "Schulen importieren",
            "report": report,
            "rejected": rejected,
            "written": written,
            "errors": errors or [],
            "partial": partial,
            "columns": forms.IMPORT_COLUMNS,
            "optional_columns": forms.IMPORT_OPTIONAL,
            "school_types": forms.SCHOOL_TYPES,
            "labels": forms.COLUMN_LABELS,
        },
        status_code=status,
    )


@router.get("/schulen/import")
async def import_form(request: Request, user: CurrentUser) -> Response:
    _office_only(user)
    return _import_page(request)


@router.post("/schulen/import", dependencies=[Depends(_body_cap(UPLOAD_FORM_BYTES))])
async def import_schools(
    request: Request, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    _office_only(user)
    partial = form.get("partial") == "on"
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename or not file.size:
        message = "Bitte wählen Sie eine CSV-Datei aus; sie darf nicht leer sein."
        return _import_page(
            request, errors=[{"field": "file", "message": message}], partial=partial, status=422
        )
    upload = service.Upload(file.filename, file.file, file.content_type or "text/csv")
    report, refused = await service.import_schools(api, user, upload, partial=partial)
    if refused is None:
        return _import_page(request, report=report, written=True, partial=partial)
    errors = [] if report else forms.file_errors(refused)
    return _import_page(request, report=report, errors=errors, partial=partial, status=422)


# --------------------------------------------------------------------------- materials


async def _materials_page(
    request: Request,
    api: Api,
    user: User,
    region: str | None,
    *,
    errors: list[dict[str, Any]] | None = None,
    values: dict[str, str] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    choices = await service.region_choices(api, user)
    slugs = [slug for slug, _ in choices]
    region = region if region in slugs else (slugs[0] if slugs else None)
    items = [material(m) for m in await service.materials(api, region)] if region else []
    return render(
        request,
        "registry/materials.html",
        {
            "title": "Materialien",
            "region": region,
            "region_name": dict(choices).get(region or "", ""),
            "choices": choices,
            "items": items,
            "errors": errors or [],
            "values": values or {"region": region or ""},
            "notice": notice,
        },
        status_code=status,
    )


@router.get("/materialien")
async def materials_page(
    request: Request,
    user: CurrentUser,
    api: ApiDep,
    region: str | None = None,
    erfolg: str | None = None,
) -> Response:
    _office_only(user)
    return await _materials_page(request, api, user, region, notice=NOTICES.get(erfolg or ""))


MATERIAL_MESSAGES = {
    "title": "Bitte geben Sie einen Titel an (höchstens 300 Zeichen, eine Zeile).",
    "description": "Die Beschreibung darf höchstens 4.000 Zeichen haben.",
    "region": "Bitte wählen Sie eine Region, die Sie betreuen.",
    "file": "Diese Datei kann nicht hochgeladen werden. Erlaubt sind PDF, Office-Dokumente, "
    "Bilder (PNG, JPEG) und Text bis 20 MB; entscheidend ist der Inhalt, nicht die Endung.",
}


@router.post("/materialien", dependencies=[Depends(_body_cap(MATERIAL_FORM_BYTES))])
async def upload_material(
    request: Request, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    _office_only(user)
    values = {k: str(form.get(k) or "").strip() for k in ("title", "description", "region")}
    file = form.get("file")
    errors: list[dict[str, Any]] = []
    if not values["title"]:
        errors.append({"field": "title", "message": MATERIAL_MESSAGES["title"]})
    if not isinstance(file, UploadFile) or not file.filename or not file.size:
        errors.append({"field": "file", "message": "Bitte wählen Sie eine Datei aus."})
    if not errors and isinstance(file, UploadFile):
        upload = service.Upload(
            file.filename or "datei", file.file, file.content_type or "application/octet-stream"
        )
        try:
            await service.post_file(api, user, "/materials", upload, data=values)
        except ApiError as exc:
            if exc.status >= 500:
                raise
            names = {str(e.get("field") or "").split(".")[0] for e in exc.field_errors}
            if exc.status == 403:
                names = {"region"}
            elif exc.status in (413, 415) or not names & set(MATERIAL_MESSAGES):
                names = {"file"}
            errors = [
                {"field": n, "message": MATERIAL_MESSAGES[n]}
                for n in sorted(names & set(MATERIAL_MESSAGES))
            ]
        else:
            return RedirectResponse(
                f"/materialien?region={values['region']}&erfolg=hochgeladen", status_code=303
            )
    return await _materials_page(
        request, api, user, values["region"], errors=errors, values=values, status=422
    )


# --------------------------------------------------------------------------- forms and details


async def _form_page(
    request: Request,
    api: Api,
    user: User,
    kind: Kind,
    form: RegistryForm,
    *,
    item: dict[str, Any] | None = None,
    conflicts: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    school = None
    if kind is PERSONS and form.values.get("school_id"):
        school = await service.one(api, user, f"/schools/{form.values['school_id']}")
    return render(
        request,
        "registry/form.html",
        {
            "title": f"{kind.one} bearbeiten" if item else kind.new,
            "kind": kind,
            "form": form,
            "item": item,
            "conflicts": conflicts or {},
            "school": school,
            "errors": errors or [],
            "choices": await _choices(api, user, kind),
            "action": f"{kind.page}/{item['id']}/bearbeiten" if item else f"{kind.page}/neu",
            "cancel": f"{kind.page}/{item['id']}" if item else kind.page,
        },
        status_code=status,
    )


async def _save(
    request: Request,
    api: Api,
    user: User,
    kind: Kind,
    form: CheckedForm,
    item: dict[str, Any] | None,
) -> Response:
    data = RegistryForm.read(kind.fields, form)
    body, errors = data.body(creating=item is None)
    if errors:
        return await _form_page(
            request, api, user, kind, data, item=item, errors=errors, status=422
        )
    try:
        if item is None:
            saved = await service.create(api, user, kind.api, body, data.values["key"])
        else:
            path = f"{kind.api}/{item['id']}"
            saved = await service.change(
                api, user, path, body, forms.version_header(data.values["version"])
            )
    except ApiError as exc:
        if exc.status == 412 and item is not None:
            # Someone saved first: keep what was typed, show what is stored, and take the new
            # version so that saving again applies the typed values on top.
            fresh = await service.one(api, user, f"{kind.api}/{item['id']}")
            conflicts = data.take_over(fresh)
            changed = [{"field": None, "message": forms.CHANGED}]
            return await _form_page(
                request,
                api,
                user,
                kind,
                data,
                item=fresh,
                conflicts=conflicts,
                errors=changed,
                status=409,
            )
        if exc.status not in (403, 409, 422):
            raise
        errors = forms.api_errors(exc, kind.fields)
        return await _form_page(
            request, api, user, kind, data, item=item, errors=errors, status=exc.status
        )
    notice = "gespeichert" if item else "angelegt"
    return RedirectResponse(f"{kind.page}/{saved['id']}?erfolg={notice}", status_code=303)


async def _editable(api: Api, user: User, kind: Kind, item_id: str) -> dict[str, Any]:
    item = await service.one(api, user, f"{kind.api}/{_checked(item_id)}")
    region = item.get("region")
    if not service.may_manage(user, region):
        raise HTTPException(403)
    return item


def _shown(kind: Kind, item: dict[str, Any], names: dict[str, str]) -> list[tuple[str, str]]:
    """The entry's fields as (German label, text) for the detail page."""
    rows = []
    for f in kind.fields:
        value = item.get(f.name)
        if f.kind == "checkbox":
            text = "Ja" if value else "Nein"
        elif f.name == "region":
            text = names.get(value or forms.STATE, value or "")
        elif f.options:
            text = f.options.get(str(value), str(value or ""))
        else:
            text = names.get(str(value), "" if value is None else str(value))
        rows.append((f.label, text or "–"))
    return rows


async def _detail(
    request: Request, api: Api, user: User, kind: Kind, item_id: str, notice: str | None
) -> Response:
    item = await service.one(api, user, f"{kind.api}/{_checked(item_id)}")
    names = await service.region_names(api)
    references = {str(item.get(n) or "") for n in ("social_work_provider_id", "organization_id")}
    names |= await service.names_of(api, user, "/organizations", references)
    school = None
    if item.get("school_id"):
        school = await service.one(api, user, f"/schools/{item['school_id']}")
    persons: list[dict[str, Any]] = []
    if kind is not PERSONS and user.is_office:
        key = "school_id" if kind is SCHOOLS else "organization_id"
        persons = await api.all_items(
            "registry", "/persons", params={key: item["id"]}, token=user.token, max_pages=2
        )
    return render(
        request,
        "registry/detail.html",
        {
            "title": item["name"],
            "kind": kind,
            "item": item,
            "rows": _shown(kind, item, names),
            "school": school,
            "persons": persons,
            "functions": forms.PERSON_FUNCTIONS,
            "may_manage": service.may_manage(user, item.get("region")),
            "notice": NOTICES.get(notice or ""),
        },
    )


def _routes(kind: Kind) -> None:
    """Detail, new and edit pages of one kind (registered after its fixed paths)."""

    async def new_page(
        request: Request, user: CurrentUser, api: ApiDep, schule: str = ""
    ) -> Response:
        _office_only(user)
        form = RegistryForm(kind.fields, {"key": str(uuid.uuid4()), "has_school_social_work": ""})
        if kind is PERSONS and is_id(schule):
            form.values["school_id"] = schule
        if kind is not PERSONS and len(user.regions) == 1:
            form.values["region"] = user.regions[0]
        return await _form_page(request, api, user, kind, form)

    async def post_new(
        request: Request, user: CurrentUser, api: ApiDep, form: CheckedForm
    ) -> Response:
        _office_only(user)
        return await _save(request, api, user, kind, form, None)

    async def detail(
        request: Request, item_id: str, user: CurrentUser, api: ApiDep, erfolg: str | None = None
    ) -> Response:
        return await _detail(request, api, user, kind, item_id, erfolg)

    async def edit_page(request: Request, item_id: str, user: CurrentUser, api: ApiDep) -> Response:
        item = await _editable(api, user, kind, item_id)
        form = RegistryForm.of(kind.fields, item)
        return await _form_page(request, api, user, kind, form, item=item)

    async def post_edit(
        request: Request, item_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
    ) -> Response:
        item = await _editable(api, user, kind, item_id)
        return await _save(request, api, user, kind, form, item)

    pages: list[tuple[str, str, Callable[..., Awaitable[Response]]]] = [
        ("GET", "/neu", new_page),
        ("POST", "/neu", post_new),
        ("GET", "/{item_id}", detail),
        ("GET", "/{item_id}/bearbeiten", edit_page),
        ("POST", "/{item_id}/bearbeiten", post_edit),
    ]
    for method, path, endpoint in pages:
        router.add_api_route(kind.page + path, endpoint, methods=[method])


# --------------------------------------------------------------------------- erasing a person


def _erase_page(
    request: Request, item: dict[str, Any], errors: list[dict[str, Any]], status: int = 200
) -> Response:
    return render(
        request,
        "registry/erase.html",
        {
            "title": "Personendaten löschen",
            "item": item,
            "errors": errors,
            "functions": forms.PERSON_FUNCTIONS,
        },
        status_code=status,
    )


@router.get("/personen/{item_id}/loeschen")
async def erase_page(request: Request, item_id: str, user: CurrentUser, api: ApiDep) -> Response:
    return _erase_page(request, await _editable(api, user, PERSONS, item_id), [])


@router.post("/personen/{item_id}/loeschen")
async def erase(
    request: Request, item_id: str, user: CurrentUser, api: ApiDep, form: CheckedForm
) -> Response:
    item = await _editable(api, user, PERSONS, item_id)
    version = forms.version_header(str(form.get("version") or ""))
    try:
        await service.erase_person(api, user, item["id"], version)
    except ApiError as exc:
        if exc.status != 412:
            raise
        # changed since the page was opened: show the current data and ask again
        changed = [{"field": None, "message": forms.CHANGED_BEFORE_ERASURE}]
        return _erase_page(request, item, changed, status=409)
    return RedirectResponse("/personen?erfolg=geloescht", status_code=303)


for _kind in KINDS:
    _routes(_kind)
