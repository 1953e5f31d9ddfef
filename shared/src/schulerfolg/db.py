"""Database access shared by every service: engines, the unit of work, metadata and column types.

One ``Database`` per service process. ``Database.transaction()`` is the unit of work: it commits
once at the end or rolls back, and afterwards runs the commit hooks (the outbox relay is woken
there). Service functions never commit themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, and_, event, insert, not_, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Dialect, Result
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import registry
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit column.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")

SESSION_INFO_AFTER_COMMIT = "schulerfolg.after_commit"


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        # TypeDecorator answers ``object`` here; keyset cursors need ``datetime`` to turn the
        # cursor's text back into a timestamp (PostgreSQL compares no timestamp with text).
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def make_metadata() -> MetaData:
    """Fresh metadata with the naming convention (one per service, so constraint names are stable)."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def make_model_base(metadata: MetaData) -> type[SQLModel]:
    """A SQLModel base class bound to a service's own metadata (not SQLModel's global one)."""

    class ServiceModel(SQLModel, registry=registry(metadata=metadata)):
        pass

    return ServiceModel


class EntityFields(SQLModel):
    """Columns every resource has: ``id``, ``created_at``, ``updated_at``, ``version``."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    version: int = Field(default=1, nullable=False)

    def touch(self) -> None:
        """Mark a change: bump the version (the ETag) and ``updated_at``."""
        self.version += 1
        self.updated_at = utcnow()


def apply_changes(entity: EntityFields, changes: dict[str, Any]) -> list[str]:
    """Set the fields in ``changes`` that differ; bump version and ``updated_at`` if any did.
    Answers the names of the fields that changed (empty, and falsy, when none did)."""
    changed = [name for name, value in changes.items() if getattr(entity, name) != value]
    for name in changed:
        setattr(entity, name, changes[name])
    if changed:
        entity.touch()
    return changed


def dialect_insert(session: AsyncSession) -> Any:
    """The INSERT construct of the session's dialect (it offers ``on_conflict_do_nothing``)."""
    bind = session.bind
    assert bind is not None, "the service's sessions are bound to its engine"
    return sqlite.insert if bind.dialect.name == "sqlite" else postgresql.insert


async def upsert_newer(
    session: AsyncSession,
    model: Any,
    values: dict[str, Any],
    *,
    only: tuple[str, ...] = (),
    version: str = "version",
    unless: Any = None,
) -> bool:
    """Read models kept from events: insert the row, or update it (``only`` these columns, if
    given) when ``values[version]`` is newer than the stored one — an older event that
    overtook a newer one on redelivery never rolls a row back. ``unless`` is a condition on the
    stored row that keeps it as it is (say, a tombstone). Whether the row was written.

    The ``INSERT … ON CONFLICT`` is built once per shape (table, columns, ``only``, ``version``,
    ``unless``) and executed with ``values`` as parameters, so SQLAlchemy's compiled cache
    serves it without rebuilding the statement on every event."""
    statement = _upsert_statement(
        session, model.__table__, tuple(values), only, version, _clause_key(unless), unless
    )
    return bool(affected_rows(await session.execute(statement, values)))


_UPSERTS: dict[tuple[Any, ...], Any] = {}
MAX_CACHED_UPSERTS = 1024  # shapes are few (one or two per read model); a bound all the same


def _clause_key(clause: Any) -> Hashable:
    """A key equal for conditions of the same structure and bound values (``None`` for none);
    a condition whose values cannot be hashed gets a key of its own (its statement is not
    shared)."""
    if clause is None:
        return None
    cache_key = clause._generate_cache_key()
    try:
        key = (cache_key.key, tuple(bind.effective_value for bind in cache_key.bindparams))
        hash(key)
    except TypeError:
        return object()
    return key


def _upsert_statement(
    session: AsyncSession,
    table: Any,
    columns: tuple[str, ...],
    only: tuple[str, ...],
    version: str,
    unless_key: Hashable,
    unless: Any,
) -> Any:
    """The prebuilt upsert of one shape (its values come as execution parameters)."""
    insert = dialect_insert(session)
    cache_key = (insert, table, columns, only, version, unless_key)
    statement = _UPSERTS.get(cache_key)
    if statement is not None:
        return statement
    keys = [column.name for column in table.primary_key.columns]
    statement = insert(table)
    newer = table.c[version] < statement.excluded[version]
    statement = statement.on_conflict_do_update(
        index_elements=[table.c[key] for key in keys],
        set_={k: statement.excluded[k] for k in (only or columns) if k not in keys},
        where=newer if unless is None else and_(newer, not_(unless)),
    )
    if len(_UPSERTS) >= MAX_CACHED_UPSERTS:
        _UPSERTS.clear()
    _UPSERTS[cache_key] = statement
    return statement


