"""Every query on applications, their schools, organisations, topics, history and decisions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, exists, extract, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import SQLModel, col

from offers.applications.rules import FUNDED
from offers.models import (
    Application,
    ApplicationOrganization,
    ApplicationSchool,
    ApplicationTopic,
    Decision,
    StatusChange,
)
from schulerfolg.db import insert_entity
from schulerfolg.http.pagination import PageParams, decode_cursor, paginate
from schulerfolg.http.problems import BadRequest
from schulerfolg.search import matches


async def get_application(
    session: AsyncSession, application_id: uuid.UUID, *, lock: bool = False
) -> Application | None:
    """An application by id, locked for update when asked."""
    return await session.get(Application, application_id, with_for_update=lock or None)


async def list_applications(
    session: AsyncSession,
    *,
    page: PageParams,
    visible: ColumnElement[bool],
    fund_id: uuid.UUID | None = None,
    region: str | None = None,
    status: str | None = None,
    school_id: uuid.UUID | None = None,
    topic: str | None = None,
    q: str | None = None,
) -> tuple[list[Application], str | None]:
    """The applications the caller may see, oldest first, one page, filtered."""
    statement = select(Application).where(visible)
    if fund_id is not None:
        statement = statement.where(col(Application.fund_id) == fund_id)
    if region is not None:
        statement = statement.where(col(Application.region) == region)
    if status is not None:
        statement = statement.where(col(Application.status) == status)
    if school_id is not None:
        statement = statement.where(
            exists().where(
                col(ApplicationSchool.application_id) == col(Application.id),
                col(ApplicationSchool.school_id) == school_id,
            )
        )
    if topic is not None:
        statement = statement.where(
            exists().where(
                col(ApplicationTopic.application_id) == col(Application.id),
                col(ApplicationTopic.topic) == topic,
            )
        )
    if q:
        statement = statement.where(matches(col(Application.search_text), q))
    key = [col(Application.created_at), col(Application.id)]
    # the page's ids first — for an office's region and status an index-only scan of
    # ix_applications_region_status_created in page order that stops when the page is full —,
    # then only those rows
    page_ids = statement.with_only_columns(col(Application.id)).where(*_after(page))
    statement = select(Application).where(
        col(Application.id).in_(page_ids.order_by(*key).limit(page.limit + 1))
    )
    return await paginate(
        session,
        statement,
        key=key,
        params=page,
        key_of=lambda a: [a.created_at.isoformat(), a.id],
    )


def _after(page: PageParams) -> list[Any]:
    """The condition "after the cursor" for the page's ids; none for a cursor that is not one of
    ours (``paginate`` answers it with a 400 problem)."""
    if not page.cursor:
        return []
    try:
        created, app_id = decode_cursor(page.cursor, 2)
        after = (datetime.fromisoformat(str(created)), uuid.UUID(str(app_id)))
    except (BadRequest, TypeError, ValueError):
        return []
    if after[0].tzinfo is None:
        return []
    return [tuple_(col(Application.created_at), col(Application.id)) > tuple_(*after)]


async def replace_links(session: AsyncSession, app: Application) -> None:
    """Rewrite the schools, organisations and topics tables from the application's lists."""
    for table in (ApplicationSchool, ApplicationOrganization, ApplicationTopic):
        await session.execute(delete(table).where(col(table.application_id) == app.id))
    orgs = {
        *app.partner_organization_ids,
        *([str(app.applicant_organization_id)] if app.applicant_organization_id else []),
    }
    rows: list[tuple[type[SQLModel], list[dict[str, Any]]]] = [
        (
            ApplicationSchool,
            [{"application_id": app.id, "school_id": uuid.UUID(s)} for s in app.school_ids],
        ),
        (
            ApplicationOrganization,
            [{"application_id": app.id, "organization_id": uuid.UUID(o)} for o in sorted(orgs)],
        ),
        (ApplicationTopic, [{"application_id": app.id, "topic": t} for t in app.topics]),
    ]
    for model, values in rows:
        if values:
            await session.execute(insert(model), values)


async def funded_in_year(
    session: AsyncSession,
    *,
    fund_id: uuid.UUID,
    school_ids: list[str],
    year: int,
    excluding: uuid.UUID,
) -> list[tuple[int, list[str]]]:
    """(approved cents, school ids) of the fund's funded applications in ``year`` that share a
    school with ``school_ids`` (the application being decided excluded)."""
    statement = select(col(Application.approved_cents), col(Application.school_ids)).where(
        col(Application.fund_id) == fund_id,
        col(Application.status).in_(FUNDED),
        col(Application.id) != excluding,
        extract("year", col(Application.start_date)) == year,
        exists().where(
            col(ApplicationSchool.application_id) == col(Application.id),
            col(ApplicationSchool.school_id).in_([uuid.UUID(s) for s in school_ids]),
        ),
    )
    return [
        (cents or 0, list(schools)) for cents, schools in (await session.execute(statement)).all()
    ]


async def add_history(
    session: AsyncSession,
    app: Application,
    *,
    from_status: str | None,
    actor: str,
    actor_name: str | None,
    reason: str | None = None,
) -> None:
    """Record a status change (the application already carries its new status; its row
    exists). A Core INSERT: history rows are only ever added."""
    await insert_entity(
        session,
        StatusChange(
            application_id=app.id,
            from_status=from_status,
            to_status=app.status,
            actor=actor,
            actor_name=actor_name,
            reason=reason,
        ),
    )


async def history(session: AsyncSession, application_id: uuid.UUID) -> list[StatusChange]:
    """Every status change, oldest first."""
    statement = (
        select(StatusChange)
        .where(col(StatusChange.application_id) == application_id)
        .order_by(col(StatusChange.at), col(StatusChange.id))
    )
    return list((await session.scalars(statement)).all())


async def decisions(session: AsyncSession, application_id: uuid.UUID) -> list[Decision]:
    """Every decision taken on the application, applied or refused, oldest first."""
    statement = (
        select(Decision)
        .where(col(Decision.application_id) == application_id)
        .order_by(col(Decision.at), col(Decision.id))
    )
    return list((await session.scalars(statement)).all())


async def committee_decision_seen(session: AsyncSession, decision_id: uuid.UUID) -> bool:
    """Whether a committee decision was handled before (applied or refused)."""
    statement = select(col(Decision.id)).where(col(Decision.committee_decision_id) == decision_id)
    return (await session.scalar(statement)) is not None


def year_of(day: date | None) -> int | None:
    return day.year if day else None
