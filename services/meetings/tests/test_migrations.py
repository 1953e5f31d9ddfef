"""The meetings migration history builds exactly the schema its models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from meetings_support import migrate

from meetings.main import MIGRATIONS
from meetings.models import metadata
from schulerfolg import migrations
from schulerfolg.db import Database


async def test_migrations_match_the_models(db_kind, new_database):
    url = await new_database(db_kind)
    await migrate(url)
    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
        assert diff == []
        assert not await migrations.pending(db.engine, MIGRATIONS)
    finally:
        await db.dispose()


async def test_an_unmigrated_database_is_reported_as_pending(new_database):
    db = Database(await new_database("sqlite"))
    try:
        assert await migrations.pending(db.engine, MIGRATIONS)
    finally:
        await db.dispose()