_INSERTS: dict[Any, Any] = {}


async def insert_entity(session: AsyncSession, entity: SQLModel) -> None:
    """INSERT one new row of a table model with a Core statement built once per table, what
    ``session.add(entity)`` and a flush would write — without the ORM's unit of work.

    For the hot creating paths. The entity stays outside the session (never flushed again): to
    change the row later in the same unit of work, load it. A column left ``None`` that has a
    default (or is an auto-incremented key) is left out so the default applies, as the ORM does.
    """
    table = type(entity).__table__  # type: ignore[attr-defined]  # SQLModel sets it on table models
    statement = _INSERTS.get(table)
    if statement is None:
        statement = _INSERTS[table] = insert(table)
    values = {}
    for column in table.columns:
        value = getattr(entity, column.key)
        if value is None and (
            column.default is not None
            or column.server_default is not None
            or column is table.autoincrement_column
        ):
            continue
        values[column.key] = value
    await session.execute(statement, values)


def affected_rows(result: Result[Any]) -> int:
    """The number of rows an INSERT, UPDATE or DELETE wrote (SQLAlchemy types ``execute`` as
    answering a plain ``Result``; for these statements it is a ``CursorResult``)."""
    return cast(CursorResult[Any], result).rowcount


def after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's unit of work has committed (never on rollback)."""
    session.info.setdefault(SESSION_INFO_AFTER_COMMIT, []).append(callback)


def _configure_sqlite(engine: AsyncEngine, *, writer: bool) -> None:
    """WAL, foreign keys, a busy timeout, and BEGIN IMMEDIATE for the writing engine.

    SQLite allows one writer. A deferred transaction that reads first and then writes can fail
    with SQLITE_BUSY without waiting; BEGIN IMMEDIATE takes the write lock up front so
    concurrent units of work queue behind each other (busy_timeout) instead of failing.
    Read-only units of work use a second engine with a deferred BEGIN, so with WAL they read a
    snapshot without waiting for writers.
    """
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let us emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted and overwritten content is zeroed in the file, so erased personal data does
        # not linger in free space (see ``Database.checkpoint`` for the WAL).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


def create_engine(
    url: str, *, pool_size: int = 10, echo: bool = False, writer: bool = True
) -> AsyncEngine:
    """An async engine for ``postgresql+asyncpg://`` or ``sqlite+aiosqlite://`` URLs."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        _configure_sqlite(engine, writer=writer)
        return engine
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    return create_async_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


class Database:
    """A service's database: engine, sessions and the unit of work."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = url
        self.engine = create_engine(url, pool_size=pool_size, echo=echo)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=True)
        # On SQLite reads get their own engine (deferred BEGIN); PostgreSQL needs no second one.
        self.read_engine = (
            create_engine(url, echo=echo, writer=False) if self.is_sqlite else self.engine
        )
        self.read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        """Whether this is the embedded SQLite database."""
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def transaction(self, *, readonly: bool = False) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit once at the end or roll back; then run the commit hooks.

        ``readonly`` units of work must not write (on SQLite they run on the reading engine).
        """
        sessions = self.read_sessions if readonly else self.sessions
        async with sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
            hooks: list[Callable[[], None]] = session.info.pop(SESSION_INFO_AFTER_COMMIT, [])
        for hook in hooks:
            hook()

    async def checkpoint(self) -> bool:
        """After an erasure: move the WAL into the database file and truncate it (SQLite).

        With ``secure_delete`` the database file then holds only zeros where erased data was, and
        the WAL, which kept the old page images, is empty. Returns whether the WAL was emptied
        (it cannot be while a reader still holds an older snapshot; the next call catches up).
        PostgreSQL needs nothing here: deleted or overwritten rows are dead tuples until VACUUM
        reuses their space (see the README, "Personal data").
        """
        if not self.is_sqlite:
            return True
        async with self.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            cursor = await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _log_frames, _checkpointed = await cursor.fetchone()
            await cursor.close()
        return not busy

    async def ping(self) -> None:
        """Raise if the database cannot be reached."""
        async with self.read_engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
