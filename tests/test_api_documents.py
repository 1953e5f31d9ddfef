"""The documents the services serve, checked by tools other than our own code: the OpenAPI
documents with openapi-spec-validator, the AsyncAPI documents with @asyncapi/parser and the
iCalendar feed with ical.js (both through node, ``tests/js``); and what clients of the HTTP API
trip on besides: CORS headers, a trace per request on a kept-alive connection, ``/docs``
without a CDN, process metrics.

The documents come from the apps in-process; only the iCalendar feed needs a running service.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from meetings_support import BERLIN, create_meeting, start_meetings
from openapi_spec_validator import validate
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from schulerfolg import migrations
from schulerfolg.auth import generate_signing_key, mint_token
from schulerfolg.http.asyncapi import asyncapi_document
from schulerfolg.http.openapi import BEARER, OPTIONAL, REQUIRED
from schulerfolg.http.problems import PROBLEM_JSON
from schulerfolg_dev.routes import SERVICES

JS = Path(__file__).resolve().parent / "js"
KEY = re.compile(r"^[a-zA-Z0-9\.\-_]+$")  # the AsyncAPI specification's pattern for keys
ORIGIN = "https://portal.schulerfolg.example"


def app_of(service: str, tmp_path: Path, **settings: Any) -> Any:
    """A service's FastAPI app, created but not started (its documents need no database)."""
    config = importlib.import_module(f"{service}.config")
    settings_cls = getattr(config, f"{service.capitalize()}Settings")
    database_url = f"sqlite+aiosqlite:///{tmp_path / service}.db"
    return importlib.import_module(f"{service}.main").create_app(
        settings_cls(database_url=database_url, **settings)
    )


