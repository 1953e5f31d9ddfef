"""Fixtures of the security tests: the four services, once for the session."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from security.stack import Stack, running_stack


@pytest.fixture(scope="session")
async def stack(
    postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    """registry, offers, meetings and notifications in-process, each on PostgreSQL, one NATS."""
    async with running_stack(postgres_admin_url, tmp_path_factory.mktemp("security")) as running:
        yield running
