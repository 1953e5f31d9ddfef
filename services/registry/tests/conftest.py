"""Fixtures of the registry's tests: ``registry`` (on PostgreSQL with a real NATS server) and
``registry_on`` (``await registry_on("sqlite")``)."""

from __future__ import annotations

from registry_support import REGISTRY

from schulerfolg_dev.testing.service_suite import service_fixtures

registry, registry_on = service_fixtures(REGISTRY)
