"""Old platform rows are purged; recent ones and unsent events stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from platform_support import new_id
from sqlalchemy import insert, update

from schulerfolg.db import utcnow
from schulerfolg.housekeeping import Housekeeping, Retention
from schulerfolg.settings import ServiceSettings


async def test_purge_removes_only_rows_past_their_retention(db_kind, nats_server, start_service):
    service = await start_service(db_kind, "nats://127.0.0.1:1")  # NATS away: events stay unsent
    t = service.tables
    now = utcnow()
    old, recent = now - timedelta(days=100), now - timedelta(minutes=5)
    sent_old, sent_recent, unsent_old = [await service.emit(new_id()) for _ in range(3)]
    async with service.db.transaction() as session:
        await session.execute(
            update(t.outbox).where(t.outbox.c.event_id == sent_old.id).values(published_at=old)
        )
        await session.execute(
            update(t.outbox)
            .where(t.outbox.c.event_id == sent_recent.id)
            .values(published_at=recent)
        )
        await session.execute(
            update(t.outbox).where(t.outbox.c.event_id == unsent_old.id).values(created_at=old)
        )
        for key, created in (("old", old), ("recent", recent)):
            await session.execute(
                insert(t.idempotency_keys).values(
                    scope="s", key=key, fingerprint="f", created_at=created
                )
            )
        for event_id, processed in ((sent_old.id, old), (sent_recent.id, recent)):
            await session.execute(
                insert(t.inbox).values(
                    consumer="c", event_id=event_id, event_type="x", processed_at=processed
                )
            )

    retention = Retention(
        outbox=timedelta(days=7), idempotency_keys=timedelta(hours=24), inbox=timedelta(days=45)
    )
    purged = await Housekeeping(service.db, t, retention).purge()

    assert (purged.outbox, purged.idempotency_keys, purged.inbox) == (1, 1, 1)
    remaining = {r.event_id for r in await service.rows(t.outbox)}
    assert remaining == {sent_recent.id, unsent_old.id}  # an unsent event is never purged
    assert [r.key for r in await service.rows(t.idempotency_keys)] == ["recent"]
    assert [r.event_id for r in await service.rows(t.inbox)] == [sent_recent.id]


def test_the_inbox_must_outlive_the_stream():
    with pytest.raises(ValueError, match="inbox_retention_days"):
        ServiceSettings(stream_max_age_days=60, inbox_retention_days=45)
