"""The unit of work on SQLite: reads do not wait for a writer; concurrent writers queue."""

from __future__ import annotations

import asyncio

from sqlalchemy import Column, Integer, MetaData, Table, insert, select, update

from schulerfolg.db import Database


async def _counter_db(url: str) -> tuple[Database, Table]:
    metadata = MetaData()
    counter = Table(
        "counter", metadata, Column("id", Integer, primary_key=True), Column("n", Integer)
    )
    db = Database(url)
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(insert(counter).values(id=1, n=0))
    return db, counter


async def test_a_read_does_not_wait_for_an_open_write_on_sqlite(new_database):
    db, counter = await _counter_db(await new_database("sqlite"))
    writer_holds_lock = asyncio.Event()
    release = asyncio.Event()

    async def long_write():
        async with db.transaction() as session:
            await session.execute(update(counter).values(n=counter.c.n + 1))
            writer_holds_lock.set()
            await release.wait()

    task = asyncio.create_task(long_write())
    await writer_holds_lock.wait()
    try:
        async with db.transaction(readonly=True) as session:
            seen = await asyncio.wait_for(session.scalar(select(counter.c.n)), timeout=2)
        assert seen == 0  # the committed snapshot, read while the writer still holds the lock
        await asyncio.wait_for(db.ping(), timeout=2)
    finally:
        release.set()
        await task
        await db.dispose()


async def test_concurrent_read_modify_write_units_of_work_lose_no_update(db_kind, new_database):
    db, counter = await _counter_db(await new_database(db_kind))

    async def increment():
        async with db.transaction() as session:
            n = await session.scalar(select(counter.c.n).with_for_update())
            await asyncio.sleep(0.001)
            await session.execute(update(counter).values(n=n + 1))

    await asyncio.gather(*(increment() for _ in range(20)))
    async with db.transaction(readonly=True) as session:
        assert await session.scalar(select(counter.c.n)) == 20
    await db.dispose()


async def test_unique_and_foreign_key_violations_are_conflicts_other_violations_are_not(
    db_kind, new_database
):
    import pytest
    from sqlalchemy import ForeignKey, String
    from sqlalchemy.exc import IntegrityError

    from schulerfolg.http.problems import is_conflict

    metadata = MetaData()
    parent = Table(
        "parent",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("code", String(5), unique=True, nullable=False),
    )
    child = Table(
        "child",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("parent_id", ForeignKey("parent.id")),
    )
    db = Database(await new_database(db_kind))
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(insert(parent).values(id=1, code="a"))

    async def violation(statement) -> IntegrityError:
        with pytest.raises(IntegrityError) as caught:
            async with db.transaction() as session:
                await session.execute(statement)
        return caught.value

    try:
        assert is_conflict(await violation(insert(parent).values(id=2, code="a")))
        assert is_conflict(await violation(insert(child).values(id=1, parent_id=99)))
        assert not is_conflict(await violation(insert(parent).values(id=3, code=None)))
    finally:
        await db.dispose()


async def test_upsert_newer_keeps_the_newest_version_and_honours_only_and_unless(
    db_kind, new_database
):
    from sqlalchemy import Boolean, String

    from schulerfolg.db import upsert_newer

    metadata = MetaData()
    view = Table(
        "view",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("version", Integer, nullable=False),
        Column("name", String(20)),
        Column("deleted", Boolean, nullable=False),
    )
    model = type("View", (), {"__table__": view})
    db = Database(await new_database(db_kind))
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)

    async def upsert(values, **options):
        async with db.transaction() as session:
            return await upsert_newer(session, model, values, **options)

    async def row(id_):
        async with db.transaction(readonly=True) as session:
            found = await session.execute(select(view).where(view.c.id == id_))
            return tuple(found.one())

    assert await upsert({"id": 1, "version": 2, "name": "b", "deleted": False})
    assert not await upsert({"id": 1, "version": 1, "name": "a", "deleted": False})  # older
    assert await row(1) == (1, 2, "b", False)
    assert await upsert({"id": 1, "version": 3, "name": "c", "deleted": True}, only=("deleted",))
    assert await row(1) == (1, 2, "b", True)  # only `deleted` (not even the version) changed
    # A stored row matching ``unless`` stays; the same shape with another value applies.
    tombstone = view.c.name == "b"
    assert not await upsert(
        {"id": 1, "version": 4, "name": "d", "deleted": False}, unless=tombstone
    )
    assert await upsert(
        {"id": 1, "version": 4, "name": "d", "deleted": False}, unless=view.c.name == "x"
    )
    assert await row(1) == (1, 4, "d", False)
    assert await upsert({"id": 2, "version": 1, "name": None, "deleted": False}, unless=tombstone)
    assert await row(2) == (2, 1, None, False)
    await db.dispose()


