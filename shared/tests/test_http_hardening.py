"""Request bodies are read only after authentication and never beyond a cap (in every service; the
gateway's cap is tested against Caddy in tests/test_gateway.py), a body that is not UTF-8 is a
problem like any other bad input, and names refuse characters that change how text looks.

The memory tests run a real process (the registry on PostgreSQL) and stream 100 MB at it in
chunks, so the test itself never holds the body."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Request
from platform_support import http_only_definition
from pydantic import Field

from schulerfolg.app import create_app
from schulerfolg.auth import CurrentPrincipal, generate_signing_key, mint_token
from schulerfolg.http.body import allow_body_bytes
from schulerfolg.http.validation import RequestModel
from schulerfolg.settings import ServiceSettings
from schulerfolg_dev.testing.bodies import CHUNK, HUNDRED_MB, MAX_GROWTH, MIB, rss, stream_body
from schulerfolg_dev.testing.live import LiveService, live_service
from schulerfolg_dev.testing.plugin import running

PROBLEM = "application/problem+json"


class ThingIn(RequestModel):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=4000)] | None = None


router = APIRouter()


@router.post("/things", status_code=201)
async def create_thing(thing: ThingIn, principal: CurrentPrincipal) -> dict[str, Any]:
    return thing.model_dump()


@router.post("/public", status_code=201)
async def public_post(thing: ThingIn) -> dict[str, Any]:
    return thing.model_dump()


@router.post("/upload", dependencies=[allow_body_bytes(lambda _settings: 3 * MIB)])
async def upload(request: Request, principal: CurrentPrincipal) -> dict[str, int]:
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
    return {"size": size}


@pytest.fixture
async def service(
    new_database: Any, nats_url: str, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """A service with a JSON route behind a token, an anonymous one and an upload, on PostgreSQL."""
    private_key, public_key = generate_signing_key(tmp_path / "keys")
    definition = http_only_definition("hardening", [router])
    settings = ServiceSettings(
        database_url=await new_database("postgresql"),
        nats_url=nats_url,
        auth_local_public_key_file=str(public_key),
        log_level="WARNING",
    )
    async with running(create_app(definition, settings)) as client:
        token = mint_token(private_key, role="state_coordinator")
        yield client, {"Authorization": f"Bearer {token}"}


async def _chunks(total: int) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        sent += CHUNK
        yield b"a" * CHUNK


async def test_an_authenticated_body_over_the_cap_is_413_problem_json(service):
    client, auth = service
    big = b'{"name": "' + b"a" * (2 * MIB) + b'"}'
    for content in (big, _chunks(2 * MIB)):  # declared length, and chunked
        response = await client.post("/api/v1/things", content=content, headers=auth)
        assert response.status_code == 413, response.text
        assert response.headers["content-type"] == PROBLEM
        assert "1048576 bytes" in response.json()["detail"]


async def test_an_anonymous_route_is_capped_too(service):
    client, _auth = service
    response = await client.post("/api/v1/public", content=_chunks(2 * MIB))
    assert response.status_code == 413
    assert (await client.post("/api/v1/public", json={"name": "Ok"})).status_code == 201


async def test_without_a_valid_token_the_body_is_refused_401_before_it_is_read(service):
    client, _auth = service
    received = 0

    async def counted() -> AsyncIterator[bytes]:
        nonlocal received
        async for chunk in _chunks(4 * CHUNK):
            received += len(chunk)
            yield chunk

    for headers in ({}, {"Authorization": "Bearer not.a.token"}):
        received = 0
        response = await client.post("/api/v1/things", content=counted(), headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert received == 0  # the app never asked for a byte


async def test_an_upload_route_has_its_own_larger_cap(service):
    client, auth = service
    ok = await client.post("/api/v1/upload", content=_chunks(2 * MIB), headers=auth)
    assert ok.status_code == 200 and ok.json() == {"size": 2 * MIB}
    too_big = await client.post("/api/v1/upload", content=_chunks(4 * MIB), headers=auth)
    assert too_big.status_code == 413 and too_big.headers["content-type"] == PROBLEM


async def test_a_body_that_is_not_utf8_is_a_documented_400_problem(service):
    client, auth = service
    response = await client.post(
        "/api/v1/things",
        content=b'{"name": "M\xfcller"}',  # Latin-1
        headers=auth | {"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert "UTF-8" in response.json()["detail"]
    document = (await client.get("/api/v1/openapi.json")).json()
    responses = document["paths"]["/api/v1/things"]["post"]["responses"]
    assert PROBLEM in responses["400"]["content"] and PROBLEM in responses["413"]["content"]


@pytest.mark.parametrize(
    "text",
    [
        "Rechnung\u202efdp.exe",  # right-to-left override
        "Schule\u2066 Nord\u2069",  # isolates
        "Schule\u200e",  # left-to-right mark
        "Schule\u061c",  # Arabic letter mark
        "Sch\u200bule",  # zero width space
        "Sch\u200dule",  # zero width joiner
        "Schule\u2060",  # word joiner
        "\ufeffSchule",  # byte order mark
    ],
)
async def test_names_refuse_bidi_controls_and_invisible_characters(service, text):
    client, auth = service
    response = await client.post("/api/v1/things", json={"name": text}, headers=auth)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == ["name"]


async def test_free_text_keeps_emoji_sequences_but_not_bidi_controls(service):
    client, auth = service
    family = "Elternabend \U0001f468\u200d\U0001f469\u200d\U0001f467 mit Kinder\u00adbetreuung"
    kept = await client.post(
        "/api/v1/things", json={"name": "Grundschule Äöüß", "description": family}, headers=auth
    )
    assert kept.status_code == 201 and kept.json()["description"] == family
    refused = await client.post(
        "/api/v1/things", json={"name": "Ok", "description": "a\u202eb"}, headers=auth
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["description"]


# --------------------------------------------------------------------------- real processes


@pytest.fixture(scope="module")
def registry_process(
    postgres_admin_url: str, nats_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveService, dict[str, str]]]:
    """The registry as its own process on a fresh PostgreSQL database, and a token it accepts."""
    import asyncio

    import asyncpg

    root = tmp_path_factory.mktemp("hardening")
    name = "t_hardening_" + root.name.replace("-", "_")[-12:]

    async def create() -> None:
        connection = await asyncpg.connect(postgres_admin_url)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(create())
    private_key, public_key = generate_signing_key(root / "keys")
    base = postgres_admin_url.rsplit("/", 1)[0].split("://", 1)[1]
    env = {
        "REGISTRY_DATABASE_URL": f"postgresql+asyncpg://{base}/{name}",
        "REGISTRY_NATS_URL": nats_url,
        "REGISTRY_AUTH_LOCAL_PUBLIC_KEY_FILE": str(public_key),
        "REGISTRY_MATERIALS_DIR": str(root / "materials"),
        "REGISTRY_LOG_LEVEL": "WARNING",
    }
    token = mint_token(private_key, role="state_coordinator")
    with live_service("registry", env=env, log_dir=root) as registry:
        yield registry, {"Authorization": f"Bearer {token}"}


def _warm_up(url: str, auth: dict[str, str]) -> None:
    for _ in range(3):  # imports and pools settle before the baseline
        httpx.post(f"{url}/api/v1/organizations", json={"name": "x"}, timeout=30)
        httpx.post(f"{url}/api/v1/organizations", content=b"a" * (2 * MIB), headers=auth)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_100_mb_anonymous_body_leaves_the_service_memory_alone(registry_process, chunked):
    registry, auth = registry_process
    assert registry.pid is not None
    _warm_up(registry.url, auth)
    before = rss(registry.pid)
    status, answer, _sent = stream_body(
        registry.port, "/api/v1/organizations", total=HUNDRED_MB, chunked=chunked
    )
    growth = rss(registry.pid) - before
    assert status == 401, answer[:300]
    assert b"application/problem+json" in answer
    assert growth < MAX_GROWTH, f"the registry grew by {growth / MIB:.1f} MiB"


def test_a_100_mb_authenticated_body_is_413_without_the_memory(registry_process):
    registry, auth = registry_process
    assert registry.pid is not None
    _warm_up(registry.url, auth)
    before = rss(registry.pid)
    status, answer, _sent = stream_body(
        registry.port, "/api/v1/organizations", total=HUNDRED_MB, chunked=True, headers=auth
    )
    growth = rss(registry.pid) - before
    assert status == 413, answer[:300]
    assert b"application/problem+json" in answer
    assert growth < MAX_GROWTH, f"the registry grew by {growth / MIB:.1f} MiB"
