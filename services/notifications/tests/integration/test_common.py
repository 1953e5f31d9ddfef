"""Migrations, schemathesis, the operational endpoints and CORS: the tests every service shares
(schulerfolg_dev.testing.service_suite), run against the notifications service."""

from __future__ import annotations

from notifications_support import NOTIFICATIONS

from schulerfolg_dev.testing.service_suite import CommonServiceTests


class TestNotifications(CommonServiceTests):
    case = NOTIFICATIONS