async def test_insert_entity_writes_the_row_the_orm_would(db_kind, new_database):
    from sqlalchemy import String
    from sqlmodel import Field

    from schulerfolg.db import EntityFields, insert_entity, make_metadata, make_model_base

    metadata = make_metadata()
    Base = make_model_base(metadata)

    class Thing(EntityFields, Base, table=True):  # type: ignore[valid-type, misc]
        __tablename__ = "thing"
        name: str = Field(max_length=20)
        note: str | None = Field(default=None, max_length=20)
        kind: str | None = Field(
            default=None, sa_column=Column(String(10), nullable=False, server_default="plain")
        )

    db = Database(await new_database(db_kind))
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    thing = Thing(name="Seil")
    async with db.transaction() as session:
        await insert_entity(session, thing)
        await insert_entity(session, Thing(name="Karte", note="rot", kind="special"))
    async with db.transaction(readonly=True) as session:
        rows = (await session.execute(select(Thing.__table__).order_by("name"))).all()
    assert [(r.name, r.note, r.kind, r.version) for r in rows] == [
        ("Karte", "rot", "special", 1),
        ("Seil", None, "plain", 1),  # None left out where the column has a default
    ]
    assert (rows[1].id, rows[1].created_at) == (thing.id, thing.created_at)
    await db.dispose()


async def test_a_deadlock_is_a_503_to_send_again_and_keeps_nothing_of_the_request(new_database):
    """Two requests locking the same two rows in opposite order on PostgreSQL: the one the
    database aborts answers 503 problem+json with Retry-After (not a 500), nothing of it is kept,
    and sent again it goes through — each move counted exactly once."""
    from fastapi import FastAPI

    from schulerfolg.http.problems import PROBLEM_JSON, install_problem_handlers
    from schulerfolg_dev.testing.plugin import running

    metadata = MetaData()
    rows = Table("rows", metadata, Column("id", Integer, primary_key=True), Column("n", Integer))
    db = Database(await new_database("postgresql"))
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(insert(rows), [{"id": 1, "n": 0}, {"id": 2, "n": 0}])
    both_hold_one = asyncio.Barrier(2)
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/move/{first}/{second}")
    async def move(first: int, second: int) -> dict[str, bool]:
        async with db.transaction() as session:
            await session.execute(update(rows).where(rows.c.id == first).values(n=rows.c.n + 1))
            if not both_hold_one.broken:
                await asyncio.wait_for(both_hold_one.wait(), 5)
            await session.execute(update(rows).where(rows.c.id == second).values(n=rows.c.n + 1))
        return {"moved": True}

    try:
        async with running(app) as client:
            answers = await asyncio.gather(client.post("/move/1/2"), client.post("/move/2/1"))
            statuses = sorted(answer.status_code for answer in answers)
            assert statuses == [200, 503], [answer.text for answer in answers]
            busy = next(answer for answer in answers if answer.status_code == 503)
            assert busy.headers["content-type"] == PROBLEM_JSON
            assert busy.headers["retry-after"] == "1"
            assert busy.json()["type"].endswith("/busy")
            async with db.transaction(readonly=True) as session:
                assert (await session.execute(select(rows.c.n))).scalars().all() == [1, 1]
            await both_hold_one.abort()  # the request sent again runs alone
            again = await client.post(str(busy.request.url.path))
            assert again.status_code == 200, again.text
        async with db.transaction(readonly=True) as session:
            assert (
                await session.execute(select(rows.c.n).order_by(rows.c.id))
            ).scalars().all() == [
                2,
                2,
            ]
    finally:
        await db.dispose()
