"""Fixtures of the meetings service's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from meetings_support import start_meetings

from schulerfolg_dev.testing.servers import NatsServer
from schulerfolg_dev.testing.service import ServiceUnderTest


@pytest.fixture
def nats_url(nats_server: NatsServer) -> str:
    """This test's own NATS server: durable consumers keep their position per server, so a
    shared server would hand this test's service the events of every earlier test."""
    return nats_server.url


@pytest.fixture
async def meetings(new_database, nats_url: str, tmp_path: Path) -> AsyncIterator[ServiceUnderTest]:
    """The meetings service on PostgreSQL with a real NATS server."""
    url = await new_database("postgresql")
    async with start_meetings(url, nats_url, tmp_path / "auth") as service:
        yield service


@pytest.fixture
async def meetings_on(new_database, nats_url: str, tmp_path: Path) -> AsyncIterator:
    """Start the service on a database kind: ``await meetings_on("sqlite")``."""
    async with AsyncExitStack() as stack:

        async def start(kind: str, **overrides) -> ServiceUnderTest:
            url = await new_database(kind)
            return await stack.enter_async_context(
                start_meetings(url, nats_url, tmp_path / "auth", **overrides)
            )

        yield start
