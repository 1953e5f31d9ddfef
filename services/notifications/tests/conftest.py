"""Fixtures of the notifications service's tests: each test gets its own NATS server (the
durable consumers keep their position per server), its own database and its own SMTP server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from notifications_support import Mailbox, start_notifications

from schulerfolg_dev.testing.servers import NatsServer
from schulerfolg_dev.testing.service import ServiceUnderTest


@pytest.fixture
def nats_url(nats_server: NatsServer) -> str:
    """This test's own NATS server."""
    return nats_server.url


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """A running SMTP server that keeps what it receives."""
    box = Mailbox()
    box.start()
    yield box
    box.stop()


@pytest.fixture
async def notifications(
    new_database, nats_url: str, tmp_path: Path, mailbox: Mailbox
) -> AsyncIterator[ServiceUnderTest]:
    """The notifications service on PostgreSQL with a real NATS server and SMTP server."""
    url = await new_database("postgresql")
    async with start_notifications(
        url, nats_url, tmp_path / "auth", smtp_port=mailbox.port
    ) as service:
        yield service


@pytest.fixture
async def notifications_on(new_database, nats_url: str, tmp_path: Path) -> AsyncIterator:
    """Start the service on a database kind: ``await notifications_on("sqlite", smtp_port=…)``."""
    async with AsyncExitStack() as stack:

        async def start(kind: str, **overrides) -> ServiceUnderTest:
            url = await new_database(kind)
            return await stack.enter_async_context(
                start_notifications(url, nats_url, tmp_path / "auth", **overrides)
            )

        yield start
