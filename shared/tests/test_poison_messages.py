"""Messages that are not even decodable reach the dead letters at once, on a real JetStream.

FastStream decodes a message by its ``content-type`` header before a handler runs; a body it
cannot decode (invalid JSON declared as JSON, bytes that are not UTF-8 declared as text, JSON
nested deeper than any parser recurses) must never get that far: our consumers take raw bytes.
"""

from __future__ import annotations

import asyncio
import time

import nats
import pytest
from nats.js import api
from platform_support import STREAM, ThingHappened, new_id
from sqlalchemy import func, select

from schulerfolg.events.base import CloudEvent
from schulerfolg_dev.testing.plugin import eventually

SUBJECT = "sfs.boerde.testsvc.thing.happened"

POISON = {
    "invalid-json": ({"content-type": "application/json"}, b'{"specversion": "1.0", '),
    "not-utf8-text": ({"content-type": "text/plain"}, b"\xff\xfe\xfa not utf-8 \xc3\x28"),
    "deep-json": ({"content-type": "application/json"}, b"[" * 100_000 + b"]" * 100_000),
    "deep-json-no-type": ({}, b"[" * 100_000 + b"]" * 100_000),
    "empty": ({"content-type": "application/json"}, b""),
}


def thing_event(thing_id: str) -> CloudEvent:
    return CloudEvent.wrap(
        ThingHappened(thing_id=thing_id, value=1), entity_id=thing_id, region="boerde"
    )


async def started(service) -> None:
    await eventually(lambda: asyncio.sleep(0, service.runtime.messaging.started.is_set()))


async def dead_letters(service) -> list:
    table = service.tables.dead_letters
    async with service.db.sessions() as session:
        return list((await session.execute(select(table))).all())


async def processed(service, event_id: str) -> bool:
    return any(r.event_id == event_id for r in await service.rows(service.effects))


@pytest.mark.parametrize("kind", sorted(POISON))
async def test_an_undecodable_message_is_dead_lettered_on_its_first_delivery(
    db_kind, nats_server, start_service, kind
):
    service = await start_service(db_kind, nats_server.url, consume=True)
    await started(service)
    headers, body = POISON[kind]
    good = thing_event(new_id())
    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()
        await js.publish(SUBJECT, body, stream=STREAM, headers={**headers, "Nats-Msg-Id": kind})
        await js.publish(
            good.nats_subject(),
            good.model_dump_json().encode(),
            stream=STREAM,
            headers={"content-type": "application/json", "Nats-Msg-Id": str(good.id)},
        )
        await eventually(lambda: processed(service, str(good.id)), timeout=10)
        letters = await eventually(lambda: _at_least(dead_letters(service), 1), timeout=10)
        (letter,) = letters
        assert letter.event_id == kind
        assert letter.attempts == 1  # at once, not after retries
        assert letter.reason  # says why
        # Acked: nothing of it is pending or redelivered any more.
        info = await eventually(lambda: _settled(js), timeout=10)
        assert info.num_redelivered == 0
    finally:
        await nc.close()


async def test_a_thousand_poison_messages_in_a_row_do_not_stall_the_consumer(
    db_kind, nats_server, start_service
):
    service = await start_service(db_kind, nats_server.url, consume=True)
    await started(service)
    kinds = sorted(POISON)
    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()
        for i in range(1000):
            headers, body = POISON[kinds[i % len(kinds)]]
            if kinds[i % len(kinds)].startswith("deep"):
                body = b"[" * 5_000 + b"]" * 5_000  # still too deep for any decoder we use
            await js.publish(
                SUBJECT, body, stream=STREAM, headers={**headers, "Nats-Msg-Id": f"poison-{i}"}
            )
        good = thing_event(new_id())
        await js.publish(
            good.nats_subject(),
            good.model_dump_json().encode(),
            stream=STREAM,
            headers={"content-type": "application/json", "Nats-Msg-Id": str(good.id)},
        )
        published = time.monotonic()
        await eventually(lambda: processed(service, str(good.id)), timeout=60)
        took = time.monotonic() - published
        table = service.tables.dead_letters
        async with service.db.sessions() as session:
            parked = (await session.execute(select(func.count()).select_from(table))).scalar_one()
            attempts = (await session.execute(select(func.max(table.c.attempts)))).scalar_one()
        assert parked == 1000
        assert attempts == 1
        info = await js.consumer_info(STREAM, "testsvc-effects")
        assert info.num_redelivered == 0
        print(
            f"1000 poison messages and one event: the event processed {took:.2f} s after it was published"
        )
    finally:
        await nc.close()


