"""The shared privacy parts: copies of personal data in the platform tables, the stream and the
SQLite files are erased; retention runs on the moved clock; the audit log pages newest first."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path

import nats
import pytest
from platform_support import new_id
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from schulerfolg.db import Database, make_metadata, utcnow
from schulerfolg.housekeeping import Housekeeping, Retention
from schulerfolg.http.pagination import encode_cursor
from schulerfolg.http.problems import BadRequest
from schulerfolg.privacy import audit
from schulerfolg.privacy.erasure import (
    ErasurePending,
    _erase,
    erase_stream_messages,
    forget_copies,
    mentions,
    needles_for,
)
from schulerfolg.privacy.retention import RetentionTask
from schulerfolg.tables import audit_table
from schulerfolg_dev.testing.servers import NatsServer

EMAIL = "Erika.Unverwechselbar_7@example.org"


def files_containing(directory: Path, needle: bytes) -> list[str]:
    """The files under ``directory`` whose bytes contain ``needle``."""
    return [
        str(path) for path in directory.rglob("*") if path.is_file() and needle in path.read_bytes()
    ]


def test_needles_cover_case_and_json_escapes():
    needles = needles_for(["  Jürgen.Groß@Example.org ", None, ""])
    assert needles == ["jürgen.groß@example.org", "j\\u00fcrgen.gro\\u00df@example.org"]
    assert mentions(json.dumps({"email": "Jürgen.Groß@example.org"}).encode(), needles)
    assert mentions(json.dumps({"e": "JÜRGEN.GROSS"}).encode(), needles) is False


async def test_forget_copies_deletes_only_rows_mentioning_the_person(db_kind, start_service):
    service = await start_service(db_kind, "nats://127.0.0.1:1")  # NATS away: nothing is sent
    t = service.tables
    now = utcnow()
    mine = json.dumps({"contact": {"email": EMAIL.upper()}})
    other = json.dumps({"contact": {"email": "someone.else@example.org"}})
    async with service.db.transaction() as session:
        for key, body in (("mine", mine), ("other", other), ("empty", None)):
            await session.execute(
                insert(t.idempotency_keys).values(
                    scope="s", key=key, fingerprint="f", response_body=body, created_at=now
                )
            )
        for payload in (mine, other):
            await session.execute(
                insert(t.dead_letters).values(
                    consumer="c",
                    subject="x",
                    reason="r",
                    payload=payload,
                    attempts=1,
                    created_at=now,
                )
            )
    unsent = await service.emit(new_id())
    async with service.db.transaction() as session:
        await session.execute(
            t.outbox.update().where(t.outbox.c.event_id == unsent.id).values(payload=mine)
        )

    # An unsent event mentioning the person: not yet (its stream message could not be erased).
    with pytest.raises(ErasurePending):
        async with service.db.transaction() as session:
            await forget_copies(session, t, needles_for([EMAIL]))

    async with service.db.transaction() as session:
        await session.execute(
            t.outbox.update().where(t.outbox.c.event_id == unsent.id).values(published_at=now)
        )
        counts = await forget_copies(session, t, needles_for([EMAIL]))

    assert counts == {"stored_responses": 1, "outbox_rows": 1, "dead_letters": 1}
    assert sorted(r.key for r in await service.rows(t.idempotency_keys)) == ["empty", "other"]
    assert [r.payload for r in await service.rows(t.dead_letters)] == [other]
    assert await service.count(t.outbox) == 0


async def test_a_percent_or_underscore_in_an_address_matches_only_itself(start_service):
    service = await start_service("sqlite", "nats://127.0.0.1:1")
    t = service.tables
    async with service.db.transaction() as session:
        await session.execute(
            insert(t.idempotency_keys).values(
                scope="s",
                key="k",
                fingerprint="f",
                response_body="a1b@example.org",
                created_at=utcnow(),
            )
        )
        counts = await forget_copies(session, t, needles_for(["a_b@example.org"]))
    assert counts["stored_responses"] == 0  # "_" is not a wildcard here


async def test_erased_stream_messages_are_gone_from_the_store_files(tmp_path: Path):
    with NatsServer(store_dir=tmp_path / "nats") as server:
        nc = await nats.connect(server.url)
        try:
            js = nc.jetstream()
            await js.add_stream(name="PRIVACY", subjects=["sfs.*.privacy.>"])
            for n, email in enumerate((EMAIL, "keep.me@example.org", EMAIL.lower())):
                await js.publish(
                    f"sfs.boerde.privacy.thing.{n}", json.dumps({"email": email}).encode()
                )
            needles = needles_for([EMAIL])

            erased = await erase_stream_messages(
                js,
                "PRIVACY",
                filter_subject="sfs.*.privacy.>",
                matches=lambda b: mentions(b, needles),
            )

            assert erased == 2
            info = await js.stream_info("PRIVACY")
            assert info.state.messages == 1
            # A second erasure (another consumer got there first) finds nothing and fails not.
            again = await erase_stream_messages(
                js,
                "PRIVACY",
                filter_subject="sfs.*.privacy.>",
                matches=lambda b: mentions(b, needles),
            )
            assert again == 0
            # Raced: the message was deleted after it was read.
            await js.publish("sfs.boerde.privacy.thing.9", b"{}")
            info = await js.stream_info("PRIVACY")
            assert await _erase(js, "PRIVACY", info.state.last_seq)
            assert not await _erase(js, "PRIVACY", info.state.last_seq)
        finally:
            await nc.close()
    # The server is stopped: everything it kept is on disk.
    store = tmp_path / "nats"
    assert files_containing(store, b"keep.me@example.org")  # the search finds what is there
    assert files_containing(store, EMAIL.encode()) == []
    assert files_containing(store, EMAIL.lower().encode()) == []


async def test_sqlite_keeps_no_erased_bytes_after_a_checkpoint(tmp_path: Path):
    path = tmp_path / "privacy.sqlite"
    db = Database(f"sqlite+aiosqlite:///{path}")
    metadata = make_metadata()
    table = audit_table(metadata)  # any table with a text column will do
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        async with db.transaction() as session:
            for n in range(200):
                resource = f"contacts/{EMAIL}" if n == 100 else f"contacts/other-{n}"
                await session.execute(
                    insert(table).values(at=utcnow(), actor="a", action="x", resource=resource)
                )
        assert files_containing(tmp_path, EMAIL.encode())

        async with db.transaction() as session:
            await session.execute(delete(table).where(table.c.resource == f"contacts/{EMAIL}"))
        assert await db.checkpoint()

        assert files_containing(tmp_path, EMAIL.encode()) == []
        assert files_containing(tmp_path, b"contacts/other-199")  # the rest is still there
    finally:
        await db.dispose()


async def test_retention_tasks_run_on_the_moved_clock(start_service):
    service = await start_service("sqlite", "nats://127.0.0.1:1")
    seen: list[datetime] = []

    async def anonymise(session: AsyncSession, now: datetime) -> int:
        seen.append(now)
        return 3

    retention = Retention(
        outbox=timedelta(days=7),
        idempotency_keys=timedelta(hours=24),
        inbox=timedelta(days=45),
        clock_offset=timedelta(days=400),
    )
    housekeeping = Housekeeping(
        service.db, service.tables, retention, tasks=[RetentionTask("registrations", anonymise)]
    )
    before = utcnow()
    purged = await housekeeping.purge()

    assert purged.anonymised == {"registrations": 3}
    assert purged.personal
    assert len(seen) == 1
    assert before + timedelta(days=400) <= seen[0] <= utcnow() + timedelta(days=400)


async def test_dead_letters_are_purged_after_their_retention(db_kind, start_service):
    service = await start_service(db_kind, "nats://127.0.0.1:1")
    t = service.tables
    now = utcnow()
    async with service.db.transaction() as session:
        for reason, created in (("old", now - timedelta(days=91)), ("recent", now)):
            await session.execute(
                insert(t.dead_letters).values(
                    consumer="c",
                    subject="x",
                    reason=reason,
                    payload="{}",
                    attempts=1,
                    created_at=created,
                )
            )
    retention = Retention(
        outbox=timedelta(days=7), idempotency_keys=timedelta(hours=24), inbox=timedelta(days=45)
    )
    purged = await Housekeeping(service.db, t, retention).purge()
    assert purged.dead_letters == 1
    assert [r.reason for r in await service.rows(t.dead_letters)] == ["recent"]


async def test_the_audit_log_pages_newest_first_and_filters(db_kind, new_database):
    db = Database(await new_database(db_kind))
    metadata = make_metadata()
    table = audit_table(metadata)
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        async with db.transaction() as session:
            for n in range(5):
                await audit.record(
                    session,
                    table,
                    actor=f"sub-{n}",
                    action="application.updated",
                    resource="applications/a",
                )
            await audit.record(
                session, table, actor=None, action="application.approved", resource="applications/b"
            )
        await audit.record_read(
            db, table, actor="sub-9", action="application.read", resource="applications/a"
        )
        await audit.flush_reads(db)

        async with db.transaction(readonly=True) as session:
            first, cursor = await audit.list_entries(
                session, table, resource="applications/a", actor=None, limit=4, cursor=None
            )
            rest, end = await audit.list_entries(
                session, table, resource="applications/a", actor=None, limit=4, cursor=cursor
            )
            system, _ = await audit.list_entries(
                session, table, resource=None, actor="system", limit=10, cursor=None
            )
            total = len((await session.execute(select(table))).all())

        assert [e.actor for e in first] == ["sub-9", "sub-4", "sub-3", "sub-2"]
        assert first[0].action == "application.read"
        assert [e.actor for e in rest] == ["sub-1", "sub-0"] and end is None
        assert [(e.action, e.resource) for e in system] == [
            ("application.approved", "applications/b")
        ]
        assert total == 7
    finally:
        await db.dispose()


async def test_reads_are_written_in_batches_without_a_connection_of_their_own(tmp_path: Path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'reads.sqlite'}")
    metadata = make_metadata()
    table = audit_table(metadata)
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        # Recorded while a read-only unit of work holds its connection, as a GET does.
        async with db.transaction(readonly=True) as session:
            await session.execute(select(table))
            for n in range(300):
                await audit.record_read(
                    db, table, actor=f"sub-{n}", action="person.read", resource=f"persons/{n}"
                )

        async def written() -> int:
            async with db.transaction(readonly=True) as session:
                return len((await session.execute(select(table))).all())

        for _ in range(100):  # the background task writes them shortly
            if await written() == 300:
                break
            await asyncio.sleep(0.05)
        assert await written() == 300
        await audit.flush_reads(db)  # nothing pending: writes nothing twice
        assert await written() == 300
    finally:
        await db.dispose()


async def test_the_audit_log_orders_by_time_and_refuses_foreign_cursors(db_kind, new_database):
    db = Database(await new_database(db_kind))
    metadata = make_metadata()
    table = audit_table(metadata)
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        read_at = utcnow()
        async with db.transaction() as session:  # a change written after an earlier read
            await audit.record(session, table, actor="b", action="changed", resource="r")
            await session.execute(
                insert(table).values(at=read_at, actor="a", action="read", resource="r")
            )
        async with db.transaction(readonly=True) as session:
            first, cursor = await audit.list_entries(
                session, table, resource="r", actor=None, limit=1, cursor=None
            )
            second, end = await audit.list_entries(
                session, table, resource="r", actor=None, limit=1, cursor=cursor
            )
            with pytest.raises(BadRequest):
                await audit.list_entries(
                    session, table, resource="r", actor=None, limit=1, cursor=encode_cursor([1])
                )
        assert [e.action for e in first + second] == ["changed", "read"]
        assert end is None
    finally:
        await db.dispose()
