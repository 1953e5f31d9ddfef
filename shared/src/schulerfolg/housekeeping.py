"""Periodic clean-up, so nothing grows without bound and personal data does not outlive its use.

- outbox rows published longer ago than the outbox retention (kept meanwhile for debugging);
- idempotency keys older than their time to live (their stored responses may hold personal data);
- inbox rows older than the inbox retention, which is longer than the stream keeps events, so a
  redelivered or replayed event is always still recognised;
- dead letters older than their retention (they hold raw event bodies);
- the service's own retention tasks (``schulerfolg.privacy.retention``), which anonymise personal
  data whose retention has ended.

After anything personal was erased (a round that changed rows, or an erasure that asked for it)
the SQLite file is checkpointed, so the erased values are gone from the WAL too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import structlog
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from schulerfolg.db import Database, affected_rows, after_commit, utcnow
from schulerfolg.privacy.retention import RetentionTask
from schulerfolg.tables import PlatformTables
from schulerfolg.tasks import cancel_and_wait

log = structlog.get_logger("schulerfolg.housekeeping")

CHECKPOINT_ATTEMPTS = 20
CHECKPOINT_RETRY_SECONDS = 0.5


@dataclass(frozen=True)
class Retention:
    """How long each kind of platform row is kept."""

    outbox: timedelta
    idempotency_keys: timedelta
    inbox: timedelta
    dead_letters: timedelta = timedelta(days=90)
    clock_offset: timedelta = timedelta(0)  # retention tasks run as if this much time had passed


@dataclass(frozen=True)
class Purged:
    """How many rows one round removed or anonymised."""

    outbox: int
    idempotency_keys: int
    inbox: int
    dead_letters: int = 0
    anonymised: dict[str, int] = field(default_factory=dict)
    duties: dict[str, int] = field(default_factory=dict)  # the tasks without personal data

    @property
    def personal(self) -> bool:
        """Whether the round removed rows that may hold personal data."""
        return bool(self.idempotency_keys or self.dead_letters or any(self.anonymised.values()))


class Housekeeping:
    """Purges old platform rows and runs the retention tasks now and then (every ``interval``)."""

    def __init__(
        self,
        db: Database,
        tables: PlatformTables,
        retention: Retention,
        *,
        interval: float = 600,
        tasks: Sequence[RetentionTask] = (),
    ) -> None:
        self.db = db
        self.tables = tables
        self.retention = retention
        self.interval = interval
        self.tasks = tuple(tasks)
        self._task: asyncio.Task[None] | None = None
        self._checkpoint: asyncio.Task[None] | None = None
        self._checkpoint_again = False

    async def purge(self) -> Purged:
        """Delete what has outlived its retention and run the retention tasks; return the counts."""
        t = self.tables
        now = utcnow()
        async with self.db.transaction() as session:
            outbox = await session.execute(
                delete(t.outbox).where(t.outbox.c.published_at < now - self.retention.outbox)
            )
            keys = await session.execute(
                delete(t.idempotency_keys).where(
                    t.idempotency_keys.c.created_at < now - self.retention.idempotency_keys
                )
            )
            inbox = await session.execute(
                delete(t.inbox).where(t.inbox.c.processed_at < now - self.retention.inbox)
            )
            dead = await session.execute(
                delete(t.dead_letters).where(
                    t.dead_letters.c.created_at < now - self.retention.dead_letters
                )
            )
        anonymised: dict[str, int] = {}
        duties: dict[str, int] = {}
        moved_now = now + self.retention.clock_offset
        for task in self.tasks:
            async with self.db.transaction() as session:
                done = await task.run(session, moved_now)
            (anonymised if task.personal else duties)[task.kind] = done
        purged = Purged(
            affected_rows(outbox),
            affected_rows(keys),
            affected_rows(inbox),
            affected_rows(dead),
            anonymised,
            duties,
        )
        if purged.personal:
            await self.checkpoint()
        if any((purged.outbox, purged.idempotency_keys, purged.inbox, purged.dead_letters)) or any(
            [*anonymised.values(), *duties.values()]
        ):
            log.info(
                "housekeeping.purged",
                outbox=purged.outbox,
                idempotency_keys=purged.idempotency_keys,
                inbox=purged.inbox,
                dead_letters=purged.dead_letters,
                **{f"anonymised_{kind}": n for kind, n in anonymised.items()},
                **{f"done_{kind}": n for kind, n in duties.items()},
            )
        return purged

    async def checkpoint(self) -> None:
        """Empty the SQLite WAL (retried while readers hold older snapshots); nothing on PostgreSQL."""
        for _ in range(CHECKPOINT_ATTEMPTS):
            if await self.db.checkpoint():
                return
            await asyncio.sleep(CHECKPOINT_RETRY_SECONDS)
        log.warning("housekeeping.checkpoint_busy", attempts=CHECKPOINT_ATTEMPTS)

    def checkpoint_soon(self) -> None:
        """Checkpoint in the background (after an erasure); calls during one run it once more."""
        if self._checkpoint is not None and not self._checkpoint.done():
            self._checkpoint_again = True
            return
        self._checkpoint = asyncio.create_task(self._checkpoint_loop(), name="checkpoint")

    async def _checkpoint_loop(self) -> None:
        while True:
            self._checkpoint_again = False
            try:
                await self.checkpoint()
            except Exception as exc:  # the next erasure or round tries again
                log.warning("housekeeping.checkpoint_failed", error=repr(exc)[:300])
            if not self._checkpoint_again:
                return

    def checkpoint_after_commit(self, session: AsyncSession) -> None:
        """Checkpoint once ``session``'s unit of work (an erasure) has committed."""
        if self.db.is_sqlite:
            after_commit(session, self.checkpoint_soon)

    def start(self) -> None:
        """Purge in the background, first after one interval."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="housekeeping")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.purge()
            except Exception as exc:  # try again next round
                log.warning("housekeeping.failed", error=repr(exc)[:300])

    async def stop(self) -> None:
        """Stop purging."""
        if self._task is not None:
            await cancel_and_wait(self._task)
            self._task = None
        if self._checkpoint is not None:
            await cancel_and_wait(self._checkpoint)
            self._checkpoint = None
