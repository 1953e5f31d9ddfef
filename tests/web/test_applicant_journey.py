"""The applicant's journey through the pages (issue 14)."""

from __future__ import annotations

from typing import Any

import pytest
from applications_support import ready_network
from e2e.flow import Network
from suite_support import Suite
from web_support import Web, check_accessibility, sign_in


@pytest.fixture(scope="module")
async def net(suite: Suite) -> Network:
    return await ready_network(suite, schools=3)


async def test_form_renders(page: Any, web: Web, net: Network) -> None:
    await sign_in(
        page,
        web,
        role="school",
        school=net.schools[0]["id"],
        name="Jürgen Weiß",
        email="jw@schule.example",
    )
    await page.goto(f"{web.url}/antraege/neu")
    await page.screenshot(path="/tmp/appjourney/form.png", full_page=True)
    assert await check_accessibility(page) == []
