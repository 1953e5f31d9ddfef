"""Fixtures of the notifications service's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from notifications_support import start_notifications

from schulerfolg.testing.service import ServiceUnderTest


@pytest.fixture
async def notifications(
    new_database, nats_url: str, tmp_path: Path
) -> AsyncIterator[ServiceUnderTest]:
    """The notifications service on PostgreSQL with a real NATS server."""
    url = await new_database("postgresql")
    async with start_notifications(url, nats_url, tmp_path / "auth") as service:
        yield service


@pytest.fixture
async def notifications_on(new_database, nats_url: str, tmp_path: Path) -> AsyncIterator:
    """Start the service on a database kind: ``await notifications_on("sqlite")``."""
    async with AsyncExitStack() as stack:

        async def start(kind: str, **overrides) -> ServiceUnderTest:
            url = await new_database(kind)
            return await stack.enter_async_context(
                start_notifications(url, nats_url, tmp_path / "auth", **overrides)
            )

        yield start
