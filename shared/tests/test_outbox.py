"""The transactional outbox against a real NATS JetStream server, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import nats
import pytest
from platform_support import STREAM, ThingHappened, new_id, stream_messages
from sqlalchemy import select

from schulerfolg import failpoints
from schulerfolg.messaging.outbox import OutboxRelay
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.servers import NatsServer


async def unpublished(service) -> int:
    table = service.tables.outbox
    async with service.db.sessions() as session:
        rows = (
            await session.execute(select(table.c.seq).where(table.c.published_at.is_(None)))
        ).all()
    return len(rows)


async def test_a_committed_change_publishes_exactly_one_message(
    db_kind, nats_server, start_service
):
    service = await start_service(db_kind, nats_server.url, consume=True)
    await eventually(lambda: asyncio.sleep(0, service.runtime.messaging.started.is_set()))

    event = await service.emit(new_id())

    await eventually(lambda: service.count(service.effects))
    await eventually(lambda: _is_zero(unpublished(service)))
    await asyncio.sleep(0.5)  # give a second publish or delivery the chance to show up
    assert await stream_messages(nats_server.url) == 1
    rows = await service.rows(service.effects)
    assert [r.event_id for r in rows] == [str(event.id)]


async def test_a_rolled_back_change_publishes_nothing(db_kind, nats_server, start_service):
    service = await start_service(db_kind, nats_server.url)
    await eventually(lambda: asyncio.sleep(0, service.runtime.messaging.started.is_set()))

    with pytest.raises(RuntimeError, match="business rule"):
        async with service.db.transaction() as session:
            await service.outbox.append(
                session, ThingHappened(thing_id="x", value=1), entity_id="x", region="boerde"
            )
            raise RuntimeError("business rule failed")
    committed = await service.emit("y")  # a later change still goes out, alone

    await eventually(lambda: _is_zero(unpublished(service)))
    assert await service.count(service.tables.outbox) == 1
    assert await stream_messages(nats_server.url) == 1
    async with service.db.sessions() as session:
        ids = (await session.execute(select(service.tables.outbox.c.event_id))).scalars().all()
    assert ids == [committed.id]


async def test_with_nats_stopped_the_change_commits_and_the_event_arrives_when_it_is_back(
    db_kind, nats_server: NatsServer, start_service
):
    service = await start_service(db_kind, nats_server.url, consume=True)
    await eventually(lambda: asyncio.sleep(0, service.runtime.messaging.started.is_set()))

    nats_server.stop()
    event = await service.emit(new_id())  # commits although NATS is away
    table = service.tables.outbox

    async def failed_attempt():
        async with service.db.sessions() as session:
            row = (await session.execute(select(table.c.attempts, table.c.last_error))).one()
        return row if row.attempts >= 1 and row.last_error else None

    row = await eventually(failed_attempt)  # the relay tried, failed and recorded why
    assert row.last_error.strip()
    assert await unpublished(service) == 1

    nats_server.start()
    await eventually(lambda: service.count(service.effects), timeout=30)
    await eventually(lambda: _is_zero(unpublished(service)))
    rows = await service.rows(service.effects)
    assert [r.event_id for r in rows] == [str(event.id)]
    assert await stream_messages(nats_server.url) == 1


async def test_a_crash_between_publish_and_mark_leaves_the_event_once_in_the_stream(
    db_kind, nats_server, start_service
):
    service = await start_service(db_kind, nats_server.url, consume=True)
    await eventually(lambda: asyncio.sleep(0, service.runtime.messaging.started.is_set()))
    published: list[str] = []
    publish = service.runtime.relay.publish

    async def counting_publish(subject, body, headers):
        ack = await publish(subject, body, headers)
        published.append(headers["Nats-Msg-Id"])
        return ack

    service.runtime.relay.publish = counting_publish
    failpoints.enable("outbox.after_publish")
    try:
        event = await service.emit(new_id())
        await eventually(
            lambda: asyncio.sleep(0, len(published) >= 2)
        )  # published, not marked, again
    finally:
        failpoints.disable("outbox.after_publish")

    await eventually(lambda: _is_zero(unpublished(service)))
    await eventually(lambda: service.count(service.effects))
    await asyncio.sleep(0.5)
    assert set(published) == {str(event.id)} and len(published) >= 2
    assert await stream_messages(nats_server.url) == 1  # JetStream dropped the duplicates
    assert await service.count(service.effects) == 1


async def test_two_relays_on_one_postgresql_database_never_publish_a_row_twice(
    nats_server, start_service, new_database
):
    url = await new_database("postgresql")
    service = await start_service(url, nats_server.url)
    await eventually(lambda: asyncio.sleep(0, service.runtime.messaging.started.is_set()))
    await service.runtime.relay.stop()  # the two relays below do the work

    published: list[str] = []

    async def counting_publish(subject, body, headers):
        ack = await service.runtime.messaging.publish(subject, body, headers)
        published.append(headers["Nats-Msg-Id"])
        await asyncio.sleep(0.001)  # widen the window for a race
        return ack

    async with service.db.transaction() as session:
        for i in range(300):
            await service.outbox.append(
                session,
                ThingHappened(thing_id=f"t{i}", value=i),
                entity_id=f"t{i}",
                region="boerde",
            )
    relays = [
        OutboxRelay(service.db, service.tables, counting_publish, poll_interval=0.05, batch_size=20)
        for _ in range(2)
    ]
    for relay in relays:
        relay.start()
    try:
        await eventually(lambda: _is_zero(unpublished(service)), timeout=60)
    finally:
        for relay in relays:
            await relay.stop()

    counts = Counter(published)
    assert len(counts) == 300
    assert max(counts.values()) == 1, "a row was published twice"
    assert await stream_messages(nats_server.url) == 300


async def test_two_relays_on_one_postgresql_database_keep_the_order_of_events(
    nats_server, start_service, new_database
):
    url = await new_database("postgresql")
    service = await start_service(url, nats_server.url)
    await eventually(lambda: asyncio.sleep(0, service.runtime.messaging.publishing.is_set()))
    await service.runtime.relay.stop()
    order: list[int] = []

    async def slow_publish(subject, body, headers):
        ack = await service.runtime.messaging.publish(subject, body, headers)
        order.append(json.loads(body)["data"]["value"])
        await asyncio.sleep(0.005)
        return ack

    async with service.db.transaction() as session:
        for i in range(60):
            await service.outbox.append(
                session, ThingHappened(thing_id="same", value=i), entity_id="same", region="boerde"
            )
    relays = [
        OutboxRelay(service.db, service.tables, slow_publish, poll_interval=0.02, batch_size=5)
        for _ in range(2)
    ]
    for relay in relays:
        relay.start()
    try:
        await eventually(lambda: _is_zero(unpublished(service)), timeout=60)
    finally:
        for relay in relays:
            await relay.stop()
    assert order == list(range(60))


async def _is_zero(value) -> bool:
    return (await value) == 0


async def test_a_service_started_while_nats_is_down_publishes_once_nats_is_up(
    db_kind, nats_server: NatsServer, start_service
):
    nats_server.stop()
    service = await start_service(db_kind, nats_server.url, consume=True)
    event = await service.emit(new_id())  # the service works without NATS
    await asyncio.sleep(1.0)
    assert not service.runtime.messaging.started.is_set()

    nats_server.start()
    await eventually(lambda: service.count(service.effects), timeout=30)
    assert [r.event_id for r in await service.rows(service.effects)] == [str(event.id)]


async def test_a_failed_publish_in_a_pipelined_batch_marks_only_the_rows_before_it(
    db_kind, nats_server, start_service
):
    service = await start_service(db_kind, nats_server.url)
    await eventually(lambda: asyncio.sleep(0, service.runtime.messaging.publishing.is_set()))
    await service.runtime.relay.stop()  # the relay below does the work, round by round
    publish = service.runtime.messaging.publish
    refused: list[int] = []

    async def refuses_the_fifth_once(subject, body, headers):
        value = json.loads(body)["data"]["value"]
        if value == 4 and not refused:
            refused.append(value)

            async def refusal():
                raise RuntimeError("the stream refused it")

            return refusal()  # its ack fails; the messages after it are on their way already
        return await publish(subject, body, headers)

    async with service.db.transaction() as session:
        for i in range(10):
            await service.outbox.append(
                session, ThingHappened(thing_id="same", value=i), entity_id="same", region="boerde"
            )
    relay = OutboxRelay(service.db, service.tables, refuses_the_fifth_once, batch_size=10)
    table = service.tables.outbox

    with pytest.raises(RuntimeError, match="the stream refused it"):
        await relay.relay_once()
    async with service.db.sessions() as session:
        rows = (await session.execute(select(table).order_by(table.c.seq))).all()
    assert [r.published_at is not None for r in rows] == [True] * 4 + [False] * 6
    assert "the stream refused it" in rows[4].last_error and rows[4].attempts == 1
    assert [r.attempts for r in rows[5:]] == [0] * 5

    assert await relay.relay_once() == 6  # from the failed row on
    assert await unpublished(service) == 0
    # Pipelined: the rows after the refused one were stored in the first round; their second
    # publish was a duplicate JetStream dropped. Each event is in the stream once.
    assert await stream_values(nats_server.url) == [0, 1, 2, 3, 5, 6, 7, 8, 9, 4]


async def stream_values(url: str) -> list[int]:
    """The ``value`` of each message in the test stream, in stream order."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        state = (await js.stream_info(STREAM)).state
        return [
            json.loads((await js.get_msg(STREAM, seq)).data)["data"]["value"]
            for seq in range(state.first_seq, state.last_seq + 1)
        ]
    finally:
        await nc.close()
