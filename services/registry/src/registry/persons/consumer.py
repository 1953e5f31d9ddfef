"""After an erasure, earlier events about the person leave the REGISTRY stream too.

``registry.person.created``/``updated`` carry name and e-mail, and the stream keeps events for
weeks. The registry consumes its own ``registry.person.erased`` events (durable, inbox-guarded,
retried like any consumer) and deletes that person's earlier messages from the stream. Consumers
that had not read them yet lose nothing that matters: the erasure they still receive leaves
them in the same state.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

import structlog
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import api
from sqlalchemy.ext.asyncio import AsyncSession

from schulerfolg.events import CloudEvent, EventDecodeError, decode_event
from schulerfolg.events.registry import PersonErased
from schulerfolg.messaging.consumer import ConsumerSpec

log = structlog.get_logger("registry.persons.consumer")

STREAM = "REGISTRY"
PERSON_EVENTS = "sfs.*.registry.person.>"


async def scrub_person_events(js: Any, person_id: str) -> int:
    """Delete the stream's earlier messages about ``person_id`` except the erasure; return how many."""
    subject = f"persons/{person_id}"
    name = f"scrub-{uuid.uuid4().hex[:12]}"
    await js.add_consumer(
        STREAM,
        config=api.ConsumerConfig(
            name=name,
            filter_subject=PERSON_EVENTS,
            deliver_policy=api.DeliverPolicy.ALL,
            ack_policy=api.AckPolicy.EXPLICIT,
            inactive_threshold=60,  # a throw-away reader: the server removes it if we cannot
        ),
    )
    sub = await js.pull_subscribe_bind(stream=STREAM, name=name)
    deleted = 0
    try:
        while True:
            try:
                messages = await sub.fetch(200, timeout=1)
            except (NatsTimeoutError, TimeoutError):
                break  # read to the end
            for message in messages:
                await message.ack()
                if _is_earlier_event_about(message.data, subject):
                    await js.delete_msg(STREAM, message.metadata.sequence.stream)
                    deleted += 1
            if messages and messages[-1].metadata.num_pending == 0:
                break
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
        with contextlib.suppress(Exception):
            await js.delete_consumer(STREAM, name)
    return deleted


def _is_earlier_event_about(data: bytes, subject: str) -> bool:
    try:
        event = decode_event(data)
    except EventDecodeError:
        return False
    return event.subject == subject and not isinstance(event.data, PersonErased)


def scrub_consumer(runtime: Any) -> ConsumerSpec:
    """The registry's consumer of its own erasures."""

    async def handle(session: AsyncSession, event: CloudEvent[Any]) -> None:
        js = runtime.messaging.broker.config.connection_state.stream
        deleted = await scrub_person_events(js, event.data.id)
        log.info("registry.person.events_scrubbed", person_id=event.data.id, deleted=deleted)

    return ConsumerSpec(
        name="registry-person-scrub",
        events=(PersonErased,),
        handler=handle,
        description="Deletes an erased person's earlier events from the REGISTRY stream.",
    )
