"""Page tests: the suite on PostgreSQL with NATS, the web service, and Chromium.

One suite, one web service and one Chromium per test worker serve every page module (``--dist
loadfile`` keeps a module on one worker): starting them costs about a minute, the modules' own
data is what they create under their own tags. A module that needs a suite of its own (other
settings, or figures over everything in it) says so with ``OWN_SUITE = True``; a module that
defines its own ``suite`` and ``web`` fixtures (the sign-in at a provider) gets those.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from suite_support import Suite, fresh_suite, module_nats, module_suite  # noqa: F401 (fixtures)
from web_support import Web, chromium, running_web

from schulerfolg_dev.testing.servers import NatsServer


def own_suite(request: pytest.FixtureRequest) -> bool:
    return bool(getattr(request.module, "OWN_SUITE", False))


# --------------------------------------------------------------------------- one per worker


@pytest.fixture(scope="session")
def worker_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    with NatsServer(store_dir=tmp_path_factory.mktemp("nats")) as server:
        yield server


@pytest.fixture(scope="session")
async def worker_suite(
    postgres_admin_url: str, worker_nats: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Suite]:
    async with fresh_suite(
        postgres_admin_url, worker_nats.url, tmp_path_factory.mktemp("suite")
    ) as running:
        yield running


@pytest.fixture(scope="session")
def worker_web(worker_suite: Suite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    with running_web(worker_suite, tmp_path_factory.mktemp("web")) as running:
        yield running


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    async with chromium() as running:
        yield running


# --------------------------------------------------------------------------- what a module sees


@pytest.fixture(scope="module")
def suite(request: pytest.FixtureRequest) -> Suite:
    return request.getfixturevalue("module_suite" if own_suite(request) else "worker_suite")


@pytest.fixture(scope="module")
def web(
    request: pytest.FixtureRequest, suite: Suite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Web]:
    if not own_suite(request):
        yield request.getfixturevalue("worker_web")
        return
    with running_web(suite, tmp_path_factory.mktemp("web")) as running:
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
