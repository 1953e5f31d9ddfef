"""Every query on meetings."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete, false, func, insert, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from meetings.models import Attendance, Meeting, Registration
from meetings.schedule.schemas import SESSION_KINDS
from schulerfolg.events.base import STATE
from schulerfolg.http.pagination import PageParams, paginate


def visible(
    *, everything: bool, regions: Collection[str], committee_ids: Collection[uuid.UUID]
) -> ColumnElement[bool]:
    """Meetings a caller sees: public ones, those of readable regions, those of own committees."""
    if everything:
        return true()
    conditions: list[ColumnElement[bool]] = [col(Meeting.public).is_(True)]
    if regions:
        conditions.append(col(Meeting.region).in_(list(regions)))
    if committee_ids:
        conditions.append(col(Meeting.committee_id).in_(list(committee_ids)))
    return or_(false(), *conditions)


def _filtered(
    statement: Any,
    *,
    region: str | None,
    committee_id: uuid.UUID | None,
    kind: str | None = None,
    status: str | None = None,
    starts_after: datetime | None = None,
    starts_before: datetime | None = None,
) -> Any:
    if region == STATE:
        statement = statement.where(col(Meeting.region).is_(None))
    elif region is not None:
        statement = statement.where(col(Meeting.region) == region)
    if committee_id is not None:
        statement = statement.where(col(Meeting.committee_id) == committee_id)
    if kind is not None:
        statement = statement.where(col(Meeting.kind) == kind)
    if status is not None:
        statement = statement.where(col(Meeting.status) == status)
    if starts_after is not None:
        statement = statement.where(col(Meeting.starts_at) >= starts_after)
    if starts_before is not None:
        statement = statement.where(col(Meeting.starts_at) < starts_before)
    return statement


async def list_meetings(
    session: AsyncSession,
    *,
    page: PageParams,
    visibility: ColumnElement[bool],
    **filters: Any,
) -> tuple[list[Meeting], str | None]:
    """Meetings by start time, one page."""
    statement = _filtered(select(Meeting).where(visibility), **filters)
    return await paginate(
        session,
        statement,
        key=[col(Meeting.starts_at), col(Meeting.id)],
        params=page,
        key_of=lambda m: [m.starts_at.isoformat(), m.id],
    )


async def calendar_meetings(
    session: AsyncSession,
    *,
    visibility: ColumnElement[bool],
    since: datetime,
    limit: int,
    region: str | None,
    committee_id: uuid.UUID | None,
) -> list[Meeting]:
    """Meetings for a calendar feed: from ``since`` on, by start time, at most ``limit``."""
    statement = _filtered(
        select(Meeting).where(visibility),
        region=region,
        committee_id=committee_id,
        starts_after=since,
    )
    rows = await session.scalars(
        statement.order_by(col(Meeting.starts_at), col(Meeting.id)).limit(limit)
    )
    return list(rows.all())


async def get_meeting(
    session: AsyncSession, meeting_id: uuid.UUID, *, for_update: bool = False
) -> Meeting | None:
    """A meeting by id (locked for update when asked)."""
    return await session.get(
        Meeting, meeting_id, with_for_update=for_update, populate_existing=for_update
    )


async def next_session(
    session: AsyncSession,
    committee_id: uuid.UUID,
    *,
    after: datetime,
    exclude: uuid.UUID | None = None,
) -> Meeting | None:
    """The committee's next scheduled session starting after ``after`` (locked for update)."""
    statement = select(Meeting).where(
        col(Meeting.committee_id) == committee_id,
        col(Meeting.kind).in_(SESSION_KINDS),
        col(Meeting.status) == "scheduled",
        col(Meeting.starts_at) > after,
    )
    if exclude is not None:
        statement = statement.where(col(Meeting.id) != exclude)
    statement = (
        statement.order_by(col(Meeting.starts_at), col(Meeting.id))
        .limit(1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(statement)).first()


async def registration_counts(
    session: AsyncSession, meeting_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int]]:
    """(confirmed, waitlisted) registrations per meeting."""
    if not meeting_ids:
        return {}
    rows = await session.execute(
        select(col(Registration.meeting_id), col(Registration.status), func.count())
        .where(
            col(Registration.meeting_id).in_(list(meeting_ids)),
            col(Registration.status).in_(("confirmed", "waitlisted")),
        )
        .group_by(col(Registration.meeting_id), col(Registration.status))
    )
    counts: dict[uuid.UUID, list[int]] = {}
    for meeting_id, status, count in rows:
        counts.setdefault(meeting_id, [0, 0])[0 if status == "confirmed" else 1] = count
    return {meeting_id: (c[0], c[1]) for meeting_id, c in counts.items()}


async def replace_attendance(
    session: AsyncSession, meeting_id: uuid.UUID, person_ids: Collection[uuid.UUID]
) -> None:
    """Replace who attended a meeting."""
    await session.execute(delete(Attendance).where(col(Attendance.meeting_id) == meeting_id))
    if person_ids:
        await session.execute(
            insert(Attendance), [{"meeting_id": meeting_id, "person_id": p} for p in person_ids]
        )


async def attendance(session: AsyncSession, meeting_id: uuid.UUID) -> list[uuid.UUID]:
    """The persons recorded as present, by id."""
    rows = await session.scalars(
        select(col(Attendance.person_id))
        .where(col(Attendance.meeting_id) == meeting_id)
        .order_by(col(Attendance.person_id))
    )
    return list(rows.all())