def node(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one of the checks in ``tests/js`` (its packages installed by ``npm ci``)."""
    assert shutil.which("node"), "node is needed for the document checks"
    if not (JS / "node_modules").is_dir():  # a fresh clone: install the pinned packages once
        subprocess.run(
            ["npm", "ci", "--prefix", str(JS), "--ignore-scripts", "--no-audit", "--no-fund"],
            check=True,
            capture_output=True,
            timeout=600,
        )
    return subprocess.run(
        ["node", str(JS / script), *args], capture_output=True, text=True, timeout=120
    )


# --------------------------------------------------------------------------- iCalendar


def _next(month: int) -> date:
    """The 15th of ``month`` in the coming year (always in the future)."""
    return date(datetime.now(BERLIN).year + 1, month, 15)


async def test_ical_js_reads_berlin_noon_as_noon_in_summer_and_winter(
    new_database, nats_url, tmp_path
) -> None:
    noon = {
        month: datetime.combine(_next(month), datetime.min.time().replace(hour=12), BERLIN)
        for month in (7, 1)
    }
    async with start_meetings(
        await new_database("sqlite"), nats_url, tmp_path / "auth"
    ) as meetings:
        ids = {
            month: (await create_meeting(meetings, title=f"Termin {month}", starts_at=starts))["id"]
            for month, starts in noon.items()
        }
        response = await meetings.client.get("/api/v1/meetings.ics", params={"region": "boerde"})
    assert response.status_code == 200, response.text
    feed = tmp_path / "termine.ics"
    feed.write_bytes(response.content)

    result = node("ical.mjs", str(feed))
    assert result.returncode == 0, result.stderr
    read = {
        entry["uid"].split("@")[0]: entry for entry in map(json.loads, result.stdout.splitlines())
    }
    # 12:00 Berlin is 10:00 UTC in July (summer time) and 11:00 UTC in January.
    assert {month: read[ids[month]]["utc"] for month in noon} == {
        7: f"{_next(7).isoformat()}T10:00:00Z",
        1: f"{_next(1).isoformat()}T11:00:00Z",
    }
    assert {read[ids[month]]["tzid"] for month in noon} == {"Europe/Berlin"}


# --------------------------------------------------------------------------- OpenAPI


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_openapi_document_validates_and_documents_problems_and_the_bearer_scheme(
    service, tmp_path
) -> None:
    document = app_of(service, tmp_path).openapi()
    validate(document)  # openapi-spec-validator

    text = json.dumps(document)
    assert "HTTPValidationError" not in text and '"ValidationError"' not in text
    assert document["components"]["securitySchemes"] == {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": document["components"]["securitySchemes"][BEARER]["description"],
        }
    }
    schemas = document["components"]["schemas"]
    wrong, ids, secured = [], [], 0
    for method, path, operation in _operations(document):
        ids.append(operation["operationId"])
        security = operation.get("security")
        assert security in (None, REQUIRED, OPTIONAL), (method, path, security)
        secured += security is not None
        if not path.startswith("/api/"):
            assert security is None, (method, path)  # /healthz, /metrics …: no token
        for status, response in operation["responses"].items():
            if status[0] in "45":
                content = response.get("content", {})
                schema = content.get(PROBLEM_JSON, {}).get("schema", {})
                name = schema.get("$ref", "").rsplit("/", 1)[-1]
                if list(content) != [PROBLEM_JSON] or name not in schemas:
                    wrong.append(f"{method} {path} {status}: {content}")
    assert wrong == []
    assert secured > 0
    assert len(ids) == len(set(ids)), "operation ids must be unique"
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids), ids
    assert "healthz" in ids


def test_operations_name_their_security_as_their_dependencies_say(tmp_path) -> None:
    registry = {
        (method, path): operation.get("security")
        for method, path, operation in _operations(app_of("registry", tmp_path).openapi())
    }
    assert registry["post", "/api/v1/schools"] == REQUIRED  # current_principal
    assert registry["get", "/api/v1/persons"] == OPTIONAL  # optional_principal
    assert registry["get", "/api/v1/regions"] is None  # reads no token


def test_validation_errors_are_documented_as_problems_with_errors(tmp_path) -> None:
    document = app_of("registry", tmp_path).openapi()
    response = document["paths"]["/api/v1/schools"]["get"]["responses"]["422"]
    reference = response["content"][PROBLEM_JSON]["schema"]["$ref"]
    problem = document["components"]["schemas"][reference.rsplit("/", 1)[-1]]
    assert "errors" in problem["properties"]
    assert {"type", "title", "status"} <= set(problem["required"])


# --------------------------------------------------------------------------- AsyncAPI


def test_asyncapi_documents_pass_the_asyncapi_parser_with_conforming_keys(tmp_path) -> None:
    files, documents = [], {}
    for service in SERVICES:
        document = asyncapi_document(app_of(service, tmp_path).state.runtime)
        documents[service] = document
        files.append(tmp_path / f"{service}.asyncapi.json")
        files[-1].write_text(json.dumps(document))

    result = node("asyncapi.mjs", *map(str, files))
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 0 and len(reports) == len(SERVICES), (result.stdout, result.stderr)
    assert [r["errors"] for r in reports] == [[]] * len(SERVICES)

    for service, document in documents.items():
        keys = [key for section in ("channels", "operations") for key in document[section]]
        keys += [key for entries in document["components"].values() for key in entries]
        assert [key for key in keys if not KEY.match(key)] == [], service
        operations = [operation["action"] for operation in document["operations"].values()]
        assert "receive" in operations, f"{service} documents its consumers"
        envelopes = {
            name: schema
            for name, schema in document["components"]["schemas"].items()
            if name.endswith("Event")
        }
        assert envelopes or service == "notifications", service
        for name, schema in envelopes.items():
            required = set(schema["required"])
            assert {"id", "specversion", "time", "type", "source"} <= required, name


# --------------------------------------------------------------------------- HTTP


@asynccontextmanager
async def served(app: Any) -> AsyncIterator[tuple[str, uvicorn.Server]]:
    """``app`` behind a real uvicorn (keep-alive, flow control): its base URL and the server."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done(), "uvicorn did not start"
            await asyncio.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.should_exit = True
        await task


async def test_requests_on_one_kept_alive_connection_get_their_own_traces(
    nats_url, tmp_path
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'registry'}.db"
    await asyncio.to_thread(
        migrations.upgrade, importlib.import_module("registry.main").MIGRATIONS, database_url
    )
    private_key, public_key = generate_signing_key(tmp_path / "auth")
    app = app_of(
        "registry", tmp_path, nats_url=nats_url, auth_local_public_key_file=str(public_key)
    )
    exporter = InMemorySpanExporter()
    trace.get_tracer_provider().add_span_processor(SimpleSpanProcessor(exporter))
    token = mint_token(private_key, role="state_coordinator")
    outside = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    async with served(app) as (base, server), httpx.AsyncClient(base_url=base) as client:
        # A body larger than uvicorn's read buffer makes it pause and resume reading the
        # connection inside the request's task: the next request used to inherit its context.
        first = await client.post(
            "/api/v1/organizations",
            json={"name": "x" * 200_000},
            headers={"Authorization": f"Bearer {token}"},
        )
        second = await client.get("/api/v1/regions")
        third = await client.get("/api/v1/regions", headers={"traceparent": outside})
        assert len(server.server_state.connections) == 1  # all three on one connection
    assert (first.status_code, second.status_code, third.status_code) == (422, 200, 200)

    requests = [
        span
        for span in exporter.get_finished_spans()
        if span.kind == trace.SpanKind.SERVER and span.attributes.get("http.route")
    ]
    assert [span.name for span in requests] == [
        "POST /api/v1/organizations",
        "GET /api/v1/regions",
        "GET /api/v1/regions",
    ]
    post, get, continued = requests
    assert post.parent is None and get.parent is None
    assert post.context.trace_id != get.context.trace_id
    # A caller's own traceparent is still continued.
    assert format(continued.context.trace_id, "032x") == outside.split("-")[1]


async def test_cors_preflight_allows_the_conditional_retry_and_resume_headers(tmp_path) -> None:
    app = app_of("meetings", tmp_path, cors_allowed_origins=[ORIGIN])
    wanted = ["if-match", "if-none-match", "idempotency-key", "last-event-id", "authorization"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        preflight = await client.options(
            "/api/v1/meetings",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "PATCH",
                "Access-Control-Request-Headers": ", ".join(wanted),
            },
        )
        simple = await client.get("/healthz", headers={"Origin": ORIGIN})
    assert preflight.status_code == 200, preflight.text
    allowed = {
        h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")
    }
    assert set(wanted) <= allowed
    exposed = {
        h.strip().lower() for h in simple.headers["access-control-expose-headers"].split(",")
    }
    assert {"etag", "location"} <= exposed


class _References(HTMLParser):
    """Every URL an HTML page loads or links to (src, href) and any absolute URL in scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]

    def handle_data(self, data: str) -> None:
        self.urls += re.findall(r"(?:https?:)?//[\w.-]+[^\s'\"]*", data)


async def test_docs_page_loads_nothing_from_another_host(tmp_path) -> None:
    app = app_of("registry", tmp_path)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        page = await client.get("/docs")
        assert page.status_code == 200
        references = _References()
        references.feed(page.text)
        assert references.urls, page.text
        assert [url for url in references.urls if not url.startswith("/")] == []
        assets = {url: (await client.get(url)).status_code for url in references.urls}
    assert set(assets.values()) == {200}, assets
    assert any(url.endswith("swagger-ui-bundle.js") for url in assets)


async def test_metrics_include_the_process_metrics(tmp_path) -> None:
    app = app_of("offers", tmp_path)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    names = {line.split()[2] for line in response.text.splitlines() if line.startswith("# TYPE")}
    assert {"process_cpu_seconds_total", "process_resident_memory_bytes", "python_info"} <= names
