"""Helpers for the registry's tests: a migrated database, the running app, tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from registry.config import RegistrySettings
from registry.main import MIGRATIONS, create_app
from schulerfolg_dev.testing import service as service_support
from schulerfolg_dev.testing.service import ServiceUnderTest

Registry = ServiceUnderTest


async def migrate(url: str) -> None:
    """Apply the registry's migrations."""
    await service_support.migrate(MIGRATIONS, url)


@asynccontextmanager
async def start_registry(
    database_url: str, nats_url: str, key_dir: Path, **overrides: Any
) -> AsyncIterator[Registry]:
    """Migrate the database and run the registry app in-process; ``overrides`` are settings."""
    async with service_support.start_service(
        create_app=create_app,
        settings_cls=RegistrySettings,
        migrations_dir=MIGRATIONS,
        database_url=database_url,
        nats_url=nats_url,
        key_dir=key_dir,
        **overrides,
    ) as running_registry:
        yield running_registry


RegistryFactory = Callable[[str], Awaitable[Registry]]
