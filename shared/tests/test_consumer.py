"""Inbox-guarded consumers against a real NATS JetStream server, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json

import nats
import pytest
from platform_support import STREAM, ThingHappened, new_id
from sqlalchemy import select

from schulerfolg.events.base import CloudEvent
from schulerfolg.http.problems import Conflict
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.servers import NatsServer


async def publish_raw(url: str, subject: str, body: bytes, msg_id: str) -> None:
    """Publish straight to JetStream, as a producer (or a republishing one) would."""
    nc = await nats.connect(url)
    try:
        await nc.jetstream().publish(subject, body, stream=STREAM, headers={"Nats-Msg-Id": msg_id})
    finally:
        await nc.close()


def thing_event(thing_id: str, value: int = 1) -> CloudEvent:
    return CloudEvent.wrap(
        ThingHappened(thing_id=thing_id, value=value), entity_id=thing_id, region="boerde"
    )


async def started(service) -> None:
    await eventually(lambda: asyncio.sleep(0, service.runtime.messaging.started.is_set()))


async def test_the_same_event_delivered_three_times_changes_state_once(
    db_kind, nats_server, start_service
):
    service = await start_service(db_kind, nats_server.url, consume=True)
    await started(service)
    event = thing_event(new_id())
    body = event.model_dump_json().encode()

    # Three deliveries of one event (e.g. a producer that republished after its dedup window).
    for copy in range(3):
        await publish_raw(nats_server.url, event.nats_subject(), body, f"{event.id}-{copy}")
    marker = thing_event("after")  # processed after the copies: the consumer got past them
    await publish_raw(
        nats_server.url, marker.nats_subject(), marker.model_dump_json().encode(), str(marker.id)
    )

    await eventually(lambda: _has(service, str(marker.id)))
    rows = await service.rows(service.effects)
    assert [r.event_id for r in rows].count(str(event.id)) == 1
    assert await service.count(service.tables.inbox) == 2


async def test_a_transiently_failing_handler_is_retried_after_a_delay_and_succeeds(
    db_kind, nats_server, start_service
):
    attempts: list[float] = []
    loop = asyncio.get_running_loop()

    async def flaky(session, event):
        attempts.append(loop.time())
        if len(attempts) < 3:
            raise ConnectionError("database briefly away")
        from platform_support import record_effect

        await record_effect(service.effects, session, event)

    service = await start_service(
        db_kind, nats_server.url, handler=flaky, consumer_backoff_base=0.3
    )
    await started(service)
    event = thing_event(new_id())
    await publish_raw(
        nats_server.url, event.nats_subject(), event.model_dump_json().encode(), str(event.id)
    )

    await eventually(lambda: _has(service, str(event.id)))
    assert len(attempts) == 3
    # nak with delay, no hot loop: each redelivery waited for the backoff (0.3 s, then 0.6 s).
    assert attempts[1] - attempts[0] >= 0.25
    assert attempts[2] - attempts[1] >= 0.5
    assert await service.count(service.tables.dead_letters) == 0


async def test_a_poison_message_goes_to_the_dead_letters_and_the_next_is_processed(
    db_kind, nats_server, start_service
):
    async def refuses_poison(session, event):
        if event.data.thing_id == "poison":
            raise ValueError("cannot handle this thing")
        from platform_support import record_effect

        await record_effect(service.effects, session, event)

    service = await start_service(
        db_kind,
        nats_server.url,
        handler=refuses_poison,
        consumer_max_attempts=3,
        consumer_backoff_base=0.1,
    )
    await started(service)
    poison, good = thing_event("poison"), thing_event("good")
    for event in (poison, good):
        await publish_raw(
            nats_server.url, event.nats_subject(), event.model_dump_json().encode(), str(event.id)
        )
    # Not even a CloudEvent: parked at once, without retries.
    await publish_raw(
        nats_server.url, "sfs.boerde.testsvc.thing.happened", b"{not json", "garbage-1"
    )

    await eventually(lambda: _has(service, str(good.id)))
    letters = await eventually(lambda: _dead_letters(service, 2))
    by_id = {row.event_id: row for row in letters}
    assert by_id[str(poison.id)].attempts == 3
    assert "cannot handle this thing" in by_id[str(poison.id)].reason
    assert json.loads(by_id[str(poison.id)].payload)["data"]["thing_id"] == "poison"
    assert by_id["garbage-1"].attempts == 1
    assert "not a CloudEvent" in by_id["garbage-1"].reason
    # Nothing of the poison was applied, and it is acked: it will not come back.
    assert [r.thing_id for r in await service.rows(service.effects)] == ["good"]
    await asyncio.sleep(1.0)
    assert len(await service.rows(service.tables.dead_letters)) == 2


async def test_a_business_refusal_in_a_handler_is_dead_lettered_at_once_not_retried(
    db_kind, nats_server, start_service
):
    calls: list[str] = []

    async def refuses(session, event):
        calls.append(event.data.thing_id)
        if event.data.thing_id == "refused":
            raise Conflict("Der Fonds ist ausgeschöpft.", rule="fund-budget-exceeded")
        from platform_support import record_effect

        await record_effect(service.effects, session, event)

    service = await start_service(
        db_kind,
        nats_server.url,
        handler=refuses,
        consumer_max_attempts=3,
        consumer_backoff_base=0.1,
    )
    await started(service)
    refused, good = thing_event("refused"), thing_event("good")
    for event in (refused, good):
        await publish_raw(
            nats_server.url, event.nats_subject(), event.model_dump_json().encode(), str(event.id)
        )

    await eventually(lambda: _has(service, str(good.id)))
    (letter,) = await eventually(lambda: _dead_letters(service, 1))
    assert letter.event_id == str(refused.id)
    assert letter.attempts == 1
    assert letter.reason == "409 fund-budget-exceeded: Der Fonds ist ausgeschöpft."
    assert calls.count("refused") == 1
    # Its transaction was rolled back with the refusal: no inbox row, no effect.
    assert [r.thing_id for r in await service.rows(service.effects)] == ["good"]
    assert await service.count(service.tables.inbox) == 1


async def test_an_unknown_event_version_goes_to_the_dead_letters(
    db_kind, nats_server, start_service
):
    service = await start_service(db_kind, nats_server.url, consume=True)
    await started(service)
    event = thing_event(new_id())
    body = event.model_dump_json().replace(".thing.happened.v1", ".thing.happened.v9").encode()
    await publish_raw(nats_server.url, event.nats_subject(), body, str(event.id))

    letters = await eventually(lambda: _dead_letters(service, 1))
    assert "unknown event type or version" in letters[0].reason
    assert await service.count(service.effects) == 0


@pytest.mark.parametrize("how", ["stop", "kill"])
async def test_the_consumer_keeps_consuming_after_nats_is_stopped_and_started_again(
    db_kind, nats_server: NatsServer, start_service, how
):
    service = await start_service(db_kind, nats_server.url, consume=True)
    await started(service)
    before = thing_event("before")
    await publish_raw(
        nats_server.url, before.nats_subject(), before.model_dump_json().encode(), str(before.id)
    )
    await eventually(lambda: _has(service, str(before.id)))

    nats_server.stop() if how == "stop" else nats_server.kill()
    await asyncio.sleep(1.5)  # the client notices and keeps trying to reconnect
    nats_server.start()
    after = thing_event("after")
    await publish_raw(
        nats_server.url, after.nats_subject(), after.model_dump_json().encode(), str(after.id)
    )

    await eventually(lambda: _has(service, str(after.id)), timeout=30)
    assert sorted(r.thing_id for r in await service.rows(service.effects)) == ["after", "before"]


async def test_events_committed_while_the_consumer_was_down_are_processed_in_order_on_restart(
    db_kind, nats_server, start_service, new_database
):
    producer = await start_service(db_kind, nats_server.url)
    await started(producer)
    consumer_url = await new_database(db_kind)
    first = await start_service(consumer_url, nats_server.url, consume=True, publishes=False)
    await started(first)
    await first.runtime.stop()  # the consumer service goes down

    events = [await producer.emit("t", value=i) for i in range(20)]
    await asyncio.sleep(0.5)
    second = await start_service(consumer_url, nats_server.url, consume=True, publishes=False)
    await eventually(lambda: _count_is(second, 20), timeout=30)

    rows = await second.rows(second.effects)
    assert [r.event_id for r in sorted(rows, key=lambda r: r.id)] == [str(e.id) for e in events]


async def _has(service, event_id: str) -> bool:
    return any(r.event_id == event_id for r in await service.rows(service.effects))


async def _count_is(service, n: int) -> bool:
    return await service.count(service.effects) == n


async def _dead_letters(service, n: int):
    table = service.tables.dead_letters
    async with service.db.sessions() as session:
        rows = list((await session.execute(select(table))).all())
    return rows if len(rows) >= n else None


async def test_a_consumer_whose_stream_does_not_exist_yet_holds_up_nothing(
    db_kind, nats_server, start_service, new_database
):
    # The consumer starts first: its producer's stream is not there yet.
    consumer_url = await new_database(db_kind)
    consumer = await start_service(consumer_url, nats_server.url, consume=True, publishes=False)
    await eventually(lambda: asyncio.sleep(0, consumer.runtime.messaging.publishing.is_set()))
    await asyncio.sleep(1.0)
    assert not consumer.runtime.messaging.started.is_set()
    assert consumer.runtime.messaging.waiting == {"testsvc-effects"}

    producer = await start_service(db_kind, nats_server.url)  # declares the stream
    event = await producer.emit(new_id())

    await eventually(lambda: _has(consumer, str(event.id)), timeout=30)
    assert consumer.runtime.messaging.started.is_set()
    assert consumer.runtime.messaging.waiting == set()
