"""Seeded random applications for the statistics test and benchmark, inserted in bulk.

Rows go straight into ``funds``, ``schools``, ``applications``, ``application_schools`` and
``application_topics`` (SQLAlchemy Core bulk inserts; COPY on PostgreSQL for big numbers), not
through the API: the point is many applications in every status, quickly.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from offers.common import TARGET_GROUPS, TOPICS
from offers.models import (
    Application,
    ApplicationSchool,
    ApplicationTopic,
    Fund,
    PaymentRequest,
    ProofOfUse,
    SchoolView,
)
from offers.statistics.schemas import SCHOOL_TYPES
from schulerfolg.regions import REGIONS

REGION_LIST = sorted(REGIONS)
STATUS_WEIGHTS = {
    "draft": 12,
    "submitted": 15,
    "returned": 5,
    "approved": 20,
    "rejected": 10,
    "reported": 12,
    "completed": 18,
    "withdrawn": 8,
}
WORDS = (
    "Zirkusprojekt",
    "Medienwerkstatt",
    "Trommelkurs",
    "Streitschlichtung",
    "Klassenfahrt",
    "Achtsamkeitstraining",
    "Theater",
    "Elternabend",
    "Berufsorientierung",
    "Mobbingprävention",
    "Übergang",
    "Schülerzeitung",
)
BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)
FUNDING_SOURCES = (
    [],
    [{"name": "ESF+", "share_percent": 60}, {"name": "Land Sachsen-Anhalt", "share_percent": 40}],
    [
        {"name": "ESF+", "share_percent": 33},
        {"name": "Land Sachsen-Anhalt", "share_percent": 33},
        {"name": "Kommune", "share_percent": 34},
    ],
    [{"name": "Land Sachsen-Anhalt", "share_percent": 100}],
)
"""What a fund's money comes from (none named, or shares that leave remainders to split)."""
PAYMENT_STATUSES = ("requested", "approved", "rejected", "paid", "paid")
UNKNOWN_SCHOOLS = 5
"""Schools applications name but the registry never told about (their type is ``unknown``)."""


def social_work_of(number: int) -> bool | None:
    """Whether generated school ``number`` of a region has school social work (None: unknown)."""
    if number % 3 == 0:
        return True
    return None if number % 5 == 4 else False


@dataclass
class Dataset:
    """Everything generated (kept in memory for the test's own computation)."""

    funds: list[dict[str, Any]] = field(default_factory=list)
    schools: list[dict[str, Any]] = field(default_factory=list)
    applications: list[dict[str, Any]] = field(default_factory=list)
    application_schools: list[dict[str, Any]] = field(default_factory=list)
    application_topics: list[dict[str, Any]] = field(default_factory=list)
    payment_requests: list[dict[str, Any]] = field(default_factory=list)
    proofs_of_use: list[dict[str, Any]] = field(default_factory=list)


