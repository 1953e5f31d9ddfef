"""Signing in and out: ``/anmelden`` (the provider's authorization code flow with PKCE, or on one
machine the development sign-in), ``/anmelden/rueckkehr`` (back from the provider), ``/abmelden``."""

from __future__ import annotations

import re
from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from schulerfolg.auth import ROLES
from schulerfolg.regions import REGION_SLUGS
from web.auth.oidc import SignInFailed
from web.auth.service import Sessions, safe_next
from web.site.client import Api, ApiError
from web.site.security import SESSION_COOKIE, VISITOR_COOKIE, CheckedForm
from web.site.templates import render

log = structlog.get_logger("web.auth")

router = APIRouter()

PENDING_COOKIE = "sf_anmeldung"
ROLE_LABELS = {
    "school": "Schule",
    "partner": "Kooperationspartner (Träger)",
    "network_office": "Regionale Netzwerkstelle",
    "steering_member": "Mitglied der Steuerungsgruppe",
    "state_coordinator": "Landeskoordinierungsstelle",
    "admin": "Administration",
}
REGIONAL_ROLES = {"network_office", "steering_member"}
_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


def _sessions(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.sessions
    return sessions


def _api(request: Request) -> Api:
    api: Api = request.app.state.api
    return api


def signed_in_response(request: Request, cookie: str, target: str) -> Response:
    """Go on to ``target`` with the new session's cookie (the visitor's old key is dropped)."""
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        httponly=True,
        secure=request.app.state.settings.cookie_secure,
        samesite="lax",
        path="/",
        max_age=int(request.app.state.settings.session_max_hours * 3600),
    )
    response.delete_cookie(PENDING_COOKIE, path="/anmelden")
    response.delete_cookie(VISITOR_COOKIE, path="/")
    return response


def _landing(roles: list[str] | tuple[str, ...]) -> str:
    return (
        "/antraege"
        if set(roles) & {"school", "partner", "network_office", "state_coordinator"}
        else "/"
    )


async def _choices(api: Api) -> dict[str, Any]:
    """Regions, schools and organisations to pick from on the development sign-in."""
    choices: dict[str, Any] = {"regions": [], "schools": [], "organizations": []}
    try:
        regions = await api.get("registry", "/regions")
        choices["regions"] = [(r["slug"], r["name"]) for r in regions.get("items", regions)]
        schools = await api.get("registry", "/schools", params={"limit": 500})
        choices["schools"] = schools.get("items", [])
        organizations = await api.get("registry", "/organizations", params={"limit": 500})
        choices["organizations"] = organizations.get("items", [])
    except ApiError:
        log.warning("web.sign_in_choices_unavailable")
    return choices


async def _dev_form(
    request: Request, values: dict[str, str], errors: list[dict[str, str]], status: int = 200
) -> Response:
    context = {
        "title": "Anmelden (Entwicklung)",
        "values": values,
        "errors": errors,
        "roles": [(role, ROLE_LABELS.get(role, role)) for role in ROLES],
        **await _choices(_api(request)),
    }
    return render(request, "auth/dev_sign_in.html", context, status_code=status)


@router.get("/anmelden", include_in_schema=False)
async def sign_in(request: Request, weiter: str | None = None) -> Response:
    sessions = _sessions(request)
    next_path = safe_next(weiter, "")
    if sessions.oidc is not None:
        try:
            url, pending = await sessions.oidc.start(next_path)
        except Exception as exc:
            log.warning("web.issuer_unreachable", error=type(exc).__name__)
            return render(
                request,
                "site/error.html",
                {
                    "title": "Anmeldung gerade nicht möglich",
                    "message": "Der Anmeldedienst antwortet nicht. Bitte versuchen Sie es in einigen Minuten noch einmal.",
                },
                status_code=503,
            )
        response = RedirectResponse(url, status_code=303)
        response.set_cookie(
            PENDING_COOKIE,
            sessions.seal(pending),
            httponly=True,
            secure=request.app.state.settings.cookie_secure,
            samesite="lax",
            path="/anmelden",
            max_age=600,
        )
        return response
    if not request.app.state.settings.dev_sign_in:
        return render(
            request,
            "site/error.html",
            {
                "title": "Anmeldung nicht eingerichtet",
                "message": "Für diese Installation ist kein Anmeldedienst eingerichtet. Bitte wenden Sie sich an den Betrieb.",
            },
            status_code=503,
        )
    return await _dev_form(request, {"weiter": next_path}, [])


