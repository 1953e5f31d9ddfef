"""Inbox-guarded consumers with explicit outcomes.

Every delivery ends in exactly one of:
- **ack** after the handler's transaction committed, or when the event was already processed
  (the inbox row ``(consumer, event id)`` exists: a redelivery or a republish changes nothing);
- **nak with a delay** when the handler failed in a way that may pass (database away, a bug
  fixed by a deploy); the delay grows with each delivery, so there is no hot redelivery loop;
- **dead letter, then ack** when the event can never be processed (not a CloudEvent, unknown
  type or version, invalid data, ``PermanentEventError``) or still fails after the bounded
  number of attempts; the consumer goes on with the next event.

Nothing is ever dropped by FastStream's default policy: subscribers use ``AckPolicy.MANUAL``.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from schulerfolg.db import Database, dialect_insert, utcnow
from schulerfolg.events.base import CloudEvent, EventDecodeError, EventPayload, decode_event
from schulerfolg.tables import PlatformTables

log = structlog.get_logger("schulerfolg.consumer")

Handler = Callable[[AsyncSession, CloudEvent[Any]], Awaitable[None]]


class PermanentEventError(Exception):
    """Raised by a handler for an event that can never be processed (goes to the dead letters)."""


class Outcome(enum.Enum):
    """What to tell JetStream about a delivery."""

    ACK = "ack"
    NAK = "nak"


@dataclass(frozen=True)
class Decision:
    """The outcome of one delivery, with the redelivery delay for a nak."""

    outcome: Outcome
    delay: float | None = None
    note: str = ""


@dataclass(frozen=True)
class ConsumerSpec:
    """A durable consumer: its name, the stream and subject it reads, the events it handles."""

    name: str
    stream: str
    subject: str
    handler: Handler
    events: tuple[type[EventPayload], ...] = field(default=())
    description: str = ""

    def accepts(self, event: CloudEvent[Any]) -> bool:
        """Whether the handler wants this event (the subject filter may match more)."""
        return not self.events or isinstance(event.data, self.events)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded attempts with exponential backoff."""

    max_attempts: int = 20
    backoff_base: float = 0.5
    backoff_max: float = 300.0

    def delay(self, delivered: int) -> float:
        """Seconds before the next delivery after ``delivered`` failed ones."""
        return min(self.backoff_base * 2 ** max(delivered - 1, 0), self.backoff_max)


class InboxConsumer:
    """Runs a handler for each delivery inside one transaction guarded by the inbox."""

    def __init__(
        self, db: Database, tables: PlatformTables, spec: ConsumerSpec, retry: RetryPolicy
    ) -> None:
        self.db = db
        self.tables = tables
        self.spec = spec
        self.retry = retry

    async def process(
        self, body: bytes, *, subject: str, headers: Mapping[str, str] | None, delivered: int
    ) -> Decision:
        """Handle one delivery and decide its outcome; never raises for the event's sake."""
        try:
            event = decode_event(body)
        except EventDecodeError as exc:
            return await self._dead_letter(body, subject, headers, delivered, str(exc), None)
        bound = log.bind(consumer=self.spec.name, event_id=str(event.id), event_type=event.type)
        if not self.spec.accepts(event):
            return Decision(Outcome.ACK, note="ignored")
        try:
            async with self.db.transaction() as session:
                inserted = await session.execute(
                    dialect_insert(session)(self.tables.inbox)
                    .on_conflict_do_nothing()
                    .values(
                        consumer=self.spec.name,
                        event_id=event.id,
                        event_type=event.type,
                        processed_at=utcnow(),
                    )
                )
                if inserted.rowcount == 0:
                    bound.info("consumer.duplicate_skipped")
                    return Decision(Outcome.ACK, note="duplicate")
                await self.spec.handler(session, event)
        except PermanentEventError as exc:
            return await self._dead_letter(body, subject, headers, delivered, str(exc), event)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"[:2000]
            if delivered >= self.retry.max_attempts:
                bound.error("consumer.attempts_exhausted", attempts=delivered, error=reason)
                return await self._dead_letter(body, subject, headers, delivered, reason, event)
            delay = self.retry.delay(delivered)
            bound.warning("consumer.retry", attempt=delivered, retry_in=delay, error=reason)
            return Decision(Outcome.NAK, delay=delay, note="retry")
        bound.debug("consumer.processed")
        return Decision(Outcome.ACK, note="processed")

    async def _dead_letter(
        self,
        body: bytes,
        subject: str,
        headers: Mapping[str, str] | None,
        delivered: int,
        reason: str,
        event: CloudEvent[Any] | None,
    ) -> Decision:
        """Park the message with its reason; ack it only once it is safely stored."""
        try:
            async with self.db.transaction() as session:
                await session.execute(
                    insert(self.tables.dead_letters).values(
                        consumer=self.spec.name,
                        event_id=str(event.id) if event else _header_id(headers),
                        event_type=event.type if event else None,
                        subject=subject,
                        reason=reason,
                        payload=body.decode("utf-8", errors="replace"),
                        headers=json.dumps(dict(headers or {})),
                        attempts=delivered,
                        created_at=utcnow(),
                    )
                )
        except Exception as exc:  # the database is away: keep the message for later
            log.warning("consumer.dead_letter_failed", consumer=self.spec.name, error=repr(exc))
            return Decision(Outcome.NAK, delay=self.retry.delay(delivered), note="retry")
        log.error(
            "consumer.dead_lettered",
            consumer=self.spec.name,
            event_id=str(event.id) if event else _header_id(headers),
            reason=reason[:300],
            attempts=delivered,
        )
        return Decision(Outcome.ACK, note="dead_letter")


def _header_id(headers: Mapping[str, str] | None) -> str | None:
    return (headers or {}).get("Nats-Msg-Id")
