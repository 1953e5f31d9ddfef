"""Migrations, schemathesis, the operational endpoints and CORS: the tests every service shares
(schulerfolg_dev.testing.service_suite), run against the registry."""

from __future__ import annotations

from registry_support import REGISTRY

from schulerfolg_dev.testing.service_suite import CommonServiceTests


class TestRegistry(CommonServiceTests):
    case = REGISTRY
