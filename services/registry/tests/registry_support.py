"""Helpers for the registry's tests: a migrated database, the running app, tokens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from registry.config import RegistrySettings
from registry.main import MIGRATIONS, create_app
from schulerfolg import migrations
from schulerfolg.auth import generate_signing_key, mint_token
from schulerfolg.testing.plugin import running


@dataclass
class Registry:
    """A running registry with an HTTP client and a way to mint tokens for it."""

    client: httpx.AsyncClient
    app: Any
    settings: RegistrySettings
    private_key: Path

    def token(self, role: str, *regions: str, **claims: Any) -> str:
        """A bearer token signed with the local key the registry trusts."""
        return mint_token(self.private_key, role=role, regions=regions, **claims)

    def auth(self, role: str, *regions: str, **claims: Any) -> dict[str, str]:
        """An Authorization header for ``role`` in ``regions``."""
        return {"Authorization": f"Bearer {self.token(role, *regions, **claims)}"}


async def migrate(url: str) -> None:
    """Apply the registry's migrations (Alembic runs its own event loop, so in a thread)."""
    await asyncio.to_thread(migrations.upgrade, MIGRATIONS, url)


@asynccontextmanager
async def start_registry(
    database_url: str, nats_url: str, key_dir: Path, **overrides: Any
) -> AsyncIterator[Registry]:
    """Migrate the database and run the registry app in-process; ``overrides`` are settings."""
    await migrate(database_url)
    private_key, public_key = generate_signing_key(key_dir)
    settings = RegistrySettings(
        database_url=database_url,
        nats_url=nats_url,
        auth_local_public_key_file=str(public_key),
        outbox_poll_interval=0.2,
        **overrides,
    )
    app = create_app(settings)
    async with running(app) as client:
        yield Registry(client=client, app=app, settings=settings, private_key=private_key)


RegistryFactory = Callable[[str], Awaitable[Registry]]
