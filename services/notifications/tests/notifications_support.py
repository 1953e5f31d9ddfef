"""Helpers for the notifications service's tests: a migrated database, the running app, tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from notifications.config import NotificationsSettings
from notifications.main import MIGRATIONS, create_app
from schulerfolg.testing import service as service_support
from schulerfolg.testing.service import ServiceUnderTest


async def migrate(url: str) -> None:
    """Apply the service's migrations."""
    await service_support.migrate(MIGRATIONS, url)


@asynccontextmanager
async def start_notifications(
    database_url: str, nats_url: str, key_dir: Path, **overrides: Any
) -> AsyncIterator[ServiceUnderTest]:
    """Migrate the database and run the app in-process; ``overrides`` are settings."""
    async with service_support.start_service(
        create_app=create_app,
        settings_cls=NotificationsSettings,
        migrations_dir=MIGRATIONS,
        database_url=database_url,
        nats_url=nats_url,
        key_dir=key_dir,
        **overrides,
    ) as service:
        yield service
