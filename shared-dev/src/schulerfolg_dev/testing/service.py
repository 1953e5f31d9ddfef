"""Run any service in-process for its tests: migrate a database, start the app, mint tokens,
and publish the events of another service (as its producer would) to feed the consumers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nats

from schulerfolg import migrations
from schulerfolg.auth import generate_signing_key, mint_token
from schulerfolg.events.base import CloudEvent, EventPayload
from schulerfolg.messaging.broker import StreamSpec, declare_stream
from schulerfolg.settings import ServiceSettings
from schulerfolg_dev.testing.plugin import running


@dataclass
class ServiceUnderTest:
    """A running service with an HTTP client and a way to mint tokens it accepts."""

    client: httpx.AsyncClient
    app: Any
    settings: Any
    private_key: Path

    @property
    def runtime(self) -> Any:
        """The service's Runtime (database, messaging, outbox relay)."""
        return self.app.state.runtime

    def token(self, role: str, *regions: str, **claims: Any) -> str:
        """A bearer token signed with the local key the service trusts."""
        return mint_token(self.private_key, role=role, regions=regions, **claims)

    def auth(self, role: str, *regions: str, **claims: Any) -> dict[str, str]:
        """An Authorization header for ``role`` in ``regions``."""
        return {"Authorization": f"Bearer {self.token(role, *regions, **claims)}"}


async def migrate(migrations_dir: Path, url: str) -> None:
    """Apply a service's migrations (Alembic runs its own event loop, so in a thread)."""
    await asyncio.to_thread(migrations.upgrade, migrations_dir, url)


@asynccontextmanager
async def start_service(
    *,
    create_app: Callable[[Any], Any],
    settings_cls: type[ServiceSettings],
    migrations_dir: Path,
    database_url: str,
    nats_url: str,
    key_dir: Path,
    **overrides: Any,
) -> AsyncIterator[ServiceUnderTest]:
    """Migrate the database and run the app in-process; ``overrides`` are settings."""
    await migrate(migrations_dir, database_url)
    private_key, public_key = generate_signing_key(key_dir)
    settings = settings_cls(
        database_url=database_url,
        nats_url=nats_url,
        auth_local_public_key_file=str(public_key),
        outbox_poll_interval=0.2,
        **overrides,
    )
    app = create_app(settings)
    async with running(app) as client:
        yield ServiceUnderTest(client=client, app=app, settings=settings, private_key=private_key)


def wrap(payload: EventPayload, *, entity_id: str, region: str | None) -> CloudEvent[Any]:
    """An event as its producer would send it (``region`` None means the state level)."""
    return CloudEvent.wrap(payload, entity_id=entity_id, region=region or "state")


async def publish_events(
    nats_url: str, events: Iterable[CloudEvent[Any]], *, times: int = 1
) -> None:
    """Publish events to their producer's stream (declared if missing) with ``Nats-Msg-Id``.

    ``times`` > 1 publishes each event again under a fresh message id, so JetStream's duplicate
    window does not catch it: the consumer sees a real redelivery of the same event id.
    """
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        declared: set[str] = set()
        for event in events:
            service = event.data.event_meta.service
            stream = StreamSpec.for_service(service)
            if service not in declared:
                await declare_stream(js, stream)
                declared.add(service)
            body = event.model_dump_json().encode()
            for attempt in range(times):
                msg_id = str(event.id) if attempt == 0 else f"{event.id}-again-{attempt}"
                await js.publish(
                    event.nats_subject(), body, stream=stream.name, headers={"Nats-Msg-Id": msg_id}
                )
    finally:
        await nc.close()
