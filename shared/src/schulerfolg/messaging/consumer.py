"""Inbox-guarded consumers with explicit outcomes.

Every delivery ends in exactly one of:
- **ack** after the handler's transaction committed, or when the event was already processed
  (the inbox row ``(consumer, event id)`` exists: a redelivery or a republish changes nothing);
- **nak with a delay** when the handler failed in a way that may pass (database away, a bug
  fixed by a deploy); the delay grows with each delivery, so there is no hot redelivery loop;
- **dead letter, then ack** when the event can never be processed (not decodable at all, not a
  CloudEvent, unknown type or version, invalid data, ``PermanentEventError``, a ``Problem`` —
  a business refusal the same event meets every time: at once) or still fails after the
  bounded number of attempts; the consumer goes on with the next event.

Bodies arrive as raw bytes (``Delivery``): whatever a ``content-type`` header claims, decoding
is ours, so no body can fail before this module decides.

Nothing is ever dropped by a library's default ack policy: ``PullConsumer`` (``pull.py``) settles
every message explicitly with the decision taken here.
"""

from __future__ import annotations

import asyncio
import enum
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import structlog
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from schulerfolg.db import Database, affected_rows, dialect_insert, utcnow
from schulerfolg.events.base import (
    SUBJECT_PREFIX,
    CloudEvent,
    EventDecodeError,
    EventPayload,
    decode_event,
)
from schulerfolg.http.problems import Problem
from schulerfolg.tables import PlatformTables

log = structlog.get_logger("schulerfolg.consumer")
tracer = trace.get_tracer("schulerfolg.consumer")

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
    """A durable consumer: its name, the events it handles and its handler.

    The stream and the subject filter follow from the event classes (each names its producing
    service, entity and action): the producer's stream, and the narrowest filter that covers
    every event — one subject, one entity's events, or everything the producer publishes.
    """

    name: str
    events: tuple[type[EventPayload], ...]
    handler: Handler
    description: str = ""

    def __post_init__(self) -> None:
        services = {cls.event_meta.service for cls in self.events}
        if len(services) != 1:
            raise ValueError(
                f"consumer {self.name!r} must handle events of exactly one producer, "
                f"not {sorted(services) or 'none'}"
            )

    @property
    def service(self) -> str:
        """The producing service whose stream this consumer reads."""
        return self.events[0].event_meta.service

    @property
    def stream(self) -> str:
        """The producer's stream (named after it, like ``StreamSpec.for_service``)."""
        return self.service.upper()

    @property
    def subject(self) -> str:
        """The NATS subject filter covering every handled event, with any region."""
        metas = [cls.event_meta for cls in self.events]
        entities = {meta.entity for meta in metas}
        actions = {meta.action for meta in metas}
        tail = ">"
        if len(entities) == 1:
            tail = f"{entities.pop()}." + (actions.pop() if len(actions) == 1 else ">")
        return f"{SUBJECT_PREFIX}.*.{self.service}.{tail}"

    def accepts(self, event: CloudEvent[Any]) -> bool:
        """Whether the handler wants this event (the subject filter may match more)."""
        return isinstance(event.data, self.events)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded attempts with exponential backoff."""

    max_attempts: int = 20
    backoff_base: float = 0.5
    backoff_max: float = 300.0

    def delay(self, delivered: int) -> float:
        """Seconds before the next delivery after ``delivered`` failed ones."""
        return float(min(self.backoff_base * 2 ** max(delivered - 1, 0), self.backoff_max))


@dataclass(frozen=True)
class Delivery:
    """One message as JetStream delivered it: raw bytes, whatever its headers claim."""

    body: bytes
    subject: str
    headers: Mapping[str, str] | None
    delivered: int  # 1 on the first delivery

    @property
    def message_id(self) -> str | None:
        """The producer's ``Nats-Msg-Id`` (the event id for our producers)."""
        return (self.headers or {}).get("Nats-Msg-Id")


