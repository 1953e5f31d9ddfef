"""Migrations, schemathesis, the operational endpoints and CORS: the tests every service shares
(schulerfolg_dev.testing.service_suite), run against the planning service."""

from __future__ import annotations

from planning_support import PLANNING

from schulerfolg_dev.testing.service_suite import CommonServiceTests


class TestPlanning(CommonServiceTests):
    case = PLANNING
