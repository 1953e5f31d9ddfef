"""Fixtures of the offers service's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from offers_support import start_offers

from schulerfolg_dev.testing.servers import NatsServer
from schulerfolg_dev.testing.service import ServiceUnderTest


@pytest.fixture
def nats_url(nats_server: NatsServer) -> str:
    """This test's own NATS server: durable consumers keep their position per server, so a
    shared server would hand this test's service the events of every earlier test."""
    return nats_server.url


@pytest.fixture
async def offers(new_database, nats_url: str, tmp_path: Path) -> AsyncIterator[ServiceUnderTest]:
    """The offers service on PostgreSQL with a real NATS server."""
    url = await new_database("postgresql")
    async with start_offers(url, nats_url, tmp_path / "auth") as service:
        yield service


@pytest.fixture
async def offers_on(new_database, nats_url: str, tmp_path: Path) -> AsyncIterator:
    """Start the service on a database kind: ``await offers_on("sqlite")``."""
    async with AsyncExitStack() as stack:

        async def start(kind: str, **overrides) -> ServiceUnderTest:
            url = await new_database(kind)
            return await stack.enter_async_context(
                start_offers(url, nats_url, tmp_path / "auth", **overrides)
            )

        yield start


@pytest.fixture
async def world(offers, nats_url: str):
    """Offers on PostgreSQL with schools and partners in Börde and Harz."""
    from offers_support import make_world

    return await make_world(offers, nats_url)
