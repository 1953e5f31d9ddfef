"""Every query on surveys, their one-time codes and their answers."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from planning.models import Survey, SurveyPass, SurveyResponse
from schulerfolg.db import affected_rows
from schulerfolg.http.pagination import PageParams, paginate

PassKind = Literal["invitation", "ticket"]


async def list_surveys(
    session: AsyncSession,
    *,
    page: PageParams,
    regions: Collection[str] | None,
    region: str | None = None,
    status: str | None = None,
) -> tuple[list[Survey], str | None]:
    """Surveys, newest first by creation, one page. ``regions`` None: every region; else only
    those regions and the state-wide surveys. ``region="state"``: only state-wide ones."""
    statement = select(Survey)
    if regions is not None:
        statement = statement.where(
            or_(col(Survey.region).in_(list(regions)), col(Survey.region).is_(None))
        )
    if region == "state":
        statement = statement.where(col(Survey.region).is_(None))
    elif region is not None:
        statement = statement.where(col(Survey.region) == region)
    if status is not None:
        statement = statement.where(col(Survey.status) == status)
    return await paginate(
        session,
        statement,
        key=[col(Survey.id)],
        params=page,
        key_of=lambda s: [s.id],
    )


async def get_survey(
    session: AsyncSession, survey_id: uuid.UUID, *, for_update: bool = False
) -> Survey | None:
    """A survey by id (locked for update when asked)."""
    return await session.get(Survey, survey_id, with_for_update=for_update)


async def add_passes(
    session: AsyncSession, survey_id: uuid.UUID, kind: PassKind, hashes: list[str], now: datetime
) -> None:
    """Store the hashes of freshly issued one-time codes."""
    await session.execute(
        insert(SurveyPass),
        [{"survey_id": survey_id, "code_hash": h, "kind": kind, "issued_at": now} for h in hashes],
    )


async def use_pass(
    session: AsyncSession, survey_id: uuid.UUID, kind: PassKind, code_hash: str, now: datetime
) -> bool:
    """Mark a code used if it was issued for this survey and is still unused (one statement, so
    two answers with the same code never both get through)."""
    result = await session.execute(
        update(SurveyPass)
        .where(
            col(SurveyPass.survey_id) == survey_id,
            col(SurveyPass.code_hash) == code_hash,
            col(SurveyPass.kind) == kind,
            col(SurveyPass.used_at).is_(None),
        )
        .values(used_at=now)
    )
    return affected_rows(result) == 1


async def drop_spare_tickets(session: AsyncSession, issued_before: datetime) -> int:
    """Delete the anonymous tickets nobody needs any more: unused ones issued before
    ``issued_before`` (a form left open that long is reloaded) and every ticket of a closed
    survey (it takes no answers). Used tickets of open surveys stay: they refuse a form sent
    again. How many were deleted."""
    closed = select(col(Survey.id)).where(col(Survey.status) == "closed")
    result = await session.execute(
        delete(SurveyPass).where(
            col(SurveyPass.kind) == "ticket",
            or_(
                and_(col(SurveyPass.used_at).is_(None), col(SurveyPass.issued_at) < issued_before),
                col(SurveyPass.survey_id).in_(closed),
            ),
        )
    )
    return affected_rows(result) or 0


async def pass_exists(
    session: AsyncSession, survey_id: uuid.UUID, kind: PassKind, code_hash: str
) -> bool:
    """Whether a code was issued for this survey (used or not)."""
    found = await session.scalar(
        select(func.count())
        .select_from(SurveyPass)
        .where(
            col(SurveyPass.survey_id) == survey_id,
            col(SurveyPass.code_hash) == code_hash,
            col(SurveyPass.kind) == kind,
        )
    )
    return bool(found)


async def pass_counts(
    session: AsyncSession, survey_id: uuid.UUID, kind: PassKind
) -> tuple[int, int]:
    """(issued, used) codes of a kind for a survey."""
    row = (
        await session.execute(
            select(func.count(), func.count(col(SurveyPass.used_at))).where(
                col(SurveyPass.survey_id) == survey_id, col(SurveyPass.kind) == kind
            )
        )
    ).one()
    return int(row[0]), int(row[1])


async def count_response(session: AsyncSession, survey_id: uuid.UUID, limit: int) -> bool:
    """Add one to the survey's answer count unless it reached ``limit`` (one statement)."""
    result = await session.execute(
        update(Survey)
        .where(col(Survey.id) == survey_id, col(Survey.responses) < limit)
        .values(responses=col(Survey.responses) + 1)
    )
    return affected_rows(result) == 1


async def add_response(session: AsyncSession, response: SurveyResponse) -> None:
    """Store one set of answers."""
    session.add(response)
    await session.flush()


async def answers_of(session: AsyncSession, survey_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every set of answers a survey received."""
    rows = await session.scalars(
        select(col(SurveyResponse.answers)).where(col(SurveyResponse.survey_id) == survey_id)
    )
    return list(rows.all())


async def answered_surveys(session: AsyncSession, region: str | None) -> list[Survey]:
    """The surveys that took answers (open or closed) of one region (None: every survey)."""
    statement = select(Survey).where(col(Survey.status).in_(("open", "closed")))
    if region is not None:
        statement = statement.where(col(Survey.region) == region)
    return list((await session.scalars(statement)).all())