@dataclass(frozen=True)
class Undecodable:
    """A delivery that can never become an event, with the reason."""

    delivery: Delivery
    reason: str


STOPPING = Decision(Outcome.NAK, delay=None, note="stopping")


class _HandlerFailed(Exception):
    """The handler of the ``index``-th delivery of a batch raised ``error``."""

    def __init__(self, index: int, error: Exception) -> None:
        super().__init__(index, error)
        self.index = index
        self.error = error


def consumer_span(
    consumer: str, delivery: Delivery, event: CloudEvent[Any]
) -> AbstractContextManager[trace.Span]:
    """The span of processing one event, in the trace its producer's headers carry."""
    return tracer.start_as_current_span(
        f"{delivery.subject} process",
        context=propagate.extract(dict(delivery.headers or {})),
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "nats",
            "messaging.destination.name": delivery.subject,
            "messaging.consumer.group.name": consumer,
            "messaging.message.id": str(event.id),
        },
    )


def decode_delivery(delivery: Delivery) -> CloudEvent[Any] | Undecodable:
    """The event in a delivery, or why there is none. Never raises: a hostile body (invalid
    JSON, bytes that are not UTF-8, nesting deeper than any parser recurses) is just a reason."""
    try:
        return decode_event(delivery.body)
    except EventDecodeError as exc:
        return Undecodable(delivery, str(exc))
    except Exception as exc:  # whatever else a hostile body provokes in a parser
        return Undecodable(delivery, f"undecodable: {type(exc).__name__}")


