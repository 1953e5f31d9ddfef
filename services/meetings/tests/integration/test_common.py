"""Migrations, schemathesis, the operational endpoints and CORS: the tests every service shares
(schulerfolg_dev.testing.service_suite), run against the meetings service."""

from __future__ import annotations

from meetings_support import MEETINGS

from schulerfolg_dev.testing.service_suite import CommonServiceTests


class TestMeetings(CommonServiceTests):
    case = MEETINGS
