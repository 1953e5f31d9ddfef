"""The suite as four processes on PostgreSQL with a real NATS server and SMTP sink."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from suite_support import SERVICES, Suite, running_suite


@pytest.fixture
async def suite(new_database, nats_server, tmp_path: Path) -> AsyncIterator[Suite]:
    """A fresh suite: own NATS server (so tests may kill it), a database per service."""
    databases = {name: await new_database("postgresql") for name in SERVICES}
    with running_suite(databases, nats_server.url, tmp_path) as running:
        running.nats = nats_server  # type: ignore[attr-defined]
        yield running
