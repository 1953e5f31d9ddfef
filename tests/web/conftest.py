"""Page tests: the suite on PostgreSQL with NATS, the web service, and Chromium, per module."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from suite_support import Suite, create_databases, drop_databases, running_suite
from web_support import Web, chromium, running_web

from schulerfolg_dev.testing.servers import NatsServer


@pytest.fixture(scope="module")
def module_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    with NatsServer(store_dir=tmp_path_factory.mktemp("nats")) as server:
        yield server


@pytest.fixture(scope="module")
async def suite(
    postgres_admin_url: str, module_nats: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Suite]:
    databases = await create_databases(postgres_admin_url)
    try:
        with running_suite(databases, module_nats.url, tmp_path_factory.mktemp("suite")) as running:
            yield running
    finally:
        await drop_databases(postgres_admin_url, databases)


@pytest.fixture(scope="module")
def web(suite: Suite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    with running_web(suite, tmp_path_factory.mktemp("web")) as running:
        yield running


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    async with chromium() as running:
        yield running


@pytest.fixture
async def page(browser: Any) -> AsyncIterator[Any]:
    """A fresh browser context (no cookies) and page, German locale, Berlin time."""
    context = await browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    page = await context.new_page()
    try:
        yield page
    finally:
        await context.close()
