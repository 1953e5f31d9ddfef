"""The backend-for-frontend's calls to the four services' public APIs.

Every call carries the signed-in person's access token (never the browser's business); the
services decide what the person may see and do, and the pages show what they answer. A refusal
comes back as ``ApiError`` with the service's problem details, which the pages turn into German
sentences (``web.site.catalogue``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import structlog
from starlette.responses import Response

from web.config import WebSettings

log = structlog.get_logger("web.client")

SERVICES = ("registry", "offers", "meetings", "notifications", "planning")
API_PREFIX = "/api/v1"

# A relayed file is a download: never run as a page of ours (a sandbox beside the pages' policy;
# ``nosniff`` comes with every response, web.site.security), never cached for someone else.
FILE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}


@dataclass
class ApiError(Exception):
    """A service refused or failed: its status and problem details (RFC 9457)."""

    status: int
    problem: dict[str, Any] = field(default_factory=dict)
    service: str = ""

    def __str__(self) -> str:
        return f"{self.service} answered {self.status}: {self.problem.get('title', '')}"

    @property
    def field_errors(self) -> list[dict[str, Any]]:
        """The problem's ``errors`` (one per invalid field), or none."""
        errors = self.problem.get("errors")
        return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []

    @property
    def rule(self) -> str | None:
        """The slug of the refused rule, where the service names one."""
        for key in ("rule", "code"):
            value = self.problem.get(key)
            if isinstance(value, str):
                return value
        kind = self.problem.get("type")
        if isinstance(kind, str) and "/problems/" in kind:
            return kind.rsplit("/", 1)[-1] or None
        return None


class ServiceUnavailable(ApiError):
    """A service did not answer (down, or too slow)."""


def unreachable(service: str, exc: Exception) -> ServiceUnavailable:
    """A service that could not be reached, logged (its name and the error's kind only)."""
    log.warning("web.service_unreachable", service=service, error=type(exc).__name__)
    return ServiceUnavailable(503, {"title": "unreachable"}, service)


def refusal(response: httpx.Response, service: str) -> ApiError:
    """A 4xx/5xx answer as ``ApiError`` with the service's problem details."""
    try:
        problem = response.json()
    except ValueError:
        problem = {"title": response.reason_phrase}
    if not isinstance(problem, dict):
        problem = {"title": str(problem)}
    if response.status_code >= 500:
        log.warning("web.service_failed", service=service, status=response.status_code)
    return ApiError(response.status_code, problem, service)


@dataclass(frozen=True)
class Reply:
    """A successful answer: its body (JSON, or text for CSV) and headers."""

    status: int
    body: Any
    headers: Mapping[str, str]

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")


class Api:
    """One pooled HTTP client per service."""

    def __init__(self, settings: WebSettings, transport: httpx.AsyncBaseTransport | None = None):
        urls = {
            "registry": settings.registry_url,
            "offers": settings.offers_url,
            "meetings": settings.meetings_url,
            "notifications": settings.notifications_url,
            "planning": settings.planning_url,
        }
        self._clients = {
            name: httpx.AsyncClient(
                base_url=url.rstrip("/") + API_PREFIX,
                timeout=settings.api_timeout,
                transport=transport,
                headers={"User-Agent": "schulerfolg-web"},
            )
            for name, url in urls.items()
        }

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    def client(self, service: str) -> httpx.AsyncClient:
        return self._clients[service]

    async def call(
        self,
        method: str,
        service: str,
        path: str,
        *,
        token: str | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        accept: str = "application/json",
    ) -> Reply:
        """One call; raises ``ApiError`` for a 4xx/5xx answer, ``ServiceUnavailable`` when the
        service cannot be reached."""
        sent = {"Accept": accept, **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "", [])}
        try:
            response = await self._clients[service].request(
                method, path, params=clean, json=json, headers=sent
            )
        except httpx.HTTPError as exc:
            raise unreachable(service, exc) from exc
        if response.status_code >= 400:
            raise refusal(response, service)
        if response.status_code == 204 or not response.content:
            body: Any = None
        elif "json" in response.headers.get("content-type", ""):
            body = response.json()
        else:
            body = response.text
        return Reply(response.status_code, body, response.headers)

    async def get(self, service: str, path: str, **kwargs: Any) -> Any:
        """The JSON body of a GET."""
        return (await self.call("GET", service, path, **kwargs)).body

    async def all_items(
        self, service: str, path: str, *, limit: int = 500, max_pages: int = 20, **kwargs: Any
    ) -> list[Any]:
        """Every item of a paged list (following ``next_cursor``), up to ``max_pages`` pages."""
        params = dict(kwargs.pop("params", None) or {})
        params["limit"] = limit
        items: list[Any] = []
        for _ in range(max_pages):
            page = await self.get(service, path, params=params, **kwargs)
            items += page.get("items", [])
            cursor = page.get("next_cursor")
            if not cursor:
                break
            params["cursor"] = cursor
        return items

    async def relay_file(
        self, service: str, path: str, *, token: str, accept: str = "*/*"
    ) -> Response:
        """A file from a service (an attachment, a generated PDF: a few MB at most, read whole)
        passed on as the download it is: its type, ``Content-Disposition`` (the file name) and
        length, a sandbox and no caching. A refusal raises ``ApiError``."""
        try:
            found = await self._clients[service].get(
                path, headers={"Authorization": f"Bearer {token}", "Accept": accept}
            )
        except httpx.HTTPError as exc:
            raise unreachable(service, exc) from exc
        if found.status_code >= 400:
            raise refusal(found, service)
        kept = ("content-disposition", "content-length")
        return Response(
            found.content,
            media_type=found.headers.get("content-type", "application/octet-stream"),
            headers={name: found.headers[name] for name in kept if name in found.headers}
            | FILE_HEADERS,
        )

    @asynccontextmanager
    async def stream(
        self, service: str, path: str, *, token: str, headers: Mapping[str, str] | None = None
    ) -> AsyncIterator[httpx.Response]:
        """A streamed GET (server-sent events), with no read timeout."""
        sent = {"Accept": "text/event-stream", "Authorization": f"Bearer {token}"}
        sent |= dict(headers or {})
        client = self._clients[service]
        timeout = httpx.Timeout(client.timeout.connect, read=None)
        async with client.stream("GET", path, headers=sent, timeout=timeout) as response:
            yield response
