"""Fixtures of the notifications service's tests: each test gets its own NATS server (the
durable consumers keep their position per server), its own database and its own SMTP server:
``notifications`` (on PostgreSQL, sending to ``mailbox``), ``notifications_on``
(``await notifications_on("sqlite", smtp_port=…)``) and ``mailbox``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from notifications_support import NOTIFICATIONS, Mailbox

from schulerfolg_dev.testing.servers import NatsServer
from schulerfolg_dev.testing.service import ServiceUnderTest
from schulerfolg_dev.testing.service_suite import service_fixtures

notifications_on = service_fixtures(NOTIFICATIONS)[1]


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
async def notifications(notifications_on, mailbox: Mailbox) -> ServiceUnderTest:
    """The notifications service on PostgreSQL with a real NATS server and SMTP server."""
    return await notifications_on("postgresql", smtp_port=mailbox.port)
