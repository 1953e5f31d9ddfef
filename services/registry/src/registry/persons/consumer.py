"""After an erasure, earlier events about the person leave the REGISTRY stream too.

``registry.person.created``/``updated`` carry name and e-mail, and the stream keeps events for
weeks. The registry consumes its own ``registry.person.erased`` events (durable, inbox-guarded,
retried like any consumer) and deletes that person's earlier messages from the stream. Consumers
that had not read them yet lose nothing that matters: the erasure they still receive leaves
them in the same state.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from schulerfolg.events import CloudEvent, EventDecodeError, decode_event
from schulerfolg.events.registry import PersonErased
from schulerfolg.messaging.consumer import ConsumerSpec
from schulerfolg.privacy.erasure import erase_stream_messages

log = structlog.get_logger("registry.persons.consumer")

STREAM = "REGISTRY"
PERSON_EVENTS = "sfs.*.registry.person.>"


async def scrub_person_events(js: Any, person_id: str) -> int:
    """Erase the stream's earlier messages about ``person_id`` except the erasure; return how many."""
    subject = f"persons/{person_id}"
    return await erase_stream_messages(
        js,
        STREAM,
        filter_subject=PERSON_EVENTS,
        matches=lambda data: _is_earlier_event_about(data, subject),
    )


def _is_earlier_event_about(data: bytes, subject: str) -> bool:
    try:
        event = decode_event(data)
    except EventDecodeError:
        return False
    return event.subject == subject and not isinstance(event.data, PersonErased)


def scrub_consumer(runtime: Any) -> ConsumerSpec:
    """The registry's consumer of its own erasures."""

    async def handle(session: AsyncSession, event: CloudEvent[Any]) -> None:
        js = runtime.messaging.jetstream
        deleted = await scrub_person_events(js, event.data.id)
        log.info("registry.person.events_scrubbed", person_id=event.data.id, deleted=deleted)

    return ConsumerSpec(
        name="registry-person-scrub",
        events=(PersonErased,),
        handler=handle,
        description="Deletes an erased person's earlier events from the REGISTRY stream.",
    )
