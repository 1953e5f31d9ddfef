"""The statistics summary (issue 18): the sums per dimension, region, fund, start year and
status, kept current by PostgreSQL triggers in the transaction of every change (migration 0013
has the tables, the view of what one application contributes, and the triggers).

The statistics read it instead of the base tables when it can answer exactly:

- on PostgreSQL (SQLite has the tables but no triggers);
- for the state coordination (every application) or a caller whose only view of applications is
  that of a network office (its regions) — other roles widen ``access.visible_to`` by conditions
  the summary does not know;
- for a period of whole years (``year``, or ``from`` on a 1 January and ``to`` on a
  31 December, either open); another period reads the base tables.

At 1,000,000 applications it has about 100,000 rows (regions × funds × start years × statuses,
per dimension and key), so the figures take tens of milliseconds instead of seconds.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, Literal

from sqlalchemy import BigInteger, case, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, col

from offers.common import TARGET_GROUPS
from offers.models import Base, SchoolView
from offers.statistics.schemas import Money, Reach, Sums

NO_START = 0
"""The ``start_year`` of applications without a start date."""
WIDENING_ROLES = frozenset({"steering_member", "school", "partner"})
"""Roles whose ``access.visible_to`` conditions are more than a set of regions."""


def _measure() -> Any:
    return Field(default=0, sa_type=BigInteger, nullable=False)


class StatisticsSummary(Base, table=True):
    """The sums of the applications of one dimension's key, region, fund, start year and
    status (``dimension`` ``all`` with ``key`` '' holds every application once, with the money
    after approval)."""

    __tablename__ = "statistics_summary"

    dimension: str = Field(primary_key=True, max_length=16)
    key: str = Field(primary_key=True, max_length=64)
    region: str = Field(primary_key=True, max_length=64)
    fund_id: uuid.UUID = Field(primary_key=True)
    start_year: int = Field(primary_key=True)
    status: str = Field(primary_key=True, max_length=16)
    applications: int = _measure()
    requested_cents: int = _measure()
    approved_cents: int = _measure()
    planned_pupils: int = _measure()
    planned_parents: int = _measure()
    planned_teachers: int = _measure()
    actual_pupils: int = _measure()
    actual_parents: int = _measure()
    actual_teachers: int = _measure()
    paid_cents: int = _measure()
    accepted_cents: int = _measure()
    reclaimed_cents: int = _measure()


class StatisticsSchoolReach(Base, table=True):
    """How many funded applications of a region, fund and start year name a school."""

    __tablename__ = "statistics_school_reach"

    school_id: uuid.UUID = Field(primary_key=True)
    region: str = Field(primary_key=True, max_length=64)
    fund_id: uuid.UUID = Field(primary_key=True)
    start_year: int = Field(primary_key=True)
    applications: int = _measure()


@dataclass(frozen=True)
class SummarySelection:
    """Which summary rows count: regions (None: all), one region, one fund, whole years."""

    regions: frozenset[str] | None
    region: str | None = None
    fund_id: uuid.UUID | None = None
    first_year: int | None = None
    last_year: int | None = None
    dated: bool = False

    def conditions(self, table: Any) -> list[ColumnElement[bool]]:
        c = table.__table__.c
        conditions: list[ColumnElement[bool]] = []
        if self.regions is not None:
            conditions.append(c.region.in_(sorted(self.regions)))
        if self.region is not None:
            conditions.append(c.region == self.region)
        if self.fund_id is not None:
            conditions.append(c.fund_id == self.fund_id)
        if self.dated:  # a period leaves out the applications without a start date
            conditions.append(c.start_year != NO_START)
        if self.first_year is not None:
            conditions.append(c.start_year >= self.first_year)
        if self.last_year is not None:
            conditions.append(c.start_year <= self.last_year)
        return conditions


def selection_for(
    *,
    dialect: str,
    roles: Collection[str],
    regions: Collection[str],
    region: str | None,
    fund_id: uuid.UUID | None,
    start: date | None,
    end: date | None,
) -> SummarySelection | None:
    """The summary selection answering exactly what the base tables would, or None when the
    summary cannot (see the module text)."""
    if dialect != "postgresql":
        return None
    if "state_coordinator" in roles:
        visible: frozenset[str] | None = None
    elif "network_office" in roles and not WIDENING_ROLES & set(roles):
        visible = frozenset(regions)
    else:
        return None
    if start is not None and (start.month, start.day) != (1, 1):
        return None
    if end is not None and (end.month, end.day) != (12, 31):
        return None
    return SummarySelection(
        regions=visible,
        region=region,
        fund_id=fund_id,
        first_year=start.year if start is not None else None,
        last_year=end.year if end is not None else None,
        dated=start is not None or end is not None,
    )


def _sums_columns() -> list[Any]:
    """The summed measures with the labels ``Sums.of_status_row`` reads."""
    c = StatisticsSummary.__table__.c  # type: ignore[attr-defined]  # SQLModel sets __table__ at class creation
    columns: list[Any] = [
        c.status.label("status"),
        func.sum(c.applications).label("applications"),
        func.sum(c.requested_cents).label("requested_cents"),
        func.sum(c.approved_cents).label("approved_cents"),
    ]
    for group in TARGET_GROUPS:
        columns.append(func.sum(c[f"planned_{group}"]).label(f"planned_{group}"))
        columns.append(func.sum(c[f"actual_{group}"]).label(f"reached_{group}"))
    return columns


@dataclass
class SummaryFigures:
    """What the statistics need from the applications, read from the summary."""

    parts: dict[tuple[str, uuid.UUID], Sums]
    money: dict[tuple[str, uuid.UUID], Money]
    keyed: dict[str, dict[str, Sums]]


async def figures(session: AsyncSession, selection: SummarySelection) -> SummaryFigures:
    """Sums per (region, fund), the money per (region, fund), and per target group, topic and
    school type: two aggregate queries over the summary."""
    c = StatisticsSummary.__table__.c  # type: ignore[attr-defined]  # SQLModel sets __table__ at class creation
    where = selection.conditions(StatisticsSummary)
    applications = func.sum(c.applications)
    per_part = (
        select(
            c.region,
            c.fund_id,
            *_sums_columns(),
            func.sum(c.paid_cents).label("paid_cents"),
            func.sum(c.accepted_cents).label("accepted_cents"),
            func.sum(c.reclaimed_cents).label("reclaimed_cents"),
        )
        .where(c.dimension == "all", *where)
        .group_by(c.region, c.fund_id, c.status)
    )
    parts: dict[tuple[str, uuid.UUID], Sums] = {}
    money: dict[tuple[str, uuid.UUID], Money] = {}
    for row in (await session.execute(per_part)).mappings().all():
        key = (row["region"], row["fund_id"])
        paid = Money(
            int(row["paid_cents"]), int(row["accepted_cents"]), int(row["reclaimed_cents"])
        )
        if paid != Money():
            money.setdefault(key, Money()).add(paid)
        if row["applications"]:
            parts.setdefault(key, Sums()).add(Sums.of_status_row(row))
    per_key = (
        select(c.dimension, c.key, *_sums_columns())
        .where(c.dimension != "all", *where)
        .group_by(c.dimension, c.key, c.status)
        .having(applications > 0)
    )
    keyed: dict[str, dict[str, Sums]] = {"target_group": {}, "topic": {}, "school_type": {}}
    for row in (await session.execute(per_key)).mappings().all():
        keyed[row["dimension"]].setdefault(row["key"], Sums()).add(Sums.of_status_row(row))
    return SummaryFigures(parts, money, keyed)


async def schools_reached(
    session: AsyncSession,
    selection: SummarySelection,
    by: Literal["region", "fund"] | None = None,
) -> dict[Any, Reach]:
    """Region, fund id (``by``) or None → the distinct schools with a funded application in
    the selection, split by the schools' current social-work flag: one aggregate query."""
    c = StatisticsSchoolReach.__table__.c  # type: ignore[attr-defined]  # SQLModel sets __table__ at class creation
    key = {None: None, "region": c.region, "fund": c.fund_id}[by]
    flag = col(SchoolView.has_school_social_work)

    def distinct_schools(condition: ColumnElement[bool] | None = None) -> Any:
        counted = c.school_id if condition is None else case((condition, c.school_id))
        return func.count(func.distinct(counted))

    statement = (
        select(
            key.label("key") if key is not None else literal(None).label("key"),
            distinct_schools().label("total"),
            distinct_schools(flag.is_(True)).label("with_school_social_work"),
            distinct_schools(flag.is_(False)).label("without_school_social_work"),
            distinct_schools(flag.is_(None)).label("unknown"),
        )
        .select_from(StatisticsSchoolReach)
        .outerjoin(SchoolView, col(SchoolView.id) == c.school_id)
        .where(c.applications > 0, *selection.conditions(StatisticsSchoolReach))
    )
    if key is not None:
        statement = statement.group_by(key)
    rows = (await session.execute(statement)).mappings().all()
    names = [field.name for field in fields(Reach)]
    return {
        row["key"]: Reach(**{name: int(row[name]) for name in names})
        for row in rows
        if row["total"]
    }


async def rebuild(session: AsyncSession) -> None:
    """Recompute the summary from the base tables (after a bulk load with the triggers off)."""
    await session.execute(text("SELECT statistics_summary_rebuild()"))
