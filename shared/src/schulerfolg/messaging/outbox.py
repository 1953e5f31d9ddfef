"""Transactional outbox: events are stored with the state change and published by a relay.

``Outbox.append`` inserts the event in the caller's transaction, with the current trace context,
so an event exists exactly when its state change committed. ``OutboxRelay`` publishes unsent rows
in order to JetStream with ``Nats-Msg-Id`` = event id — a batch pipelined: all messages handed to
the connection in order, then their acks awaited together — and only then marks the acked rows
sent, in one statement. It is woken right after each commit and also polls.

- PostgreSQL: rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and marked in the same
  transaction, so several replicas never publish the same row twice.
- SQLite (one process per database): rows are read, published outside any transaction (so a slow
  or absent NATS never holds SQLite's single write lock) and then marked.

A crash between publish and mark republishes the row; JetStream drops the duplicate within its
duplicate window because the message id is the event id. A failed publish marks only the rows
before it; it and the rows after it are published again from there. Pipelining leaves one gap in
the order: a message the stream refuses on its own (not a lost connection, which fails all that
follow) lets the later ones of its batch, already stored, overtake its retry.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from opentelemetry import context as otel_context
from opentelemetry.propagate import extract, inject
from sqlalchemy import Row, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from schulerfolg.db import Database, UTCDateTime, after_commit, utcnow
from schulerfolg.events.base import CloudEvent, EventPayload
from schulerfolg.failpoints import failpoint
from schulerfolg.tables import PlatformTables
from schulerfolg.tasks import cancel_and_wait

log = structlog.get_logger("schulerfolg.outbox")

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"

# ``await publish(subject, body, headers)`` hands one message to the connection (in call order)
# and returns the awaitable of JetStream's ack (``Messaging.publish``).
Publish = Callable[[str, bytes, dict[str, str]], Awaitable[Awaitable[object]]]

# Advisory lock key of the relay (each service has its own database, so one constant serves).
RELAY_LOCK = 0x5CF0_0B0C
MAX_TRACESTATE = 512


class Outbox:
    """Appends a service's events to its outbox table inside the caller's transaction."""

    def __init__(self, tables: PlatformTables) -> None:
        self.table = tables.outbox
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, wake: Callable[[], None]) -> None:
        """Call ``wake`` after each commit that appended events (a relay's wake-up)."""
        if wake not in self._listeners:
            self._listeners.append(wake)

    def unsubscribe(self, wake: Callable[[], None]) -> None:
        """Stop calling ``wake``."""
        if wake in self._listeners:
            self._listeners.remove(wake)

    def _committed(self) -> None:
        for wake in list(self._listeners):
            wake()

    async def append(
        self, session: AsyncSession, payload: EventPayload, *, entity_id: str, region: str
    ) -> CloudEvent[Any]:
        """Store the event for ``entity_id`` in ``region``; it is published after commit."""
        (event,) = await self.append_many(session, [(payload, entity_id, region)])
        return event

    async def append_many(
        self, session: AsyncSession, items: Sequence[tuple[EventPayload, str, str]]
    ) -> list[CloudEvent[Any]]:
        """Store several events (payload, entity id, region) in one statement, in this order."""
        if not items:
            return []
        carrier: dict[str, str] = {}
        inject(carrier)
        traceparent = carrier.get("traceparent")
        # Tracing must never fail a business write: an oversized client tracestate is dropped.
        tracestate = _bounded(carrier.get("tracestate"))
        now = utcnow()
        events = [
            CloudEvent.wrap(payload, entity_id=entity_id, region=region)
            for payload, entity_id, region in items
        ]
        await session.execute(
            insert(self.table),
            [
                {
                    "event_id": event.id,
                    "subject": event.nats_subject(),
                    "event_type": event.type,
                    "payload": event.model_dump_json(),
                    "traceparent": traceparent,
                    "tracestate": tracestate,
                    "created_at": now,
                }
                for event in events
            ],
        )
        if not session.info.get("schulerfolg.outbox_hooked"):
            session.info["schulerfolg.outbox_hooked"] = True
            after_commit(session, self._committed)
        log.debug("outbox.appended", count=len(events), event_type=events[0].type)
        return events


def _bounded(tracestate: str | None) -> str | None:
    return tracestate if tracestate and len(tracestate) <= MAX_TRACESTATE else None


@dataclass(frozen=True)
class _Result:
    seq: int
    error: str | None


class OutboxRelay:
    """Publishes outbox rows to JetStream, in order, each exactly once into the stream."""

    def __init__(
        self,
        db: Database,
        tables: PlatformTables,
        publish: Publish,
        *,
        poll_interval: float = 1.0,
        batch_size: int = 100,
        max_backoff: float = 5.0,
    ) -> None:
        self.db = db
        self.table = tables.outbox
        self.publish = publish
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.max_backoff = max_backoff
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._failures = 0

    def wake(self) -> None:
        """Ask the relay to look for new rows now (called after commits)."""
        self._wakeup.set()

    def start(self) -> None:
        """Run the relay loop in a background task."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Stop the relay loop (a publish in flight is abandoned; its row is republished later)."""
        if self._task is not None:
            await cancel_and_wait(self._task)
            self._task = None

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()  # a commit during the pass below wakes the next one at once
            try:
                published = await self.relay_once()
                self._failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep relaying whatever happens; the row stays unsent
                self._failures += 1
                delay = min(0.2 * 2 ** (self._failures - 1), self.max_backoff)
                log.warning("outbox.relay_failed", error=repr(exc)[:500], retry_in=delay)
                await asyncio.sleep(delay)
                continue
            if published >= self.batch_size:
                continue  # more may be waiting
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives just as the wake-up fires, and the relay would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval):
                    await self._wakeup.wait()

    def _pending(self) -> Any:
        t = self.table
        return (
            select(t.c.seq, t.c.event_id, t.c.subject, t.c.payload, t.c.traceparent, t.c.tracestate)
            .where(t.c.published_at.is_(None))
            .order_by(t.c.seq)
            .limit(self.batch_size)
        )

    async def relay_once(self) -> int:
        """Publish one batch of unsent rows; return how many were published.

        Raises when a publish fails (after recording the error on the row), so the caller backs
        off; rows after a failed one wait, which keeps the order of events.
        """
        if self.db.is_sqlite:
            async with self.db.transaction() as session:
                rows = (await session.execute(self._pending())).all()
            results = await self._publish_rows(rows)
            async with self.db.transaction() as session:
                await self._mark(session, results)
        else:
            async with self.db.transaction() as session:
                # One relay at a time per database keeps events in order across replicas; the
                # others find the lock taken and wait for the next round. SKIP LOCKED still
                # guarantees that a row is never claimed twice.
                if not await session.scalar(
                    text(f"SELECT pg_try_advisory_xact_lock({RELAY_LOCK})")
                ):
                    return 0
                claim = self._pending().with_for_update(skip_locked=True)
                rows = (await session.execute(claim)).all()
                results = await self._publish_rows(rows)
                await self._mark(session, results)
        failed = [r for r in results if r.error]
        if failed:
            raise RuntimeError(f"publish failed: {failed[0].error}")
        return len(results)

    async def _publish_rows(self, rows: Sequence[Row[Any]]) -> list[_Result]:
        """Publish the rows pipelined: hand each to the connection in order (``publish``
        returns once its message is queued on the connection, see ``Messaging.publish``), then
        await all acks together. The result covers the acked rows before the first failure and
        that failure; rows after it stay unsent and are published again from there (JetStream
        drops those of them it already stored: same ``Nats-Msg-Id``)."""
        acks: list[Awaitable[object]] = []
        handover_error: str | None = None
        for row in rows:
            carrier = {"traceparent": row.traceparent or "", "tracestate": row.tracestate or ""}
            token = otel_context.attach(extract({k: v for k, v in carrier.items() if v}))
            try:
                failpoint("outbox.before_publish")  # committed, not yet published: a crash here
                headers = {"Nats-Msg-Id": str(row.event_id), "content-type": CONTENT_TYPE}
                acks.append(await self.publish(row.subject, row.payload.encode(), headers))
            except Exception as exc:
                handover_error = repr(exc)[:2000]
                break  # keep order: later rows wait for this one
            finally:
                otel_context.detach(token)
        outcomes = await asyncio.gather(*acks, return_exceptions=True)
        results: list[_Result] = []
        for row, outcome in zip(rows, outcomes, strict=False):
            if isinstance(outcome, BaseException):
                results.append(_Result(row.seq, repr(outcome)[:2000]))
                return results  # keep order: later rows are published again after this one
            failpoint("outbox.after_publish")
            results.append(_Result(row.seq, None))
        if handover_error is not None:
            results.append(_Result(rows[len(acks)].seq, handover_error))
        return results

    async def _mark(self, session: AsyncSession, results: list[_Result]) -> None:
        """Mark every acked row sent in one statement; record the failure on its row."""
        t = self.table
        sent = [r.seq for r in results if r.error is None]
        if sent:
            await session.execute(
                update(t)
                .where(t.c.seq.in_(sent))
                .values(published_at=utcnow(), attempts=t.c.attempts + 1, last_error=None)
            )
        for r in results:
            if r.error is not None:
                await session.execute(
                    update(t)
                    .where(t.c.seq == r.seq)
                    .values(attempts=t.c.attempts + 1, last_error=r.error)
                )

    async def backlog(self) -> tuple[int, float]:
        """Unsent rows and the age in seconds of the oldest (for metrics)."""
        t = self.table
        async with self.db.read_sessions() as session:
            count, oldest = (
                await session.execute(
                    select(func.count(), func.min(t.c.created_at, type_=UTCDateTime)).where(
                        t.c.published_at.is_(None)
                    )
                )
            ).one()
        if not count or oldest is None:
            return 0, 0.0
        return int(count), max(0.0, (utcnow() - oldest).total_seconds())
