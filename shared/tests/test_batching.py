"""Batched consumers (issue 18) against a real NATS JetStream server that is killed and restarted:
several events per transaction, in stream order per entity, each applied once under redelivery
and republishing, a failing handler split out of its batch, and two replicas of one durable
consumer sharing the work without a double effect."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict

import nats
from platform_support import STREAM, ThingHappened, record_effect
from sqlalchemy import func, select

from schulerfolg.events.base import CloudEvent
from schulerfolg.messaging.consumer import PermanentEventError
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.servers import NatsServer

ENTITIES = ("a", "b", "c", "d", "e")


def versions(count: int, first: int = 0) -> list[CloudEvent]:
    """``count`` versions of each entity, interleaved (a0 b0 … e0 a1 b1 …)."""
    return [
        CloudEvent.wrap(
            ThingHappened(thing_id=entity, value=version), entity_id=entity, region="boerde"
        )
        for version in range(first, first + count)
        for entity in ENTITIES
    ]


async def publish(url: str, events: list[CloudEvent], *, copy: str = "") -> None:
    """Publish the events in this order; ``copy`` makes the message ids new (a republish that
    JetStream's duplicate window does not catch — only the inbox does)."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        for event in events:
            await js.publish(
                event.nats_subject(),
                event.model_dump_json().encode(),
                stream=STREAM,
                headers={"Nats-Msg-Id": f"{event.id}{copy}"},
            )
    finally:
        await nc.close()


async def start_producer(db_kind: str, nats_server: NatsServer, start_service):
    """The service that declares the stream (the events themselves are published raw)."""
    producer = await start_service(db_kind, nats_server.url)
    await eventually(lambda: asyncio.sleep(0, producer.runtime.messaging.publishing.is_set()))
    return producer


async def start_consumer(db_kind, nats_server, start_service, new_database, handler, **settings):
    """A consuming service on a database of its own."""
    url = await new_database(db_kind)
    return await start_service(url, nats_server.url, handler=handler, publishes=False, **settings)


async def consumer_after_backlog(
    db_kind, nats_server, start_service, new_database, events, handler, **settings
):
    """A consumer started once ``events`` wait in the stream, so it fetches them in batches."""
    await start_producer(db_kind, nats_server, start_service)
    await publish(nats_server.url, events)
    return await start_consumer(
        db_kind, nats_server, start_service, new_database, handler, **settings
    )


async def effects_by_entity(service) -> dict[str, list[int]]:
    """The versions each entity's effects were committed in (effect rows in insertion order)."""
    seen: dict[str, list[int]] = defaultdict(list)
    for row in sorted(await service.rows(service.effects), key=lambda r: r.id):
        seen[row.thing_id].append(row.value)
    return seen


async def commits(service) -> int:
    """Distinct inbox timestamps: a batch stamps all its events with one."""
    inbox = service.tables.inbox
    async with service.db.sessions() as session:
        return int(
            await session.scalar(select(func.count(func.distinct(inbox.c.processed_at)))) or 0
        )


async def count_is(service, n: int) -> bool:
    return await service.count(service.effects) >= n


async def test_batches_keep_the_order_per_entity_and_apply_each_event_once_across_a_nats_kill(
    db_kind, nats_server: NatsServer, start_service, new_database
):
    async def slow_effect(session, event):
        await record_effect(consumer.effects, session, event)
        await asyncio.sleep(0.002)  # a handler with some work: the kill lands mid-run

    first, second = versions(60), versions(60, first=60)
    consumer = await consumer_after_backlog(  # a backlog of 300 events
        db_kind, nats_server, start_service, new_database, first, slow_effect
    )
    await eventually(lambda: count_is(consumer, 1), timeout=30)

    nats_server.kill()  # mid-run: acks of committed batches are lost, they come again
    await asyncio.sleep(1.5)
    nats_server.start()
    await publish(nats_server.url, first[100:160], copy="-again")  # republished copies
    await publish(nats_server.url, second)
    await publish(nats_server.url, second[:40], copy="-again")

    await eventually(lambda: count_is(consumer, 600), timeout=60)
    await asyncio.sleep(1.0)  # give a second effect of a redelivery the chance to show up
    rows = await consumer.rows(consumer.effects)
    per_event = Counter(r.event_id for r in rows)
    assert len(per_event) == 600 and set(per_event.values()) == {1}
    seen = await effects_by_entity(consumer)
    assert seen == {entity: list(range(120)) for entity in ENTITIES}
    assert await commits(consumer) < 600 / 2, "the events were not committed in batches"


async def test_a_handler_failing_in_a_batch_is_retried_alone_and_the_others_commit_in_order(
    db_kind, nats_server: NatsServer, start_service, new_database
):
    events = versions(20)  # 100 events, fetched together
    flaky, poison = events[30], events[60]
    calls: Counter[str] = Counter()

    async def handler(session, event):
        calls[str(event.id)] += 1
        if event.id == flaky.id and calls[str(event.id)] == 1:
            raise ConnectionError("database briefly away")
        if event.id == poison.id:
            raise PermanentEventError("cannot handle this thing")
        await record_effect(consumer.effects, session, event)

    consumer = await consumer_after_backlog(
        # the retried event comes back after the rest of the backlog is done
        db_kind,
        nats_server,
        start_service,
        new_database,
        events,
        handler,
        consumer_backoff_base=1.0,
    )

    await eventually(lambda: count_is(consumer, 99), timeout=30)
    await asyncio.sleep(1.0)
    rows = sorted(await consumer.rows(consumer.effects), key=lambda r: r.id)
    # Every event once but the poison; the others in stream order, the retried one last.
    others = [e for e in events if e.id not in (flaky.id, poison.id)]
    assert [r.event_id for r in rows] == [str(e.id) for e in others] + [str(flaky.id)]
    assert calls[str(flaky.id)] == 2  # failed once in the batch, then its redelivery
    assert calls[str(poison.id)] == 1  # its decision needs no second run
    (letter,) = await consumer.rows(consumer.tables.dead_letters)
    assert letter.event_id == str(poison.id) and letter.attempts == 1
    assert await consumer.count(consumer.tables.inbox) == 99


async def test_a_batch_commit_wakes_the_outbox_relay_once(
    db_kind, nats_server: NatsServer, start_service, new_database
):
    async def forwarding(session, event):
        await record_effect(consumer.effects, session, event)
        await consumer.outbox.append(
            session,
            ThingHappened(thing_id=f"fwd-{event.data.thing_id}", value=event.data.value),
            entity_id=event.data.thing_id,
            region="boerde",
        )

    await start_producer(db_kind, nats_server, start_service)
    wakes: list[int] = []
    consumer = await start_consumer(db_kind, nats_server, start_service, new_database, forwarding)
    consumer.outbox.subscribe(lambda: wakes.append(1))
    await publish(nats_server.url, versions(20))

    await eventually(lambda: count_is(consumer, 100), timeout=30)
    await asyncio.sleep(0.5)
    assert await consumer.count(consumer.tables.outbox) == 100
    assert len(wakes) == await commits(consumer)
    assert len(wakes) < 50, "one wake per event, not per batch commit"


async def test_two_replicas_of_one_durable_consumer_share_the_work_without_a_double_effect(
    nats_server: NatsServer, start_service, new_database
):
    handled: dict[int, int] = defaultdict(int)

    def replica_handler(replica: int):
        async def handler(session, event):
            await record_effect(effects, session, event)
            await asyncio.sleep(0.002)
            handled[replica] += 1

        return handler

    await start_producer("postgresql", nats_server, start_service)
    url = await new_database("postgresql")
    replicas = [
        await start_service(url, nats_server.url, handler=replica_handler(i), publishes=False)
        for i in range(2)
    ]
    effects = replicas[0].effects  # one table in the shared database
    events = versions(80)  # 400 events
    await publish(nats_server.url, events[:200])
    await eventually(lambda: count_is(replicas[0], 1), timeout=30)

    nats_server.kill()
    await asyncio.sleep(1.5)
    nats_server.start()
    await publish(nats_server.url, events[200:])
    await publish(nats_server.url, events[:100], copy="-again")

    await eventually(lambda: count_is(replicas[0], 400), timeout=60)
    await asyncio.sleep(1.0)
    per_event = Counter(r.event_id for r in await replicas[0].rows(effects))
    assert len(per_event) == 400 and set(per_event.values()) == {1}
    assert await replicas[0].count(replicas[0].tables.inbox) == 400
    assert handled[0] > 0 and handled[1] > 0, f"one replica did all the work: {dict(handled)}"


async def test_a_hanging_handler_in_a_batch_is_cut_off_and_charged_to_its_own_event(
    db_kind, nats_server: NatsServer, start_service, new_database
):
    events = versions(10)  # 50 events, fetched together
    hangs = events[25]
    calls: Counter[str] = Counter()

    async def handler(session, event):
        calls[str(event.id)] += 1
        if event.id == hangs.id:
            await asyncio.Event().wait()  # never returns
        await record_effect(consumer.effects, session, event)

    consumer = await consumer_after_backlog(
        db_kind,
        nats_server,
        start_service,
        new_database,
        events,
        handler,
        consumer_ack_wait=1.0,  # the time limit of each handler
        consumer_max_attempts=2,
        consumer_backoff_base=0.1,
    )

    await eventually(lambda: _rows_if_any(consumer, consumer.tables.dead_letters))
    await eventually(lambda: count_is(consumer, 49), timeout=30)
    await asyncio.sleep(1.5)
    rows = sorted(await consumer.rows(consumer.effects), key=lambda r: r.id)
    assert [r.event_id for r in rows] == [str(e.id) for e in events if e.id != hangs.id]
    letters = await consumer.rows(consumer.tables.dead_letters)
    assert {letter.event_id for letter in letters} == {str(hangs.id)}
    assert any("TimeoutError" in letter.reason for letter in letters)
    # Cut off with ack_wait, the batch's messages come back at once as well (as they would
    # one by one); each of the two deliveries the attempts allow ran the handler once at most,
    # and the server's last one was parked unrun — never a second run for its batch.
    assert calls[str(hangs.id)] <= 2


async def _rows_if_any(service, table):
    return await service.rows(table) or None
