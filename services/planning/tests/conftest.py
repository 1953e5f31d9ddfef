"""Fixtures of the planning service's tests: ``planning`` (on PostgreSQL with a real NATS
server) and ``planning_on`` (``await planning_on("sqlite", **settings)``)."""

from __future__ import annotations

from planning_support import PLANNING

from schulerfolg_dev.testing.service_suite import service_fixtures

planning, planning_on = service_fixtures(PLANNING)
