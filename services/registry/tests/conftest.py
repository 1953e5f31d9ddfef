"""Fixtures of the registry's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from registry_support import Registry, start_registry


@pytest.fixture
async def registry(new_database, nats_url: str, tmp_path: Path) -> AsyncIterator[Registry]:
    """A registry on PostgreSQL with a real NATS server."""
    url = await new_database("postgresql")
    async with start_registry(url, nats_url, tmp_path / "auth") as running_registry:
        yield running_registry


@pytest.fixture
async def registry_on(new_database, nats_url: str, tmp_path: Path) -> AsyncIterator:
    """Start registries on a database kind: ``await registry_on("sqlite")``."""
    async with AsyncExitStack() as stack:

        async def start(kind: str) -> Registry:
            url = await new_database(kind)
            return await stack.enter_async_context(start_registry(url, nats_url, tmp_path / "auth"))

        yield start
