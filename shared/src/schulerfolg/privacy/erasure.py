"""Erasing a person's data from every copy a service keeps.

Besides its own tables, a service keeps copies of personal data in places nobody looks at
first: the stored responses of idempotent POSTs, published outbox rows (kept for debugging),
dead letters (raw event bodies), and the messages of its own stream (kept for weeks). An
erasure reaches all of them:

- ``forget_copies`` deletes the platform rows mentioning the person (by e-mail address or id);
- ``erase_stream_messages`` erases the service's own stream messages mentioning them. JetStream's
  message delete overwrites the stored message (``no_erase`` is false), so it is gone from the
  store files, not just marked deleted;
- ``erasure_consumer`` answers the registry's erasure requests (``registry.erasure.requested``)
  with both, after the service's own ``erase`` function, and reports completion as an event.

SQLite files are cleaned after each erasure (``Database.checkpoint``, requested through the
housekeeping), so erased values are not left in the WAL.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import structlog
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import api
from nats.js.errors import APIError
from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from schulerfolg.db import affected_rows
from schulerfolg.events.base import STATE, CloudEvent
from schulerfolg.events.privacy import ERASURE_COMPLETED, ErasureRequested
from schulerfolg.messaging.consumer import ConsumerSpec
from schulerfolg.tables import PlatformTables

log = structlog.get_logger("schulerfolg.privacy")

# Erases or pseudonymises what the service's own tables hold for an address; returns the
# number of records per kind (e.g. {"registrations": 2}).
EraseByEmail = Callable[[AsyncSession, str], Awaitable[dict[str, int]]]

# JetStream's answers when the message to delete is not there (any more).
MESSAGE_GONE = frozenset({10037, 10043, 10057})  # no message found; sequence not found
ERASURE_REQUESTED_TYPE = ErasureRequested.event_meta.cloudevent_type.encode()


class ErasurePending(RuntimeError):
    """An outbox row mentioning the person is not published yet; the erasure is retried after
    the relay has published it (so its stream message can be erased too)."""


def normalise_email(email: str) -> str:
    """Addresses are compared trimmed and case-insensitively."""
    return email.strip().lower()


def needles_for(values: Iterable[str | None]) -> list[str]:
    """The lower-cased values to look for, plus their JSON-escaped forms (non-ASCII, quotes)."""
    needles: list[str] = []
    for value in values:
        if not value or not value.strip():
            continue
        plain = value.strip().lower()
        for form in (plain, json.dumps(plain)[1:-1]):
            if form not in needles:
                needles.append(form)
    return needles


def mentions(data: bytes | str, needles: Sequence[str]) -> bool:
    """Whether ``data`` contains any needle (case-insensitively)."""
    text = (data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data).lower()
    return any(needle in text for needle in needles)


def _mentioning(columns: Sequence[Any], needles: Sequence[str]) -> Any:
    return or_(
        *(
            func.lower(column).contains(needle, autoescape=True)
            for column in columns
            for needle in needles
        )
    )


async def forget_copies(
    session: AsyncSession, tables: PlatformTables, needles: Sequence[str]
) -> dict[str, int]:
    """Delete stored responses, published outbox rows and dead letters mentioning a needle.

    Raises ``ErasurePending`` when an unpublished outbox row mentions one: deleting it would lose
    an event other services need, and once published its stream message is erased too.
    """
    if not needles:
        return {}
    outbox, keys, dead = tables.outbox, tables.idempotency_keys, tables.dead_letters
    waiting = await session.scalar(
        select(func.count())
        .select_from(outbox)
        .where(outbox.c.published_at.is_(None), _mentioning([outbox.c.payload], needles))
    )
    if waiting:
        raise ErasurePending(f"{waiting} outbox rows mentioning the person are not published yet")
    responses = await session.execute(
        delete(keys).where(_mentioning([keys.c.response_body, keys.c.response_headers], needles))
    )
    published = await session.execute(
        delete(outbox).where(
            outbox.c.published_at.is_not(None), _mentioning([outbox.c.payload], needles)
        )
    )
    dead_letters = await session.execute(
        delete(dead).where(_mentioning([dead.c.payload, dead.c.headers, dead.c.reason], needles))
    )
    return {
        "stored_responses": affected_rows(responses),
        "outbox_rows": affected_rows(published),
        "dead_letters": affected_rows(dead_letters),
    }


async def erase_stream_messages(
    js: Any,
    stream: str,
    *,
    filter_subject: str,
    matches: Callable[[bytes], bool],
) -> int:
    """Erase every message of ``stream`` on ``filter_subject`` whose body ``matches``.

    Reads the stream with a throw-away consumer (the server removes it if we cannot) and deletes
    matching messages by sequence with erasure (overwritten in the store). Returns how many.
    """
    name = f"erase-{uuid.uuid4().hex[:12]}"
    await js.add_consumer(
        stream,
        config=api.ConsumerConfig(
            name=name,
            filter_subject=filter_subject,
            deliver_policy=api.DeliverPolicy.ALL,
            ack_policy=api.AckPolicy.EXPLICIT,
            inactive_threshold=60,  # a throw-away reader: the server removes it if we cannot
        ),
    )
    sub = await js.pull_subscribe_bind(stream=stream, name=name)
    erased = 0
    try:
        while True:
            try:
                messages = await sub.fetch(500, timeout=1)
            except (NatsTimeoutError, TimeoutError):
                break  # read to the end
            for message in messages:
                await message.ack()
                if matches(message.data) and await _erase(
                    js, stream, message.metadata.sequence.stream
                ):
                    erased += 1
            if messages and messages[-1].metadata.num_pending == 0:
                break
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
        with contextlib.suppress(Exception):
            await js.delete_consumer(stream, name)
    return erased


async def _erase(js: Any, stream: str, sequence: int) -> bool:
    """Erase one message; False when it is gone already (another erasure got there first)."""
    try:
        await js.delete_msg(stream, sequence)
    except APIError as exc:
        if exc.err_code in MESSAGE_GONE:
            return False
        raise
    return True


async def erase_from_own_stream(runtime: Any, matches: Callable[[bytes], bool]) -> int:
    """Erase the matching messages of the running service's own stream (none if it has none)."""
    stream = runtime.stream
    if stream is None:
        return 0
    erased = 0
    for subject in stream.subjects:
        erased += await erase_stream_messages(
            runtime.messaging.jetstream, stream.name, filter_subject=subject, matches=matches
        )
    return erased


