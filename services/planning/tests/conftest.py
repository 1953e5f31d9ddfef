"""Fixtures of the planning service's tests: ``planning`` (on PostgreSQL with a real NATS
server) and ``planning_on`` (``await planning_on("sqlite", **settings)``)."""

from __future__ import annotations

import pytest
from planning_support import PLANNING

from schulerfolg_dev.testing.servers import NatsServer
from schulerfolg_dev.testing.service_suite import service_fixtures

planning, planning_on = service_fixtures(PLANNING)


@pytest.fixture
def nats_url(nats_server: NatsServer) -> str:
    """This test's own NATS server: durable consumers keep their position per server, so a
    shared server would hand this test's service the events of every earlier test."""
    return nats_server.url