def _resolve_region(value: str, regions: list[tuple[str, str]]) -> str | None:
    wanted = value.strip().casefold()
    for slug, name in regions:
        if wanted in (slug.casefold(), name.casefold()):
            return slug
    return "state" if wanted in ("state", "land", "landesebene") else None


@router.post("/anmelden", include_in_schema=False)
async def dev_sign_in(request: Request, form: CheckedForm) -> Response:
    sessions = _sessions(request)
    if not request.app.state.settings.dev_sign_in:
        return await sign_in(request)
    values = {
        key: str(form.get(key) or "").strip()
        for key in ("rolle", "region", "schule", "organisation", "name", "email", "weiter")
    }
    errors: list[dict[str, str]] = []
    role = values["rolle"]
    if role not in ROLES:
        errors.append({"field": "rolle", "message": "Wählen Sie eine Rolle aus."})
    choices = await _choices(_api(request))
    region = None
    if values["region"]:
        known = choices["regions"] or [(slug, slug) for slug in sorted(REGION_SLUGS)]
        region = _resolve_region(values["region"], known)
        if region is None:
            errors.append(
                {
                    "field": "region",
                    "message": "Diese Region gibt es nicht. Wählen Sie eine der 14 Regionen aus.",
                }
            )
    elif role in REGIONAL_ROLES:
        errors.append(
            {"field": "region", "message": "Wählen Sie die Region aus, für die Sie arbeiten."}
        )
    for key, label in (("schule", "Schule"), ("organisation", "Organisation")):
        if values[key] and not _ID.match(values[key]):
            errors.append(
                {
                    "field": key,
                    "message": f"Geben Sie die Kennung der {label} ein oder wählen Sie sie aus der Liste.",
                }
            )
    if role == "school" and not values["schule"]:
        errors.append(
            {"field": "schule", "message": "Wählen Sie die Schule aus, für die Sie sich anmelden."}
        )
    if role == "partner" and not values["organisation"]:
        errors.append(
            {
                "field": "organisation",
                "message": "Wählen Sie die Organisation aus, für die Sie sich anmelden.",
            }
        )
    if values["email"] and "@" not in values["email"]:
        errors.append(
            {"field": "email", "message": "Geben Sie eine E-Mail-Adresse wie name@beispiel.de ein."}
        )
    if errors:
        return await _dev_form(request, values, errors, status=422)
    tokens = sessions.development_token(
        role=role,
        regions=[region] if region and region != "state" else [],
        school_id=values["schule"] or None,
        organization_id=values["organisation"] or None,
        name=values["name"] or None,
        email=values["email"] or None,
    )
    cookie = await sessions.open(
        tokens, development=True, replaces=request.cookies.get(SESSION_COOKIE)
    )
    return signed_in_response(request, cookie, safe_next(values["weiter"], _landing([role])))


@router.get("/anmelden/rueckkehr", include_in_schema=False)
async def sign_in_return(
    request: Request, code: str | None = None, state: str | None = None, error: str | None = None
) -> Response:
    sessions = _sessions(request)
    pending = sessions.unseal(request.cookies.get(PENDING_COOKIE))
    failed = {
        "title": "Die Anmeldung ist nicht gelungen",
        "message": "Die Anmeldung wurde abgebrochen oder ist abgelaufen. Bitte melden Sie sich noch einmal an.",
        "sign_in": True,
    }
    if sessions.oidc is None or pending is None or not code or error or state != pending.state:
        log.info("web.sign_in_refused", reason=error or "state")
        return render(request, "site/error.html", failed, status_code=400)
    try:
        tokens = await sessions.oidc.finish(pending, code)
        cookie = await sessions.open(
            tokens, development=False, replaces=request.cookies.get(SESSION_COOKIE)
        )
    except SignInFailed as exc:
        log.info("web.sign_in_refused", reason=str(exc))
        return render(request, "site/error.html", failed, status_code=400)
    who = await sessions.identity(tokens.access_token)
    return signed_in_response(request, cookie, safe_next(pending.next, _landing(who.roles)))


@router.get("/abmelden", include_in_schema=False)
async def sign_out_page(request: Request) -> Response:
    if getattr(request.state, "user", None) is None:
        return RedirectResponse("/", status_code=303)
    return render(request, "auth/sign_out.html", {"title": "Abmelden"})


@router.post("/abmelden", include_in_schema=False)
async def sign_out(request: Request, form: CheckedForm) -> Response:
    sessions = _sessions(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    target = "/"
    if cookie:
        record = await sessions.end(cookie)
        if record is not None and sessions.oidc is not None and not record.development:
            target = await sessions.oidc.end_session_url(record.id_token) or "/"
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