def erasure_consumer(runtime: Any, erase: EraseByEmail) -> ConsumerSpec:
    """The consumer answering ``registry.erasure.requested`` for the running service.

    In one transaction: the service's ``erase`` on its tables, ``forget_copies`` on its platform
    tables, the erasure of its own stream's messages mentioning the address (not the request
    itself: the registry removes that once every service has answered), and the answer
    ``<service>.erasure.completed`` with the counts. A failure is retried like any event; every
    step finds nothing left the second time.
    """
    service = runtime.definition.name
    completed = ERASURE_COMPLETED[service]

    async def handle(session: AsyncSession, event: CloudEvent[Any]) -> None:
        request: ErasureRequested = event.data
        email = normalise_email(request.email)
        counts = dict(await erase(session, email))
        needles = needles_for([email])
        counts.update(await forget_copies(session, runtime.tables, needles))
        counts["stream_messages"] = await erase_from_own_stream(
            runtime,
            lambda body: ERASURE_REQUESTED_TYPE not in body and mentions(body, needles),
        )
        await runtime.outbox.append(
            session,
            completed(request_id=request.id, service=service, counts=counts),
            entity_id=str(request.id),
            region=STATE,
        )
        runtime.housekeeping.checkpoint_after_commit(session)
        log.info("privacy.erasure_completed", request_id=str(request.id), **counts)

    return ConsumerSpec(
        name=f"{service}-erasure-requests",
        events=(ErasureRequested,),
        handler=handle,
        description="Erases what this service holds for an e-mail address and reports back.",
    )
