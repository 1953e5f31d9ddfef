"""The aggregate queries behind the statistics (GROUP BY with SUM(CASE …) on PostgreSQL and
SQLite); no application row is loaded into Python.

Three queries answer everything: one grouped by region, fund and the three target-group flags
(the service adds these small rows up into totals, regions, funds and target groups — the groups
do not overlap), one joined with the topics, one with the schools' types.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from offers.applications.rules import FUNDED
from offers.models import Application, ApplicationSchool, ApplicationTopic, Fund, SchoolView
from offers.statistics.schemas import (
    REPORTED,
    REQUESTED,
    STATUSES,
    UNKNOWN_SCHOOL_TYPE,
    Sums,
)
from offers.topics import TARGET_GROUPS


@dataclass(frozen=True)
class Selection:
    """Which applications count: the caller's visibility condition and the filters."""

    visible: ColumnElement[bool]
    region: str | None = None
    fund_id: uuid.UUID | None = None
    start: date | None = None
    end: date | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions = [self.visible]
        if self.region is not None:
            conditions.append(Application.region == self.region)
        if self.fund_id is not None:
            conditions.append(Application.fund_id == self.fund_id)
        if self.start is not None:
            conditions.append(Application.start_date >= self.start)
        if self.end is not None:
            conditions.append(Application.start_date <= self.end)
        return conditions


def _sum_if(condition: ColumnElement[bool], value: Any) -> Any:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def measure_columns() -> list[Any]:
    """The aggregate columns every grouping selects (labels read by ``Sums.of_row``)."""
    status = Application.status
    columns: list[Any] = [func.count().label("applications")]
    columns += [_sum_if(status == s, 1).label(f"status_{s}") for s in STATUSES]
    columns.append(
        _sum_if(status.in_(REQUESTED), Application.requested_cents).label("requested_cents")
    )
    columns.append(
        _sum_if(status.in_(FUNDED), func.coalesce(Application.approved_cents, 0)).label(
            "approved_cents"
        )
    )
    for group in TARGET_GROUPS:
        planned = getattr(Application, f"planned_{group}")
        reached = func.coalesce(getattr(Application, f"actual_{group}"), 0)
        columns.append(_sum_if(status.in_(FUNDED), planned).label(f"planned_{group}"))
        columns.append(_sum_if(status.in_(REPORTED), reached).label(f"reached_{group}"))
    return columns


@dataclass(frozen=True)
class PartRow:
    """The figures of the applications sharing a region, a fund and a set of target groups."""

    region: str
    fund_id: uuid.UUID
    target_groups: tuple[str, ...]
    sums: Sums


async def parts(session: AsyncSession, selection: Selection) -> list[PartRow]:
    """Figures grouped by region, fund and target-group flags (a few hundred rows at most)."""
    flags = [getattr(Application, f"for_{g}") for g in TARGET_GROUPS]
    statement = (
        select(Application.region, Application.fund_id, *flags, *measure_columns())
        .where(*selection.conditions())
        .group_by(Application.region, Application.fund_id, *flags)
    )
    rows = (await session.execute(statement)).mappings().all()
    return [
        PartRow(
            region=row["region"],
            fund_id=row["fund_id"],
            target_groups=tuple(g for g in TARGET_GROUPS if row[f"for_{g}"]),
            sums=Sums.of_row(row),
        )
        for row in rows
    ]


async def by_topic(session: AsyncSession, selection: Selection) -> dict[str, Sums]:
    """Figures per topic (an application counts once for each of its topics)."""
    statement = (
        select(ApplicationTopic.topic.label("key"), *measure_columns())
        .select_from(Application)
        .join(ApplicationTopic, ApplicationTopic.application_id == Application.id)
        .where(*selection.conditions())
        .group_by(ApplicationTopic.topic)
    )
    return await _keyed(session, statement)


async def by_school_type(session: AsyncSession, selection: Selection) -> dict[str, Sums]:
    """Figures per school type; an application with several schools of one type counts once
    for it. A school the registry has not told about counts as ``unknown``."""
    school_type = func.coalesce(SchoolView.school_type, literal(UNKNOWN_SCHOOL_TYPE))
    pairs = (
        select(
            ApplicationSchool.application_id.label("application_id"),
            school_type.label("school_type"),
        )
        .select_from(Application)
        .join(ApplicationSchool, ApplicationSchool.application_id == Application.id)
        .outerjoin(SchoolView, SchoolView.id == ApplicationSchool.school_id)
        .where(*selection.conditions())
        .distinct()
        .subquery("application_school_types")
    )
    statement = (
        select(pairs.c.school_type.label("key"), *measure_columns())
        .select_from(Application)
        .join(pairs, pairs.c.application_id == Application.id)
        .group_by(pairs.c.school_type)
    )
    return await _keyed(session, statement)


async def _keyed(session: AsyncSession, statement: Any) -> dict[str, Sums]:
    rows = (await session.execute(statement)).mappings().all()
    return {row["key"]: Sums.of_row(row) for row in rows}


async def funds(session: AsyncSession, fund_ids: Sequence[uuid.UUID]) -> list[Fund]:
    """The funds with these ids, by name."""
    if not fund_ids:
        return []
    statement = select(Fund).where(Fund.id.in_(list(fund_ids))).order_by(Fund.name, Fund.id)
    return list((await session.scalars(statement)).all())
