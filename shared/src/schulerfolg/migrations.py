"""Alembic per service: one history per service, run by the launcher or a deployment step.

A service's ``migrations/env.py`` is two lines (``run_env(metadata)``); ``upgrade`` applies its
history to a database; ``pending`` tells ``/readyz`` whether the schema is behind the code.
"""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from schulerfolg.db import create_engine


def alembic_config(script_location: Path, url: str) -> Config:
    """An Alembic configuration for a service's migrations directory and a database URL."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(script_location: Path, url: str, revision: str = "head") -> None:
    """Apply the service's migrations up to ``revision`` (blocking; call from a thread in async code)."""
    command.upgrade(alembic_config(script_location, url), revision)


@functools.cache
def head_revisions(script_location: Path) -> frozenset[str]:
    """The head revision(s) of a service's migration history (read once per process)."""
    config = alembic_config(script_location, "sqlite://")
    return frozenset(ScriptDirectory.from_config(config).get_heads())


async def pending(engine: AsyncEngine, script_location: Path) -> bool:
    """Whether the database's schema is behind the code's migration history."""

    def current(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    async with engine.connect() as connection:
        applied = await connection.run_sync(current)
    return applied != head_revisions(script_location)


def run_env(metadata: MetaData) -> None:
    """The body of a service's ``env.py``: run migrations online on the async engine."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not configured"

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(do_run)
                await connection.commit()
        finally:
            await engine.dispose()

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(run())


def create_platform_tables() -> None:
    """In a migration: create the outbox, inbox, dead-letter and idempotency-key tables."""
    from alembic import op

    from schulerfolg.db import make_metadata
    from schulerfolg.tables import platform_tables

    metadata = make_metadata()
    platform_tables(metadata)
    metadata.create_all(op.get_bind())


def create_audit_table() -> None:
    """In a migration: create the audit log (``schulerfolg.tables.audit_table``)."""
    from alembic import op

    from schulerfolg.db import make_metadata
    from schulerfolg.tables import audit_table

    metadata = make_metadata()
    audit_table(metadata)
    metadata.create_all(op.get_bind())


def drop_platform_tables() -> None:
    """In a migration's downgrade: drop the platform tables."""
    from alembic import op

    for name in ("idempotency_keys", "dead_letters", "inbox", "outbox"):
        op.drop_table(name)
