"""The suite as four processes on PostgreSQL with a real NATS server and SMTP sink, shared by
the flows of one test module (each flow sets up its own network, so they do not interfere)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from suite_support import Suite, create_databases, drop_databases, running_suite

from schulerfolg_dev.testing.servers import NatsServer


@pytest.fixture(scope="module")
def module_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A NATS server owned by this module (fault tests stop and restart it)."""
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
