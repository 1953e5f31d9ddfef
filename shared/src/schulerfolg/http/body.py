"""What a service reads of a request body, and when: ``BodyGuard`` is pure ASGI middleware that
sits between the server and every route.

* Nothing is read before the caller is authenticated: on the first ``receive()`` of a route that
  needs a bearer token (its dependencies include ``current_principal``), the token is checked
  and a missing or invalid one is answered 401 before a byte of the body is read. FastAPI parses
  a JSON body before it runs any dependency, so the check cannot be a dependency.
* Every body is capped (``max_body_bytes``, 1 MiB by default): a declared ``Content-Length``
  above the cap is refused (413) before reading, and a streamed (chunked) body is counted chunk
  by chunk and refused the moment it passes the cap. Nothing is buffered here.

Routes that take files read the stream themselves (so their dependencies, authentication
included, run first) and raise the cap for themselves with ``allow_body_bytes``.

The problems are raised from ``receive()``; ``Problem`` is an ``HTTPException``, which FastAPI's
body parsing passes on unchanged to the problem+json handlers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Depends, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schulerfolg.auth import current_principal, route_needs_token
from schulerfolg.http.problems import ContentTooLarge

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
_LIMIT_KEY = "schulerfolg.max_body_bytes"


def _too_large(limit: int) -> ContentTooLarge:
    return ContentTooLarge(
        f"The request body is larger than {limit} bytes, the most this operation accepts."
    )


def allow_body_bytes(limit: Callable[[Any], int]) -> Any:
    """A route dependency raising the body cap of a route that reads the stream itself (an
    upload) to ``limit(settings)`` bytes. It has no effect on routes with a JSON body model:
    FastAPI reads those before any dependency runs."""

    def raise_cap(request: Request) -> None:
        request.scope[_LIMIT_KEY] = limit(request.app.state.runtime.settings)

    return Depends(raise_cap)


class BodyGuard:
    """Authenticate before reading, and cap every request body (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self._token_routes: dict[int, bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received = 0
        checked = False

        async def guarded_receive() -> Message:
            nonlocal received, checked
            limit: int = scope.get(_LIMIT_KEY, self.max_body_bytes)
            if not checked:
                checked = True
                await self._authenticate(scope)
                declared = _content_length(scope)
                if declared is not None and declared > limit:
                    raise _too_large(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _too_large(limit)
            return message

        await self.app(scope, guarded_receive, send)

    async def _authenticate(self, scope: Scope) -> None:
        """Raise the 401 of ``current_principal`` if the route needs a token and lacks one."""
        route = scope.get("route")
        needs = self._token_routes.get(id(route))
        if needs is None:
            needs = self._token_routes[id(route)] = route_needs_token(route)
        if needs:
            await current_principal(Request(scope))  # cached in the scope for the route


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
