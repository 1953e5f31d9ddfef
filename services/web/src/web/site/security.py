"""What keeps the pages safe: security headers on every answer, and CSRF tokens on every form.

The CSRF token of a form is an HMAC of the browser's session key (signed in) or of a random
visitor key in its own cookie (not signed in), so a page of another site can neither read nor
forge it. Every POST route takes its form through ``checked_form``; ``tests`` check that none
skips it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated, Any
from urllib.parse import urlparse

from fastapi import Depends, Request
from starlette.datastructures import FormData
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "sf_sitzung"
VISITOR_COOKIE = "sf_besuch"
CSRF_FIELD = "csrf_token"


class CsrfRefused(Exception):
    """A form came without its token, or with one of another browser."""


def content_security_policy(form_targets: tuple[str, ...] = ()) -> str:
    """No inline script, nothing from elsewhere, no framing; forms go here (and to the issuer,
    which the sign-out form is redirected to)."""
    form_action = " ".join(("'self'", *form_targets))
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            f"form-action {form_action}",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    """Pure ASGI: adds the security headers to every response, and ``no-store`` to every page
    that is not a static asset (pages may show personal data)."""

    def __init__(self, app: ASGIApp, *, issuer: str | None = None) -> None:
        self.app = app
        origin = ""
        if issuer:
            parsed = urlparse(issuer)
            origin = f"{parsed.scheme}://{parsed.netloc}"
        policy = content_security_policy((origin,) if origin else ())
        self.headers = [
            (b"content-security-policy", policy.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-frame-options"
                ]
                headers += self.headers
                if not static and not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def _key(request: Request) -> bytes:
    secret: bytes = request.app.state.secret_key
    return secret


def browser_key(request: Request) -> str:
    """The value the CSRF token is bound to: the session cookie, else the visitor cookie (made
    now when missing; ``visitor_cookie`` sets it on the response)."""
    session = request.cookies.get(SESSION_COOKIE)
    if session and getattr(request.state, "session_valid", False):
        return session
    visitor = request.cookies.get(VISITOR_COOKIE) or getattr(request.state, "new_visitor", None)
    if not visitor:
        visitor = secrets.token_urlsafe(32)
        request.state.new_visitor = visitor
    return str(visitor)


def csrf_token(request: Request) -> str:
    """The CSRF token for forms on this page."""
    return hmac.new(_key(request), browser_key(request).encode(), hashlib.sha256).hexdigest()


def csrf_valid(request: Request, sent: Any) -> bool:
    """Whether ``sent`` is this browser's token."""
    if not isinstance(sent, str) or not sent:
        return False
    # Signed in, only the session's own token counts: a visitor cookie planted by someone else
    # must not carry a form into a session.
    session = request.cookies.get(SESSION_COOKIE)
    if session and getattr(request.state, "session_valid", False):
        bound_to = session
    else:
        bound_to = request.cookies.get(VISITOR_COOKIE) or ""
    if not bound_to:
        return False
    expected = hmac.new(_key(request), bound_to.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, sent)


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token is checked (FastAPI dependency of every POST)."""
    form = await request.form()
    if not csrf_valid(request, form.get(CSRF_FIELD)):
        raise CsrfRefused()
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]
