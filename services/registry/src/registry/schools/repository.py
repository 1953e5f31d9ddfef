"""Every query about schools."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from registry.models import Organization, School
from schulerfolg.http.pagination import PageParams, decode_cursor, paginate
from schulerfolg.http.problems import BadRequest
from schulerfolg.search import matches

# Bound parameters per IN (...) list: well below the limits of asyncpg (32,767) and SQLite.
IN_CHUNK = 5000


async def list_schools(
    session: AsyncSession,
    *,
    page: PageParams,
    region: str | None = None,
    school_type: str | None = None,
    has_school_social_work: bool | None = None,
    q: str | None = None,
) -> tuple[list[School], str | None]:
    """Schools that are not deleted, ordered by name (then id), one page."""
    statement = select(School).where(col(School.deleted_at).is_(None))
    if region is not None:
        statement = statement.where(col(School.region) == region)
    if school_type is not None:
        statement = statement.where(col(School.school_type) == school_type)
    if has_school_social_work is not None:
        statement = statement.where(col(School.has_school_social_work) == has_school_social_work)
    key = [col(School.name), col(School.id)]
    if q:
        # the page's ids first, from ``ix_schools_name_active`` alone (name, id and the search
        # text are in it: an index-only scan in page order that stops when the page is full),
        # then only those rows — instead of reading a row for every name the scan passes
        ids = statement.with_only_columns(col(School.id)).where(
            matches(col(School.search_text), q), *_after(page)
        )
        page_ids = ids.order_by(*key).limit(page.limit + 1)
        statement = select(School).where(col(School.id).in_(page_ids))
    return await paginate(session, statement, key=key, params=page, key_of=lambda s: [s.name, s.id])


def _after(page: PageParams) -> list[Any]:
    """The condition "after the cursor" for the page's ids; none for a cursor that is not one of
    ours (``paginate`` answers it with a 400 problem)."""
    if not page.cursor:
        return []
    try:
        name, school_id = decode_cursor(page.cursor, 2)
        after = (str(name), uuid.UUID(str(school_id)))
    except (BadRequest, TypeError, ValueError):
        return []
    return [tuple_(col(School.name), col(School.id)) > tuple_(*after)]


async def get_school(
    session: AsyncSession, school_id: uuid.UUID, *, for_update: bool = False
) -> School | None:
    """A school that is not deleted (locked for an update when asked)."""
    statement = select(School).where(col(School.id) == school_id, col(School.deleted_at).is_(None))
    if for_update:
        statement = statement.with_for_update()
    return (await session.scalars(statement)).one_or_none()


async def school_number_taken(
    session: AsyncSession, school_number: str, *, except_id: uuid.UUID | None = None
) -> bool:
    """Whether another school that is not deleted has ``school_number``."""
    statement = select(col(School.id)).where(
        col(School.school_number) == school_number, col(School.deleted_at).is_(None)
    )
    if except_id is not None:
        statement = statement.where(col(School.id) != except_id)
    return (await session.scalar(statement.limit(1))) is not None


async def schools_by_number(
    session: AsyncSession, school_numbers: Collection[str], *, for_update: bool = False
) -> dict[str, School]:
    """The schools that are not deleted, by school number (locked for an update when asked)."""
    found: dict[str, School] = {}
    numbers = sorted(set(school_numbers))  # one lock order for every importer: no deadlocks
    for start in range(0, len(numbers), IN_CHUNK):
        statement = (
            select(School)
            .where(
                col(School.school_number).in_(numbers[start : start + IN_CHUNK]),
                col(School.deleted_at).is_(None),
            )
            .order_by(col(School.school_number))
        )
        if for_update:
            statement = statement.with_for_update()
        found.update((s.school_number, s) for s in await session.scalars(statement))
    return found


async def insert_schools(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert schools given as complete column values (one executemany)."""
    # Core, not the ORM's bulk insert: that splits the rows into groups by which values are
    # None (email, phone, …) and ends up sending most of them one by one.
    if rows:
        await session.execute(insert(School.__table__), rows)  # type: ignore[attr-defined]  # SQLModel sets __table__ at class creation


async def active_organization_ids(
    session: AsyncSession, organization_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of ``organization_ids`` that name an organisation that is not deleted.

    Locked FOR SHARE (PostgreSQL), as schools are about to point at them: a concurrent deletion
    of one waits, then finds the schools in its in-use check.
    """
    ids = sorted(set(organization_ids))
    found: set[uuid.UUID] = set()
    for start in range(0, len(ids), IN_CHUNK):
        statement = (
            select(col(Organization.id))
            .where(
                col(Organization.id).in_(ids[start : start + IN_CHUNK]),
                col(Organization.deleted_at).is_(None),
            )
            .order_by(col(Organization.id))
            .with_for_update(read=True)
        )
        found.update(await session.scalars(statement))
    return found