class Generator:
    """Funds, schools and applications from one seed."""

    def __init__(self, seed: int = 4) -> None:
        self.random = random.Random(seed)
        self.uuid = lambda: uuid.UUID(int=self.random.getrandbits(128), version=4)
        self.funds = self._funds()
        self.schools = self._schools()
        self.unknown_schools = [
            (self.uuid(), self.random.choice(REGION_LIST)) for _ in range(UNKNOWN_SCHOOLS)
        ]
        self.schools_of = {r: [s["id"] for s in self.schools if s["region"] == r] for r in REGIONS}
        for school_id, region in self.unknown_schools:
            self.schools_of[region].append(school_id)
        self.funds_of = {
            r: [f for f in self.funds if f["region"] in (r, None)] for r in REGION_LIST
        }
        self.created = 0

    def _funds(self) -> list[dict[str, Any]]:
        funds = []
        regional = [(f"Schulprojekte {r}", r) for r in REGION_LIST]
        regional += [(f"Jugendfonds {r}", r) for r in REGION_LIST[:4]]
        state_wide = [("Landesfonds Schulerfolg", None), ("ESF+ Sonderfonds", None)]
        for name, region in regional + state_wide:
            funds.append(
                {
                    "id": self.uuid(),
                    "created_at": BASE_TIME,
                    "updated_at": BASE_TIME,
                    "version": 1,
                    "name": name,
                    "kind": "youth_fund" if name.startswith("Jugend") else "school_project",
                    "region": region,
                    "period_start": date(2023, 1, 1),
                    "period_end": date(2027, 12, 31),
                    # a few funds without budget: their budget use is null
                    "budget_cents": 0
                    if name.startswith("ESF")
                    else self.random.choice([5_000_000, 20_000_000, 100_000_000, 500_000_000]),
                    "funding_sources": self.random.choice(FUNDING_SOURCES),
                    "requires_consultation": True,
                    "requires_partner": True,
                    "approved_cents": 0,
                }
            )
        return funds

    def _schools(self) -> list[dict[str, Any]]:
        schools = []
        types = list(SCHOOL_TYPES)
        for region in REGION_LIST:
            for number in range(25):
                schools.append(
                    {
                        "id": self.uuid(),
                        "version": 1,
                        "name": f"Schule {number} {region}",
                        "school_number": f"{REGIONS[region]}{number:04d}",
                        "school_type": self.random.choice(types),
                        "region": region,
                        "deleted": self.random.random() < 0.02,
                        # every third with school social work, some not known (older events);
                        # from the number, not the random source, so the seeds' data stays
                        "has_school_social_work": social_work_of(number),
                    }
                )
        return schools

    def applications(self, count: int) -> Dataset:
        """``count`` applications with their schools and topics (funds and schools not included)."""
        data = Dataset()
        rnd = self.random
        statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
        topics = list(TOPICS)
        for _ in range(count):
            region = rnd.choice(REGION_LIST)
            fund = rnd.choice(self.funds_of[region])
            status = rnd.choices(statuses, weights)[0]
            app_id = self.uuid()
            self.created += 1
            created_at = BASE_TIME + timedelta(seconds=self.created * 7)
            groups = [g for g in TARGET_GROUPS if rnd.random() < 0.5] or [rnd.choice(TARGET_GROUPS)]
            planned = {g: (rnd.randint(5, 120) if g in groups else 0) for g in TARGET_GROUPS}
            requested = rnd.randint(10, 2_000) * 500
            funded = status in ("approved", "reported", "completed")
            reported = status in ("reported", "completed")
            start = (
                None
                if status == "draft" and rnd.random() < 0.2
                else (date(2023, 1, 1) + timedelta(days=rnd.randint(0, 4 * 365)))
            )
            school_count = 1 if rnd.random() < 0.85 else rnd.randint(2, 3)
            school_ids = rnd.sample(self.schools_of[region], school_count)
            app_topics = rnd.sample(topics, rnd.randint(1, 3))
            title = f"{rnd.choice(WORDS)} {rnd.choice(WORDS)} {self.created}"
            row = {
                "id": app_id,
                "created_at": created_at,
                "updated_at": created_at,
                "version": 1,
                "fund_id": fund["id"],
                "region": region,
                "status": status,
                "school_ids": [str(s) for s in school_ids],
                "applicant_organization_id": None,
                "partner_organization_ids": [],
                "title": title,
                "topics": app_topics,
                **{f"for_{g}": g in groups for g in TARGET_GROUPS},
                **{f"planned_{g}": planned[g] for g in TARGET_GROUPS},
                "start_date": start,
                "end_date": start + timedelta(days=30) if start else None,
                "budget_lines": [
                    {"category": "fees", "description": "Honorar", "amount_cents": requested}
                ],
                "requested_cents": requested,
                "approved_cents": rnd.randint(requested // 2, requested) if funded else None,
                **{
                    f"actual_{g}": (
                        (rnd.randint(0, planned[g] + 20) if rnd.random() < 0.9 else None)
                        if reported and g in groups
                        else None
                    )
                    for g in TARGET_GROUPS
                },
                "created_by": "bench",
                "search_text": title.casefold(),
            }
            data.applications.append(row)
            data.application_schools += [
                {"application_id": app_id, "school_id": s} for s in school_ids
            ]
            data.application_topics += [{"application_id": app_id, "topic": t} for t in app_topics]
            if funded:
                self._money(row, data)
        return data

    def _money(self, app: dict[str, Any], data: Dataset) -> None:
        """A funded application's payment requests (0–3, within its approved amount) and, once
        reported, its proof of use — accepted (always for ``completed``) for at most the approved
        amount, with the reclaim when more was paid."""
        rnd = self.random
        left, paid = app["approved_cents"], 0
        for _ in range(rnd.randint(0, 3)):
            amount = rnd.randint(0, left)
            status = rnd.choice(PAYMENT_STATUSES)
            left -= amount if status != "rejected" else 0
            paid += amount if status == "paid" else 0
            data.payment_requests.append(
                {
                    "id": self.uuid(),
                    "created_at": app["created_at"],
                    "updated_at": app["created_at"],
                    "version": 1,
                    "application_id": app["id"],
                    "fund_id": app["fund_id"],
                    "region": app["region"],
                    "status": status,
                    "amount_cents": amount,
                    "requested_by": "bench",
                }
            )
        if app["status"] == "approved":
            return
        status = (
            "accepted" if app["status"] == "completed" else rnd.choice(("submitted", "accepted"))
        )
        accepted = rnd.randint(0, app["approved_cents"]) if status == "accepted" else None
        data.proofs_of_use.append(
            {
                "id": self.uuid(),
                "created_at": app["created_at"],
                "updated_at": app["created_at"],
                "version": 1,
                "application_id": app["id"],
                "status": status,
                "actual_participants": {},
                "receipts": [],
                "spent_cents": accepted or 0,
                "accepted_cents": accepted,
                "paid_cents": paid if accepted is not None else None,
                "final_payment_cents": max(accepted - paid, 0) if accepted is not None else None,
                "reclaim_cents": max(paid - accepted, 0) if accepted is not None else None,
            }
        )

    def dataset(self, count: int) -> Dataset:
        """Funds, schools and ``count`` applications."""
        data = self.applications(count)
        data.funds, data.schools = self.funds, self.schools
        return data

    def chunks(self, count: int, size: int = 20_000) -> Iterator[Dataset]:
        """``count`` applications in datasets of ``size`` (for numbers too big to hold at once)."""
        done = 0
        while done < count:
            batch = min(size, count - done)
            yield self.applications(batch)
            done += batch


def schools_reached(data: Dataset, apps: Iterable[dict[str, Any]]) -> dict[str, int]:
    """The distinct schools the funded ones of ``apps`` name, by school social work, counted in
    plain loops over the generated rows (a school the registry never told of: unknown)."""
    funded = {a["id"] for a in apps if a["status"] in ("approved", "reported", "completed")}
    schools = {
        link["school_id"] for link in data.application_schools if link["application_id"] in funded
    }
    flag_of = {s["id"]: s.get("has_school_social_work") for s in data.schools}
    flags = [flag_of.get(school) for school in schools]
    return {
        "total": len(schools),
        "with_school_social_work": flags.count(True),
        "without_school_social_work": flags.count(False),
        "unknown": flags.count(None),
    }


TABLES = (
    ("funds", Fund),
    ("schools", SchoolView),
    ("applications", Application),
    ("application_schools", ApplicationSchool),
    ("application_topics", ApplicationTopic),
    ("payment_requests", PaymentRequest),
    ("proofs_of_use", ProofOfUse),
)


async def insert_dataset(
    connection: AsyncConnection, data: Dataset, *, copy: bool = False, summary: bool = True
) -> None:
    """Insert every generated row (Core executemany; ``copy``: PostgreSQL COPY, much faster).

    On PostgreSQL the rows go in with the triggers off (the statistics summary's per-row upkeep
    would take minutes; the rows are consistent) and the summary is rebuilt from them at the end
    — ``summary=False`` leaves that to the caller (a load in chunks rebuilds once after its last,
    ``rebuild_summary``). The summary's triggers are tested through the API
    (``test_statistics_summary.py``)."""
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        await connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
    await _insert(connection, data, copy=copy)
    if postgres:
        await connection.exec_driver_sql("SET LOCAL session_replication_role = origin")
        if summary:
            await rebuild_summary(connection)


async def rebuild_summary(connection: AsyncConnection) -> None:
    """Recompute the statistics summary from the base tables (PostgreSQL)."""
    await connection.exec_driver_sql("SELECT statistics_summary_rebuild()")


async def _insert(connection: AsyncConnection, data: Dataset, *, copy: bool) -> None:
    for name, model in TABLES:
        rows = getattr(data, name)
        if not rows:
            continue
        table = model.__table__  # type: ignore[attr-defined]
        if copy:
            await _copy(connection, table, rows)
        else:
            await connection.execute(insert(table), rows)


async def _copy(connection: AsyncConnection, table: Any, rows: list[dict[str, Any]]) -> None:
    """COPY rows into ``table`` through asyncpg (JSON columns as text; columns no row names
    are left out, so they take their server defaults)."""
    named = {name for row in rows for name in row}
    columns = [c for c in table.columns if c.name in named]
    records = []
    for row in rows:
        record = []
        for column in columns:
            if column.name in row:
                value = row[column.name]
            else:
                value = None
            if isinstance(column.type, JSON):
                value = json.dumps(value)
            record.append(value)
        records.append(tuple(record))
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    await driver.copy_records_to_table(  # type: ignore[union-attr]
        table.name, records=records, columns=[c.name for c in columns]
    )
