"""The five services in-process for the security tests: one instance each for the whole session,
each on its own PostgreSQL database, all on one NATS server of their own (so the registry's
events reach offers, meetings and notifications as in production, and no other test's leftover
events do), trusting one local signing key."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from meetings_support import start_meetings
from notifications_support import start_notifications
from offers_support import start_offers
from planning_support import start_planning
from registry_support import start_registry

from schulerfolg_dev.processes import free_port
from schulerfolg_dev.testing.servers import NatsServer
from schulerfolg_dev.testing.service import ServiceUnderTest

SERVICES = ("registry", "offers", "meetings", "notifications", "planning")


@dataclass
class Stack:
    """The running services by name."""

    services: dict[str, ServiceUnderTest]

    def __getitem__(self, name: str) -> ServiceUnderTest:
        return self.services[name]


async def _create_database(admin_url: str) -> tuple[str, str]:
    name = f"sec_{uuid.uuid4().hex[:16]}"
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    base = admin_url.rsplit("/", 1)[0].split("://", 1)[1]
    return name, f"postgresql+asyncpg://{base}/{name}"


async def _drop_databases(admin_url: str, names: list[str]) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        for name in names:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@asynccontextmanager
async def running_stack(postgres_admin_url: str, root: Path) -> AsyncIterator[Stack]:
    """registry, offers, meetings, notifications and planning, each on PostgreSQL, on a shared
    NATS."""
    keys = root / "auth"
    names: list[str] = []
    urls: dict[str, str] = {}
    for service in SERVICES:
        name, url = await _create_database(postgres_admin_url)
        names.append(name)
        urls[service] = url
    try:
        with NatsServer(store_dir=root / "nats") as nats:
            async with AsyncExitStack() as running:
                started = {
                    "registry": await running.enter_async_context(
                        start_registry(
                            urls["registry"],
                            nats.url,
                            keys,
                            materials_dir=str(root / "materials"),
                            log_level="WARNING",
                        )
                    ),
                    "offers": await running.enter_async_context(
                        start_offers(
                            urls["offers"],
                            nats.url,
                            keys,
                            log_level="WARNING",
                            # the matrix sends youth projects at once and from one address
                            youth_form_min_seconds=0,
                            youth_per_client_per_hour=10_000,
                        )
                    ),
                    "meetings": await running.enter_async_context(
                        start_meetings(urls["meetings"], nats.url, keys, log_level="WARNING")
                    ),
                    "notifications": await running.enter_async_context(
                        start_notifications(
                            urls["notifications"],
                            nats.url,
                            keys,
                            sse_max_seconds=0.05,
                            sse_keepalive=0.05,
                            # No e-mail is looked at here: the sender and reminders stay idle.
                            smtp_port=_closed_port(),
                            delivery_poll_interval=600,
                            reminder_poll_interval=600,
                        )
                    ),
                    "planning": await running.enter_async_context(
                        start_planning(urls["planning"], nats.url, keys, log_level="WARNING")
                    ),
                }
                yield Stack(started)
    finally:
        await _drop_databases(postgres_admin_url, names)


def _closed_port() -> int:
    """A port nobody listens on: e-mails would fail (the sender stays idle here anyway)."""
    return free_port()
