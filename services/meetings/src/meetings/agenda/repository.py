"""Every query on agenda items and decisions."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from meetings.models import AgendaItem, ApplicationAssessment, Attendance, Decision
from schulerfolg.http.pagination import PageParams, paginate


async def next_position(session: AsyncSession, meeting_id: uuid.UUID) -> int:
    """The position after the meeting's last item (call with the meeting locked)."""
    last = await session.scalar(
        select(func.max(col(AgendaItem.position))).where(col(AgendaItem.meeting_id) == meeting_id)
    )
    return (last or 0) + 1


async def submission_exists(
    session: AsyncSession, application_id: uuid.UUID, application_version: int
) -> bool:
    """Whether this submission of the application already has its item."""
    statement = select(func.count()).where(
        col(AgendaItem.application_id) == application_id,
        col(AgendaItem.application_version) == application_version,
    )
    return bool(await session.scalar(statement))


async def pending_items(session: AsyncSession, committee_id: uuid.UUID) -> list[AgendaItem]:
    """The committee's open items that wait for a session, oldest first, locked."""
    statement = (
        select(AgendaItem)
        .where(
            col(AgendaItem.committee_id) == committee_id,
            col(AgendaItem.meeting_id).is_(None),
            col(AgendaItem.status) == "open",
        )
        .order_by(col(AgendaItem.created_at), col(AgendaItem.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.scalars(statement)).all())


async def open_items_of_meeting(session: AsyncSession, meeting_id: uuid.UUID) -> list[AgendaItem]:
    """A meeting's undecided items about applications, in agenda order, locked."""
    statement = (
        select(AgendaItem)
        .where(
            col(AgendaItem.meeting_id) == meeting_id,
            col(AgendaItem.status) == "open",
            col(AgendaItem.application_id).is_not(None),
        )
        .order_by(col(AgendaItem.position), col(AgendaItem.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.scalars(statement)).all())


async def open_items_of_application(
    session: AsyncSession, application_id: uuid.UUID
) -> list[AgendaItem]:
    """The application's undecided items, locked."""
    statement = (
        select(AgendaItem)
        .where(col(AgendaItem.application_id) == application_id, col(AgendaItem.status) == "open")
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.scalars(statement)).all())


async def list_agenda(
    session: AsyncSession, meeting_id: uuid.UUID, *, page: PageParams
) -> tuple[list[AgendaItem], str | None]:
    """A meeting's agenda in order, one page."""
    return await paginate(
        session,
        select(AgendaItem).where(col(AgendaItem.meeting_id) == meeting_id),
        key=[col(AgendaItem.position), col(AgendaItem.id)],
        params=page,
        key_of=lambda i: [i.position, i.id],
    )


async def list_pending(
    session: AsyncSession, committee_id: uuid.UUID, *, page: PageParams
) -> tuple[list[AgendaItem], str | None]:
    """A committee's items waiting for its next session, oldest first, one page."""
    statement = select(AgendaItem).where(
        col(AgendaItem.committee_id) == committee_id,
        col(AgendaItem.meeting_id).is_(None),
        col(AgendaItem.status) == "open",
    )
    return await paginate(
        session,
        statement,
        key=[col(AgendaItem.created_at), col(AgendaItem.id)],
        params=page,
        key_of=lambda i: [i.created_at.isoformat(), i.id],
    )


async def get_item(
    session: AsyncSession, meeting_id: uuid.UUID, item_id: uuid.UUID, *, for_update: bool = False
) -> AgendaItem | None:
    """A meeting's agenda item by id."""
    item = await session.get(
        AgendaItem, item_id, with_for_update=for_update, populate_existing=for_update
    )
    if item is None or item.meeting_id != meeting_id:
        return None
    return item


async def decisions_for(
    session: AsyncSession, item_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Decision]:
    """The decisions on the given items."""
    if not item_ids:
        return {}
    rows = await session.scalars(
        select(Decision).where(col(Decision.agenda_item_id).in_(list(item_ids)))
    )
    return {decision.agenda_item_id: decision for decision in rows}


async def attendees(session: AsyncSession, meeting_id: uuid.UUID) -> set[uuid.UUID]:
    """The persons recorded as present at a meeting."""
    rows = await session.scalars(
        select(col(Attendance.person_id)).where(col(Attendance.meeting_id) == meeting_id)
    )
    return set(rows.all())


async def assessments_for(
    session: AsyncSession, application_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, ApplicationAssessment]:
    """The assessments of these applications, by application id."""
    if not application_ids:
        return {}
    statement = select(ApplicationAssessment).where(
        col(ApplicationAssessment.application_id).in_(list(application_ids))
    )
    return {a.application_id: a for a in (await session.scalars(statement)).all()}
