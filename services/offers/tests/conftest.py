"""Fixtures of the offers service's tests: ``offers`` (on PostgreSQL with a real NATS server),
``offers_on`` (``await offers_on("sqlite", **settings)``) and ``world``."""

from __future__ import annotations

import pytest
from offers_support import OFFERS, make_world

from schulerfolg_dev.testing.servers import NatsServer
from schulerfolg_dev.testing.service_suite import service_fixtures

offers, offers_on = service_fixtures(OFFERS)


@pytest.fixture
def nats_url(nats_server: NatsServer) -> str:
    """This test's own NATS server: durable consumers keep their position per server, so a
    shared server would hand this test's service the events of every earlier test."""
    return nats_server.url


@pytest.fixture
async def world(offers, nats_url: str):
    """Offers on PostgreSQL with schools and partners in Börde and Harz."""
    return await make_world(offers, nats_url)