class InboxConsumer:
    """Runs a handler for each delivery inside one transaction guarded by the inbox."""

    def __init__(
        self,
        db: Database,
        tables: PlatformTables,
        spec: ConsumerSpec,
        retry: RetryPolicy,
        *,
        time_limit: float | None = None,
    ) -> None:
        self.db = db
        self.tables = tables
        self.spec = spec
        self.retry = retry
        # A handler still running when JetStream redelivers (ack_wait) has failed: it is
        # cancelled and retried, instead of holding the consumer, which handles in order.
        self.time_limit = time_limit

    async def process(self, delivery: Delivery) -> Decision:
        """Decode and handle one delivery and decide its outcome; never raises for its sake."""
        event = decode_delivery(delivery)
        if isinstance(event, Undecodable):
            return await self.dead_letter([event])
        return await self.handle(delivery, event)

    async def handle(self, delivery: Delivery, event: CloudEvent[Any]) -> Decision:
        """Run the handler for a decoded event in one inbox-guarded transaction."""
        with consumer_span(self.spec.name, delivery, event):
            return await self._handle(delivery, event)

    async def _handle(self, delivery: Delivery, event: CloudEvent[Any]) -> Decision:
        bound = log.bind(consumer=self.spec.name, event_id=str(event.id), event_type=event.type)
        if not self.spec.accepts(event):
            return Decision(Outcome.ACK, note="ignored")
        if delivery.delivered > self.retry.max_attempts:
            # The server's last delivery (max_deliver = max_attempts + 1): earlier ones never
            # reached an outcome (the handler outlived ack_wait, or the process died in it).
            # Park it without trying again, so it is recorded before the server gives up.
            reason = f"delivered {delivery.delivered} times without an outcome"
            return await self.dead_letter([Undecodable(delivery, reason)], event)
        try:
            async with asyncio.timeout(self.time_limit), self.db.transaction() as session:
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
                if affected_rows(inserted) == 0:
                    bound.info("consumer.duplicate_skipped")
                    return Decision(Outcome.ACK, note="duplicate")
                await self.spec.handler(session, event)
        except Exception as exc:
            return await self._failed(delivery, event, exc)
        bound.debug("consumer.processed")
        return Decision(Outcome.ACK, note="processed")

    async def _failed(self, delivery: Delivery, event: CloudEvent[Any], exc: Exception) -> Decision:
        """The outcome of a delivery whose handling raised ``exc`` (its transaction rolled back):
        dead letter for what fails every time, else a nak with a delay until attempts run out."""
        if isinstance(exc, PermanentEventError):
            return await self.dead_letter([Undecodable(delivery, str(exc))], event)
        if isinstance(exc, Problem):  # a business refusal: the same event is refused every time
            reason = f"{exc.status} {exc.rule or exc.slug}: {exc.detail or exc.title}"
            return await self.dead_letter([Undecodable(delivery, reason)], event)
        bound = log.bind(consumer=self.spec.name, event_id=str(event.id), event_type=event.type)
        reason = f"{type(exc).__name__}: {str(exc) or 'no outcome in time'}"[:2000]
        if delivery.delivered >= self.retry.max_attempts:
            bound.error("consumer.attempts_exhausted", attempts=delivery.delivered, error=reason)
            return await self.dead_letter([Undecodable(delivery, reason)], event)
        delay = self.retry.delay(delivery.delivered)
        bound.warning("consumer.retry", attempt=delivery.delivered, retry_in=delay, error=reason)
        return Decision(Outcome.NAK, delay=delay, note="retry")

    async def handle_batch(
        self,
        items: Sequence[tuple[Delivery, CloudEvent[Any]]],
        stopping: Callable[[], bool] = lambda: False,
    ) -> list[Decision]:
        """Handle decoded deliveries in stream order in ONE inbox-guarded transaction.

        One inbox insert claims every event of the batch (``ON CONFLICT DO NOTHING``: an event
        processed before, or a second copy inside the batch, is skipped), the handlers run one
        after another in stream order on the same session, and one commit settles them all — so
        the per-entity order of one-at-a-time handling holds, at one transaction per batch.

        When a handler fails, the batch is rolled back; the failing delivery gets exactly the
        decision ``handle`` gives it (dead letter, or nak with a delay) without running its
        handler again, and the deliveries before and after it are handled again as batches of
        their own, in order. Any other failure (the inbox insert or the commit, or their time
        limit) falls back to ``handle`` for each delivery. A batch of one is ``handle``. Once
        ``stopping()`` is true, what is not handled yet is handed back (nak without delay).
        """
        if not items:
            return []
        if stopping():
            return [STOPPING for _ in items]
        if len(items) == 1 or any(d.delivered > self.retry.max_attempts for d, _ in items):
            return await self._one_by_one(items, stopping)
        try:
            return await self._run_batch(items)
        except _HandlerFailed as failed:
            index = failed.index
            log.info(
                "consumer.batch_split",
                consumer=self.spec.name,
                size=len(items),
                failed_at=index,
                error=repr(failed.error)[:300],
            )
            head = await self.handle_batch(items[:index], stopping)
            if stopping():
                return head + [STOPPING for _ in items[index:]]
            delivery, event = items[index]
            with consumer_span(self.spec.name, delivery, event):
                failed_decision = await self._failed(delivery, event, failed.error)
            tail = await self.handle_batch(items[index + 1 :], stopping)
            return [*head, failed_decision, *tail]
        except Exception as exc:  # the inbox insert, the commit or the time limit
            log.info(
                "consumer.batch_failed",
                consumer=self.spec.name,
                size=len(items),
                error=f"{type(exc).__name__}: {exc}"[:300],
            )
            return await self._one_by_one(items, stopping)

    async def _one_by_one(
        self, items: Sequence[tuple[Delivery, CloudEvent[Any]]], stopping: Callable[[], bool]
    ) -> list[Decision]:
        decisions: list[Decision] = []
        for delivery, event in items:
            if stopping():  # stopping: hand the rest back for a prompt redelivery
                return decisions + [STOPPING for _ in items[len(decisions) :]]
            decisions.append(await self.handle(delivery, event))
        return decisions

    async def _run_batch(self, items: Sequence[tuple[Delivery, CloudEvent[Any]]]) -> list[Decision]:
        """One transaction for the whole batch; raises ``_HandlerFailed`` naming the delivery
        whose handler failed or ran out of time, or whatever else failed (then nothing is
        attributable).

        The time limit holds for each step as it does for a delivery on its own: the inbox
        insert, each handler, the commit — not for their sum, so a long batch of quick handlers
        is no failure, and a handler that hangs is charged to its own event."""
        decisions = [Decision(Outcome.ACK, note="ignored") for _ in items]
        wanted = [i for i, (_, event) in enumerate(items) if self.spec.accepts(event)]
        if not wanted:
            return decisions
        inbox = self.tables.inbox
        now = utcnow()
        events = {items[i][1].id: items[i][1] for i in wanted}  # each event id once
        loop = asyncio.get_running_loop()
        running: int | None = None  # the delivery whose handler runs

        def step(limit: asyncio.Timeout, index: int | None = None) -> None:
            nonlocal running
            running = index
            if self.time_limit is not None:
                limit.reschedule(loop.time() + self.time_limit)

        try:
            async with asyncio.timeout(None) as limit, self.db.transaction() as session:
                step(limit)
                claimed = await session.execute(
                    dialect_insert(session)(inbox)
                    .values(
                        [
                            {
                                "consumer": self.spec.name,
                                "event_id": event.id,
                                "event_type": event.type,
                                "processed_at": now,
                            }
                            for event in events.values()
                        ]
                    )
                    .on_conflict_do_nothing()
                    .returning(inbox.c.event_id)
                )
                fresh = set(claimed.scalars())
                for index in wanted:
                    delivery, event = items[index]
                    if event.id not in fresh:  # processed before, or a copy earlier in this batch
                        log.info(
                            "consumer.duplicate_skipped",
                            consumer=self.spec.name,
                            event_id=str(event.id),
                            event_type=event.type,
                        )
                        decisions[index] = Decision(Outcome.ACK, note="duplicate")
                        continue
                    fresh.discard(event.id)
                    step(limit, index)
                    try:
                        with consumer_span(self.spec.name, delivery, event):
                            await self.spec.handler(session, event)
                            # Flushed here, so a failing write is charged to its own event.
                            await session.flush()
                    except Exception as exc:
                        raise _HandlerFailed(index, exc) from exc
                    step(limit)
                    # The next handler reads what this one wrote, never a stale object of it.
                    session.expunge_all()
                    decisions[index] = Decision(Outcome.ACK, note="processed")
        except TimeoutError as exc:
            if running is None:
                raise  # the inbox insert or the commit
            raise _HandlerFailed(running, TimeoutError()) from exc
        return decisions

    async def dead_letter(
        self, parked: Sequence[Undecodable], event: CloudEvent[Any] | None = None
    ) -> Decision:
        """Park messages with their reasons in one transaction; ack them only once stored.

        ``event`` is the decoded event when a single decodable one is parked."""
        now = utcnow()
        rows: list[dict[str, Any]] = [
            {
                "consumer": self.spec.name,
                "event_id": str(event.id) if event else item.delivery.message_id,
                "event_type": event.type if event else None,
                "subject": item.delivery.subject,
                "reason": item.reason[:2000],
                "payload": item.delivery.body.decode("utf-8", errors="replace"),
                "headers": json.dumps(dict(item.delivery.headers or {})),
                "attempts": item.delivery.delivered,
                "created_at": now,
            }
            for item in parked
        ]
        try:
            async with self.db.transaction() as session:
                await session.execute(insert(self.tables.dead_letters), rows)
        except Exception as exc:  # the database is away: keep the messages for later
            log.warning("consumer.dead_letter_failed", consumer=self.spec.name, error=repr(exc))
            delivered = max(item.delivery.delivered for item in parked)
            return Decision(Outcome.NAK, delay=self.retry.delay(delivered), note="retry")
        for row in rows:
            log.error(
                "consumer.dead_lettered",
                consumer=self.spec.name,
                event_id=row["event_id"],
                reason=row["reason"][:300],
                attempts=row["attempts"],
            )
        return Decision(Outcome.ACK, note="dead_letter")
