"""The pages' Jinja2 environment: German filters, the signed-in person, CSRF tokens, and one
``render`` every route answers with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from web.assets.service import dist_dir
from web.inbox.service import unread_count_context
from web.site.formatting import FILTERS
from web.site.security import VISITOR_COOKIE, csrf_token

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

templates = Jinja2Templates(directory=TEMPLATES)
templates.env.filters.update(FILTERS)
templates.env.globals["csrf_field_name"] = "csrf_token"


_versions: dict[str, str] = {}


def _asset_versions() -> dict[str, str]:
    """The built assets' content hashes (``manifest.json`` of the build), read once found."""
    if not _versions:
        try:
            manifest = json.loads((dist_dir() / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        files = manifest.get("files")
        if isinstance(files, dict):
            _versions.update({str(k): str(v) for k, v in files.items()})
    return _versions


def asset_url(name: str) -> str:
    """``/static/site.css?v=<hash>``: a new build is a new address, so browsers never keep an
    old stylesheet or script after a deployment."""
    version = _asset_versions().get(name)
    return f"/static/{name}?v={version}" if version else f"/static/{name}"


templates.env.globals["asset_url"] = asset_url


def _context(request: Request) -> dict[str, Any]:
    settings = request.app.state.settings
    return {
        "user": getattr(request.state, "user", None),
        "csrf_token": lambda: csrf_token(request),
        "dev_sign_in": settings.dev_sign_in,
        "current_path": request.url.path,
    }


templates.context_processors.append(_context)
templates.context_processors.append(unread_count_context)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A page; sets the visitor cookie when a form on it needed a new one."""
    response = templates.TemplateResponse(
        request, template, context or {}, status_code=status_code, headers=headers
    )
    set_visitor_cookie(request, response)
    return response


def set_visitor_cookie(request: Request, response: Any) -> None:
    """Set the visitor cookie a CSRF token of this response was bound to, when it is new."""
    visitor = getattr(request.state, "new_visitor", None)
    if visitor:
        response.set_cookie(
            VISITOR_COOKIE,
            visitor,
            httponly=True,
            secure=request.app.state.settings.cookie_secure,
            samesite="lax",
            path="/",
        )
