"""Periodic clean-up of the platform tables, so nothing grows without bound and personal data
in stored responses does not outlive its use.

- outbox rows published longer ago than the outbox retention (kept meanwhile for debugging);
- idempotency keys older than their time to live (their stored responses may hold personal data);
- inbox rows older than the inbox retention, which is longer than the stream keeps events, so a
  redelivered or replayed event is always still recognised.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlalchemy import delete

from schulerfolg.db import Database, affected_rows, utcnow
from schulerfolg.tables import PlatformTables
from schulerfolg.tasks import cancel_and_wait

log = structlog.get_logger("schulerfolg.housekeeping")


@dataclass(frozen=True)
class Retention:
    """How long each kind of platform row is kept."""

    outbox: timedelta
    idempotency_keys: timedelta
    inbox: timedelta


@dataclass(frozen=True)
class Purged:
    """How many rows one round removed."""

    outbox: int
    idempotency_keys: int
    inbox: int


class Housekeeping:
    """Purges old platform rows now and then (every ``interval`` seconds)."""

    def __init__(
        self, db: Database, tables: PlatformTables, retention: Retention, *, interval: float = 600
    ) -> None:
        self.db = db
        self.tables = tables
        self.retention = retention
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def purge(self) -> Purged:
        """Delete what has outlived its retention; return the counts."""
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
        purged = Purged(affected_rows(outbox), affected_rows(keys), affected_rows(inbox))
        if any((purged.outbox, purged.idempotency_keys, purged.inbox)):
            log.info("housekeeping.purged", **purged.__dict__)
        return purged

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