async def test_a_handler_that_never_finishes_is_cut_off_and_parked_and_the_next_goes_through(
    db_kind, nats_server, start_service
):
    """Handling is in stream order, so a handler that hangs must not hold the consumer: it is
    cancelled when JetStream would redeliver anyway (ack_wait), retried, then parked."""
    calls: list[str] = []

    async def hangs_on_poison(session, event):
        calls.append(event.data.thing_id)
        if event.data.thing_id == "hangs":
            await asyncio.Event().wait()  # never returns
        from platform_support import record_effect

        await record_effect(service.effects, session, event)

    service = await start_service(
        db_kind,
        nats_server.url,
        handler=hangs_on_poison,
        consumer_max_attempts=3,
        consumer_ack_wait=1.0,
        consumer_backoff_base=0.1,
    )
    await started(service)
    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()
        info = await js.consumer_info(STREAM, "testsvc-effects")
        assert info.config.max_deliver == 4  # max_attempts + the one that parks it unrun
        hanging, good = thing_event("hangs"), thing_event("good")
        for event in (hanging, good):
            await js.publish(
                event.nats_subject(),
                event.model_dump_json().encode(),
                stream=STREAM,
                headers={"Nats-Msg-Id": str(event.id)},
            )
        await eventually(lambda: processed(service, str(good.id)), timeout=30)
        letters = await eventually(lambda: _at_least(dead_letters(service), 1), timeout=30)
        assert letters[0].event_id == str(hanging.id)
        assert letters[0].attempts == 3
        assert "TimeoutError" in letters[0].reason
        assert calls.count("hangs") == 3
    finally:
        await nc.close()


async def test_the_servers_last_delivery_is_parked_without_running_the_handler(
    db_kind, new_database
):
    """When earlier deliveries never reached an outcome (the process died in the handler each
    time), the last one the server grants (max_deliver) is recorded, not tried again."""
    from platform_support import make_schema

    from schulerfolg.db import Database
    from schulerfolg.messaging.consumer import ConsumerSpec, Delivery, InboxConsumer, RetryPolicy
    from schulerfolg.tables import platform_tables

    metadata, _effects, _outbox = make_schema()
    db = Database(await new_database(db_kind))
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    ran: list[str] = []

    async def handler(session, event):
        ran.append(event.data.thing_id)

    consumer = InboxConsumer(
        db,
        platform_tables(metadata),
        ConsumerSpec("c", (ThingHappened,), handler),
        RetryPolicy(max_attempts=3),
    )
    event = thing_event("crashes-its-process")
    delivery = Delivery(event.model_dump_json().encode(), SUBJECT, {}, delivered=4)
    try:
        decision = await consumer.handle(delivery, event)
        assert decision.note == "dead_letter"
        assert ran == []
        async with db.sessions() as session:
            (letter,) = (await session.execute(select(consumer.tables.dead_letters))).all()
        assert letter.event_id == str(event.id)
        assert letter.attempts == 4
        assert "without an outcome" in letter.reason
    finally:
        await db.dispose()


async def _settled(js):
    info = await js.consumer_info(STREAM, "testsvc-effects")
    return info if info.num_ack_pending == 0 else None


async def _at_least(rows_coro, n: int):
    rows = await rows_coro
    return rows if len(rows) >= n else None


def test_consumer_config_bounds_deliveries_on_the_server():
    from schulerfolg.messaging.broker import consumer_config
    from schulerfolg.messaging.consumer import ConsumerSpec

    spec = ConsumerSpec(name="x", events=(ThingHappened,), handler=None)  # type: ignore[arg-type]
    config = consumer_config(spec, ack_wait=5.0, max_attempts=20)
    assert config.max_deliver == 21
    assert config.ack_policy is api.AckPolicy.EXPLICIT


def test_a_consumer_reads_the_stream_and_subjects_of_the_events_it_handles():
    from schulerfolg.events import meetings as m
    from schulerfolg.events import offers as o
    from schulerfolg.messaging.consumer import ConsumerSpec

    def spec(*events):
        return ConsumerSpec(name="x", events=events, handler=None)  # type: ignore[arg-type]

    one = spec(m.DecisionRecorded)
    assert (one.stream, one.subject) == ("MEETINGS", "sfs.*.meetings.decision.recorded")
    entity = spec(o.FundCreated, o.FundUpdated)
    assert (entity.stream, entity.subject) == ("OFFERS", "sfs.*.offers.fund.>")
    several = spec(m.CommitteeMemberAdded, m.MeetingScheduled)
    assert (several.stream, several.subject) == ("MEETINGS", "sfs.*.meetings.>")
    with pytest.raises(ValueError, match="exactly one producer"):
        spec(m.DecisionRecorded, o.FundCreated)
    with pytest.raises(ValueError, match="exactly one producer"):
        spec()
