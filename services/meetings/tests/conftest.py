"""Fixtures of the meetings service's tests: ``meetings`` (on PostgreSQL with a real NATS
server) and ``meetings_on`` (``await meetings_on("sqlite", **settings)``)."""

from __future__ import annotations

import pytest
from meetings_support import MEETINGS

from schulerfolg_dev.testing.servers import NatsServer
from schulerfolg_dev.testing.service_suite import service_fixtures

meetings, meetings_on = service_fixtures(MEETINGS)


@pytest.fixture
def nats_url(nats_server: NatsServer) -> str:
    """This test's own NATS server: durable consumers keep their position per server, so a
    shared server would hand this test's service the events of every earlier test."""
    return nats_server.url
