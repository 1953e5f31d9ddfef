"""A small test service on the real composition (``Runtime``): its own table, an event it
publishes and a consumer whose handler writes one row per processed event."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import nats
import pytest
from fastapi import APIRouter
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from schulerfolg.app import Runtime, ServiceDefinition
from schulerfolg.db import Database, make_metadata
from schulerfolg.events.base import CloudEvent, EventPayload, event_name
from schulerfolg.messaging.consumer import ConsumerSpec, Handler
from schulerfolg.messaging.outbox import Outbox
from schulerfolg.settings import ServiceSettings
from schulerfolg.tables import platform_tables

STREAM = "TESTSVC"
SUBJECTS = "sfs.*.testsvc.>"


@event_name("testsvc.thing.happened")
class ThingHappened(EventPayload):
    """Something happened to a thing (test event)."""

    thing_id: str
    value: int


def make_schema() -> tuple[MetaData, Table, Outbox]:
    """Metadata with the platform tables and an ``effects`` table."""
    metadata = make_metadata()
    effects = Table(
        "effects",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False),
        Column("thing_id", String(64), nullable=False),
        Column("value", Integer, nullable=False),
    )
    return metadata, effects, Outbox(platform_tables(metadata))


class ServiceUnderTest:
    """A running test service: database, outbox, relay, broker and optional consumer."""

    def __init__(self, runtime: Runtime, effects: Table) -> None:
        self.runtime = runtime
        self.effects = effects
        self.db: Database = runtime.db
        self.outbox = runtime.outbox
        self.tables = runtime.tables

    async def emit(
        self, thing_id: str = "t1", value: int = 1, region: str = "boerde"
    ) -> CloudEvent[Any]:
        """Commit a change that appends one event."""
        async with self.db.transaction() as session:
            return await self.outbox.append(
                session,
                ThingHappened(thing_id=thing_id, value=value),
                entity_id=thing_id,
                region=region,
            )

    async def count(self, table: Table) -> int:
        """Rows in ``table``."""
        async with self.db.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(table)) or 0)

    async def rows(self, table: Table) -> list[Any]:
        """All rows of ``table``."""
        async with self.db.sessions() as session:
            return list((await session.execute(select(table))).all())


async def record_effect(effects: Table, session: AsyncSession, event: CloudEvent[Any]) -> None:
    """The handler's effect: one row per processed event."""
    await session.execute(
        insert(effects).values(
            event_id=str(event.id), thing_id=event.data.thing_id, value=event.data.value
        )
    )


ServiceFactory = Callable[..., Awaitable[ServiceUnderTest]]


def http_only_definition(name: str, routers: list[APIRouter]) -> ServiceDefinition:
    """A service of ``routers`` alone: no tables of its own, publishing nothing."""
    metadata = MetaData()
    return ServiceDefinition(
        name=name,
        title=name,
        description="test",
        metadata=metadata,
        outbox=Outbox(platform_tables(metadata)),
        migrations=None,
        routers=routers,
        publishes=False,
    )


@pytest.fixture
async def start_service(
    new_database: Callable[[str], Awaitable[str]], tmp_path: Path
) -> AsyncIterator[ServiceFactory]:
    """Start test services: ``await test_service(db_kind, nats_url, handler=…, **settings)``."""
    started: list[Runtime] = []

    async def start(
        kind_or_url: str,
        nats_url: str,
        *,
        handler: Handler | None = None,
        publishes: bool = True,
        consumer_name: str = "testsvc-effects",
        **settings: Any,
    ) -> ServiceUnderTest:
        consume = settings.pop("consume", False) or handler is not None
        url = kind_or_url if "://" in kind_or_url else await new_database(kind_or_url)
        metadata, effects, outbox = make_schema()
        db = Database(url)
        async with db.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        await db.dispose()

        async def default_handler(session: AsyncSession, event: CloudEvent[Any]) -> None:
            await record_effect(effects, session, event)

        def consumers(_runtime: Runtime) -> list[ConsumerSpec]:
            if not consume:
                return []
            return [
                ConsumerSpec(
                    name=consumer_name,
                    events=(ThingHappened,),
                    handler=handler or default_handler,
                )
            ]

        definition = ServiceDefinition(
            name="testsvc",
            title="test service",
            description="test",
            metadata=metadata,
            outbox=outbox,
            migrations=None,
            consumers=consumers,
            publishes=publishes,
        )
        defaults = {
            "outbox_poll_interval": 0.2,
            "consumer_backoff_base": 0.2,
            "consumer_backoff_max": 1.0,
            "consumer_ack_wait": 5.0,
        }
        config = ServiceSettings(database_url=url, nats_url=nats_url, **{**defaults, **settings})
        runtime = Runtime(definition, config)
        await runtime.start()
        started.append(runtime)
        service = ServiceUnderTest(runtime, effects)
        service.effects = effects
        return service

    yield start
    for runtime in reversed(started):
        await runtime.stop()


async def stream_messages(nats_url: str, stream: str = STREAM) -> int:
    """How many messages the stream holds."""
    nc = await nats.connect(nats_url)
    try:
        return int((await nc.jetstream().stream_info(stream)).state.messages)
    finally:
        await nc.close()


def new_id() -> str:
    """A fresh thing id."""
    return uuid.uuid4().hex[:12]
