"""The aggregate queries behind the statistics (GROUP BY and SUM, on PostgreSQL and SQLite);
no application row is loaded into Python, only aggregate rows.

Three queries answer everything, each grouped by status as well (which status a sum counts in
is decided on these few rows, see ``Sums.of_status_row``):

- one grouped by region, fund and the three target-group flags; the service adds these rows up
  into totals, regions, funds and target groups (a few thousand rows at most);
- one joined with the topics;
- one joined with the schools' types (distinct per application and type).

At 1,000,000 applications the last two dominate (they aggregate the 2 million topic and
1.2 million school links); see ``bench/README.md``.

The schools reached (issue 17) are distinct schools, which do not add up across groups (a school
with applications in two funds is one school): ``schools_reached`` counts them with
``COUNT(DISTINCT …)`` once per grouping (in total, per region, per fund).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, Literal

from sqlalchemy import case, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from offers.applications.rules import FUNDED
from offers.common import TARGET_GROUPS
from offers.models import (
    Application,
    ApplicationSchool,
    ApplicationTopic,
    Fund,
    PaymentRequest,
    ProofOfUse,
    SchoolView,
)
from offers.statistics.schemas import UNKNOWN_SCHOOL_TYPE, Money, Reach, Sums


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
            conditions.append(col(Application.region) == self.region)
        if self.fund_id is not None:
            conditions.append(col(Application.fund_id) == self.fund_id)
        if self.start is not None:
            conditions.append(col(Application.start_date) >= self.start)
        if self.end is not None:
            conditions.append(col(Application.start_date) <= self.end)
        return conditions


MEASURED = (
    "status",
    "requested_cents",
    "approved_cents",
    *(f"planned_{g}" for g in TARGET_GROUPS),
    *(f"actual_{g}" for g in TARGET_GROUPS),
)
"""The application columns the measures are made of."""


def measure_columns(source: Any = None) -> list[Any]:
    """The aggregate columns every grouping selects, grouped by status as well (labels read by
    ``Sums.of_status_row``, which keeps each sum only for the statuses it counts in). Plain
    sums per status cost the database much less than a CASE per measure and row.

    ``source`` is the column collection the ``MEASURED`` columns come from (default: the
    applications table)."""
    c = source if source is not None else Application.__table__.c  # type: ignore[attr-defined]  # SQLModel sets __table__ at class creation
    columns: list[Any] = [
        c.status.label("status"),
        func.count().label("applications"),
        func.sum(c.requested_cents).label("requested_cents"),
        func.sum(func.coalesce(c.approved_cents, 0)).label("approved_cents"),
    ]
    for group in TARGET_GROUPS:
        columns.append(func.sum(c[f"planned_{group}"]).label(f"planned_{group}"))
        columns.append(func.sum(func.coalesce(c[f"actual_{group}"], 0)).label(f"reached_{group}"))
    return columns


async def tune_for_aggregates(session: AsyncSession) -> None:
    """On PostgreSQL, give this transaction's aggregates room to hash in memory (instead of
    spilling to disk) and skip JIT compilation, which costs more than it saves here."""
    if (await session.connection()).dialect.name == "postgresql":
        await session.execute(text("SET LOCAL work_mem = '64MB'"))
        await session.execute(text("SET LOCAL jit = off"))


@dataclass(frozen=True)
class PartRow:
    """The figures of the applications sharing a region, a fund and a set of target groups."""

    region: str
    fund_id: uuid.UUID
    target_groups: tuple[str, ...]
    sums: Sums


async def parts(session: AsyncSession, selection: Selection) -> list[PartRow]:
    """Figures grouped by region, fund, target-group flags and status (a few thousand rows at
    most)."""
    flags = [getattr(Application, f"for_{g}") for g in TARGET_GROUPS]
    statement = (
        select(col(Application.region), col(Application.fund_id), *flags, *measure_columns())
        .where(*selection.conditions())
        .group_by(
            col(Application.region), col(Application.fund_id), *flags, col(Application.status)
        )
    )
    rows = (await session.execute(statement)).mappings().all()
    return [
        PartRow(
            region=row["region"],
            fund_id=row["fund_id"],
            target_groups=tuple(g for g in TARGET_GROUPS if row[f"for_{g}"]),
            sums=Sums.of_status_row(row),
        )
        for row in rows
    ]


async def by_topic(session: AsyncSession, selection: Selection) -> dict[str, Sums]:
    """Figures per topic (an application counts once for each of its topics)."""
    statement = (
        select(col(ApplicationTopic.topic).label("key"), *measure_columns())
        .select_from(Application)
        .join(ApplicationTopic, col(ApplicationTopic.application_id) == col(Application.id))
        .where(*selection.conditions())
        .group_by(col(ApplicationTopic.topic), col(Application.status))
    )
    return await _keyed(session, statement)


async def by_school_type(session: AsyncSession, selection: Selection) -> dict[str, Sums]:
    """Figures per school type; an application with several schools of one type counts once
    for it. A school the registry has not told about counts as ``unknown``."""
    # Distinct (application, school type) pairs, each carrying the application's measured
    # columns (they depend on the application alone), so no second pass over applications.
    school_type = func.coalesce(col(SchoolView.school_type), literal(UNKNOWN_SCHOOL_TYPE))
    table = Application.__table__.c  # type: ignore[attr-defined]  # SQLModel sets __table__ at class creation
    pairs = (
        select(col(Application.id), school_type.label("key"), *(table[name] for name in MEASURED))
        .select_from(Application)
        .join(ApplicationSchool, col(ApplicationSchool.application_id) == col(Application.id))
        .outerjoin(SchoolView, col(SchoolView.id) == col(ApplicationSchool.school_id))
        .where(*selection.conditions())
        .distinct()
        .subquery("application_school_types")
    )
    statement = select(pairs.c.key, *measure_columns(pairs.c)).group_by(pairs.c.key, pairs.c.status)
    return await _keyed(session, statement)


async def _keyed(session: AsyncSession, statement: Any) -> dict[str, Sums]:
    sums: dict[str, Sums] = {}
    for row in (await session.execute(statement)).mappings().all():
        sums.setdefault(row["key"], Sums()).add(Sums.of_status_row(row))
    return sums


async def schools_reached(
    session: AsyncSession, selection: Selection, by: Literal["region", "fund"] | None = None
) -> dict[Any, Reach]:
    """Region, fund id (``by``) or None (in total) → the distinct schools named by the
    selection's funded applications, split by school social work (a school the registry has not
    told about, or whose event did not say, counts as unknown): one aggregate query."""
    key = {None: None, "region": col(Application.region), "fund": col(Application.fund_id)}[by]
    school = col(ApplicationSchool.school_id)
    flag = col(SchoolView.has_school_social_work)

    def distinct_schools(condition: ColumnElement[bool] | None = None) -> Any:
        counted = school if condition is None else case((condition, school))
        return func.count(func.distinct(counted))

    keys = [key.label("key")] if key is not None else [literal(None).label("key")]
    statement = (
        select(
            *keys,
            distinct_schools().label("total"),
            distinct_schools(flag.is_(True)).label("with_school_social_work"),
            distinct_schools(flag.is_(False)).label("without_school_social_work"),
            distinct_schools(flag.is_(None)).label("unknown"),
        )
        .select_from(Application)
        .join(ApplicationSchool, col(ApplicationSchool.application_id) == col(Application.id))
        .outerjoin(SchoolView, col(SchoolView.id) == school)
        .where(*selection.conditions(), col(Application.status).in_(FUNDED))
    )
    if key is not None:
        statement = statement.group_by(key)
    rows = (await session.execute(statement)).mappings().all()
    names = [field.name for field in fields(Reach)]
    return {row["key"]: Reach(**{name: int(row[name]) for name in names}) for row in rows}


async def money(session: AsyncSession, selection: Selection) -> dict[tuple[str, uuid.UUID], Money]:
    """(region, fund id) → the money paid (paid payment requests), accepted (accepted proofs of
    use) and reclaimed (the reclaims announced on acceptance) for the applications counted: two
    aggregate queries, one row per region and fund."""
    region, fund = col(Application.region), col(Application.fund_id)
    paid = (
        select(region, fund, func.sum(col(PaymentRequest.amount_cents)))
        .join(Application, col(Application.id) == col(PaymentRequest.application_id))
        .where(col(PaymentRequest.status) == "paid", *selection.conditions())
        .group_by(region, fund)
    )
    accepted = (
        select(
            region,
            fund,
            func.sum(func.coalesce(col(ProofOfUse.accepted_cents), 0)),
            func.sum(func.coalesce(col(ProofOfUse.reclaim_cents), 0)),
        )
        .join(Application, col(Application.id) == col(ProofOfUse.application_id))
        .where(col(ProofOfUse.status) == "accepted", *selection.conditions())
        .group_by(region, fund)
    )
    sums: dict[tuple[str, uuid.UUID], Money] = {}
    for key_region, key_fund, cents in (await session.execute(paid)).all():
        sums.setdefault((key_region, key_fund), Money()).paid_cents += int(cents or 0)
    for key_region, key_fund, cents, reclaimed in (await session.execute(accepted)).all():
        figures = sums.setdefault((key_region, key_fund), Money())
        figures.accepted_cents += int(cents or 0)
        figures.reclaimed_cents += int(reclaimed or 0)
    return sums


async def funds(session: AsyncSession, fund_ids: Sequence[uuid.UUID]) -> list[Fund]:
    """The funds with these ids, by name."""
    if not fund_ids:
        return []
    statement = (
        select(Fund).where(col(Fund.id).in_(list(fund_ids))).order_by(col(Fund.name), col(Fund.id))
    )
    return list((await session.scalars(statement)).all())
