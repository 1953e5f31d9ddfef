"""Migrations, schemathesis, the operational endpoints and CORS: the tests every service shares
(schulerfolg_dev.testing.service_suite), run against the offers service."""

from __future__ import annotations

from offers_support import OFFERS

from schulerfolg_dev.testing.service_suite import CommonServiceTests


class TestOffers(CommonServiceTests):
    case = OFFERS
