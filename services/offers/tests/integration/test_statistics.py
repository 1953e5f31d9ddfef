"""GET /statistics: 10,000 generated applications over the 14 regions (with payments and proofs
of use), and the endpoint's figures (JSON and CSV) compared with a count made here in plain
Python over the generated rows."""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from offers_support import start_offers
from statistics_data import Dataset, Generator, insert_dataset, schools_reached

from offers.directory import service as directory
from schulerfolg.events.registry import SchoolCreated
from schulerfolg_dev.testing.servers import NatsServer
from schulerfolg_dev.testing.service import ServiceUnderTest

APPLICATIONS = 10_000
REGIONS = (
    "altmarkkreis-salzwedel",
    "anhalt-bitterfeld",
    "boerde",
    "burgenlandkreis",
    "dessau-rosslau",
    "halle",
    "harz",
    "jerichower-land",
    "magdeburg",
    "mansfeld-suedharz",
    "saalekreis",
    "salzlandkreis",
    "stendal",
    "wittenberg",
)
STATUSES = (
    "draft",
    "submitted",
    "returned",
    "approved",
    "rejected",
    "reported",
    "completed",
    "withdrawn",
)
GROUPS = ("pupils", "parents", "teachers")
KEYS = {"region", "district_key", "fund_id", "name", "kind", "budget_cents", "budget_use"}
KEYS |= {"topic", "target_group", "school_type"}
MONEY = ("paid_cents", "accepted_cents", "reclaimed_cents")
REACHED = "schools_reached"
REACHED_CSV = {
    "total": "Erreichte Schulen",
    "with_school_social_work": "davon mit Schulsozialarbeit",
    "without_school_social_work": "davon ohne Schulsozialarbeit",
    "unknown": "davon Schulsozialarbeit unbekannt",
}
MONEY_CSV = {
    "paid_cents": "Ausgezahlt (Cent)",
    "accepted_cents": "Anerkannt (Cent)",
    "reclaimed_cents": "Zurückgefordert (Cent)",
}


# --------------------------------------------------------------------------- the service


async def _new_postgres_database(admin: str) -> tuple[str, Callable[[], Any]]:
    name = f"t_stats_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()

    async def drop() -> None:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    base = admin.rsplit("/", 1)[0].split("://", 1)[1]
    return f"postgresql+asyncpg://{base}/{name}", drop


@pytest.fixture(scope="module")
def data() -> Dataset:
    return Generator(seed=2026).dataset(APPLICATIONS)


@pytest.fixture(scope="module")
def module_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A NATS server for this module's shared offers service."""
    with NatsServer(store_dir=tmp_path_factory.mktemp("nats")) as server:
        yield server


@pytest.fixture(scope="module")
async def offers(
    postgres_admin_url: str,
    module_nats: NatsServer,
    tmp_path_factory: pytest.TempPathFactory,
    data: Dataset,
) -> AsyncIterator[ServiceUnderTest]:
    """The offers service on PostgreSQL holding the 10,000 generated applications (shared by
    this module's tests, which only read)."""
    url, drop = await _new_postgres_database(postgres_admin_url)
    try:
        async with start_offers(url, module_nats.url, tmp_path_factory.mktemp("auth")) as service:
            async with service.runtime.db.engine.begin() as connection:
                await insert_dataset(connection, data)
            yield service
    finally:
        await drop()


# --------------------------------------------------------------------------- the count in Python


def count(apps: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The measures of ``apps``, by the definitions the module docstring of
    ``offers.statistics.schemas`` gives, in plain loops."""
    figures: dict[str, Any] = {
        "applications": 0,
        "by_status": dict.fromkeys(STATUSES, 0),
        "requested_cents": 0,
        "approved_cents": 0,
        "funded": 0,
        "decided": 0,
    }
    planned = dict.fromkeys(GROUPS, 0)
    reached = dict.fromkeys(GROUPS, 0)
    for app in apps:
        status = app["status"]
        figures["applications"] += 1
        figures["by_status"][status] += 1
        if status not in ("draft", "returned", "withdrawn"):
            figures["requested_cents"] += app["requested_cents"]
        if status in ("approved", "reported", "completed"):
            figures["approved_cents"] += app["approved_cents"]
            figures["funded"] += 1
            figures["decided"] += 1
            for group in GROUPS:
                planned[group] += app[f"planned_{group}"]
        if status == "rejected":
            figures["decided"] += 1
        if status in ("reported", "completed"):
            for group in GROUPS:
                reached[group] += app[f"actual_{group}"] or 0
    decided = figures["decided"]
    figures["approval_rate"] = round(figures["funded"] / decided, 4) if decided else None
    figures["participants"] = {
        "planned": {**planned, "total": sum(planned.values())},
        "reached": {**reached, "total": sum(reached.values())},
    }
    return figures


def measures(row: dict[str, Any]) -> dict[str, Any]:
    """A response row without its key fields, the money after approval and the schools reached."""
    return {k: v for k, v in row.items() if k not in KEYS and k not in MONEY and k != REACHED}


def money(data: Dataset, apps: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Paid (payment requests marked paid), accepted (accepted proofs of use) and reclaimed (their
    reclaims) for ``apps``, summed in plain loops over the generated rows."""
    ids = {a["id"] for a in apps}
    sums = dict.fromkeys(MONEY, 0)
    for payment in data.payment_requests:
        if payment["application_id"] in ids and payment["status"] == "paid":
            sums["paid_cents"] += payment["amount_cents"]
    for proof in data.proofs_of_use:
        if proof["application_id"] in ids and proof["status"] == "accepted":
            sums["accepted_cents"] += proof["accepted_cents"]
            sums["reclaimed_cents"] += proof["reclaim_cents"]
    return sums


def money_of(row: dict[str, Any]) -> dict[str, int]:
    return {k: row[k] for k in MONEY}


@dataclasses.dataclass
class Expected:
    """What the statistics must say for a selection of the generated applications."""

    data: Dataset
    apps: list[dict[str, Any]]

    @classmethod
    def of(
        cls,
        data: Dataset,
        *,
        regions: Iterable[str] = REGIONS,
        fund_id: uuid.UUID | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> Expected:
        wanted = set(regions)
        apps = []
        for app in data.applications:
            if app["region"] not in wanted or (fund_id and app["fund_id"] != fund_id):
                continue
            if (start or end) and app["start_date"] is None:
                continue
            if start and app["start_date"] < start or end and app["start_date"] > end:
                continue
            apps.append(app)
        return cls(data, apps)

    def where(self, keep: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        return count(a for a in self.apps if keep(a))

    def money_where(self, keep: Callable[[dict[str, Any]], bool]) -> dict[str, int]:
        return money(self.data, (a for a in self.apps if keep(a)))

    def reached_where(self, keep: Callable[[dict[str, Any]], bool]) -> dict[str, int]:
        return schools_reached(self.data, (a for a in self.apps if keep(a)))

    def school_types(self) -> dict[str, set[uuid.UUID]]:
        """Application ids per school type (unknown schools: ``unknown``)."""
        type_of = {s["id"]: s["school_type"] for s in self.data.schools}
        ids = {a["id"] for a in self.apps}
        per_type: dict[str, set[uuid.UUID]] = {}
        for link in self.data.application_schools:
            if link["application_id"] in ids:
                kind = type_of.get(link["school_id"], "unknown")
                per_type.setdefault(kind, set()).add(link["application_id"])
        return per_type

    def check(self, stats: dict[str, Any], regions: Iterable[str]) -> None:
        """Every figure of ``stats`` against the count here."""
        assert measures(stats["totals"]) == count(self.apps)
        assert money_of(stats["totals"]) == money(self.data, self.apps)
        assert stats["totals"][REACHED] == schools_reached(self.data, self.apps)
        assert [r["region"] for r in stats["by_region"]] == sorted(regions)
        for row in stats["by_region"]:
            assert measures(row) == self.where(lambda a, r=row: a["region"] == r["region"])
            in_region = self.money_where(lambda a, r=row: a["region"] == r["region"])
            assert money_of(row) == in_region
            assert row[REACHED] == self.reached_where(lambda a, r=row: a["region"] == r["region"])
        funds = {f["id"]: f for f in self.data.funds}
        assert {r["fund_id"] for r in stats["by_fund"]} >= {str(a["fund_id"]) for a in self.apps}
        for row in stats["by_fund"]:
            fund = funds[uuid.UUID(row["fund_id"])]
            expected = self.where(lambda a, f=fund: a["fund_id"] == f["id"])
            assert measures(row) == expected
            assert money_of(row) == self.money_where(lambda a, f=fund: a["fund_id"] == f["id"])
            assert row[REACHED] == self.reached_where(lambda a, f=fund: a["fund_id"] == f["id"])
            assert (row["name"], row["budget_cents"]) == (fund["name"], fund["budget_cents"])
            budget = fund["budget_cents"]
            use = round(expected["approved_cents"] / budget, 4) if budget else None
            assert row["budget_use"] == use
        assert len(stats["by_topic"]) == 18
        for row in stats["by_topic"]:
            assert measures(row) == self.where(lambda a, r=row: r["topic"] in a["topics"])
        assert [r["target_group"] for r in stats["by_target_group"]] == list(GROUPS)
        for row in stats["by_target_group"]:
            assert measures(row) == self.where(lambda a, r=row: a[f"for_{r['target_group']}"])
        per_type = self.school_types()
        assert {r["school_type"] for r in stats["by_school_type"]} >= set(per_type)
        for row in stats["by_school_type"]:
            ids = per_type.get(row["school_type"], set())
            assert measures(row) == self.where(lambda a, ids=ids: a["id"] in ids)
        self.check_funding_sources(stats)

    def check_funding_sources(self, stats: dict[str, Any]) -> None:
        """Every figure split by the funds' sources: the parts sum to the totals exactly, and each
        source's part is its exact share of each fund's figure, rounded by less than a cent per
        fund (the largest-remainder rule hands out whole cents)."""
        sources = stats["by_funding_source"]
        figures = ("requested_cents", "approved_cents", *MONEY)
        for name in figures:
            assert sum(s[name] for s in sources) == stats["totals"][name], name
        counted_funds = {uuid.UUID(f["fund_id"]): f for f in stats["by_fund"]}
        for source in sources:
            for name in figures:
                exact, funds = Fraction(0), 0
                for fund in self.data.funds:
                    if fund["id"] not in counted_funds:
                        continue
                    shares = fund["funding_sources"] or [{"name": None, "share_percent": 100}]
                    for share in shares:
                        if share["name"] == source["name"]:
                            figure = counted_funds[fund["id"]][name]
                            exact += Fraction(figure * share["share_percent"], 100)
                            funds += 1
                assert abs(source[name] - exact) < max(funds, 1), (source, name, exact)


async def get_statistics(
    offers: ServiceUnderTest, *regions: str, role: str = "state_coordinator", **params: Any
) -> dict[str, Any]:
    response = await offers.client.get(
        "/api/v1/statistics", params=params, headers=offers.auth(role, *regions)
    )
    assert response.status_code == 200, response.text
    return response.json()


# --------------------------------------------------------------------------- tests


async def test_the_state_coordination_sees_every_region_counted_right(offers, data):
    stats = await get_statistics(offers)

    assert stats["totals"]["applications"] == APPLICATIONS
    assert stats["filters"] == {"regions": list(REGIONS), "fund_id": None, "from": None, "to": None}
    # every status, topic, target group and school type really occurs in the data
    assert all(stats["totals"]["by_status"][s] > 0 for s in STATUSES)
    assert all(row["applications"] > 0 for row in stats["by_topic"])
    assert any(row["school_type"] == "unknown" for row in stats["by_school_type"])
    assert any(row["budget_use"] is None for row in stats["by_fund"])
    # schools reached with, without and with unknown school social work all occur
    assert all(value > 0 for value in stats["totals"][REACHED].values())
    # the money after approval really occurs in the data, and funds with and without sources
    assert all(stats["totals"][name] > 0 for name in MONEY)
    assert {s["name"] for s in stats["by_funding_source"]} == {
        None,
        "ESF+",
        "Land Sachsen-Anhalt",
        "Kommune",
    }
    Expected.of(data).check(stats, REGIONS)


async def test_a_network_office_sees_only_its_own_regions(offers, data):
    stats = await get_statistics(offers, "boerde", role="network_office")
    Expected.of(data, regions=["boerde"]).check(stats, ["boerde"])
    assert {f["region"] for f in stats["by_fund"]} <= {"boerde", None}

    asked = await get_statistics(offers, "boerde", role="network_office", region="boerde")
    assert asked == stats

    two = await get_statistics(offers, "halle", "harz", role="network_office")
    Expected.of(data, regions=["halle", "harz"]).check(two, ["halle", "harz"])

    response = await offers.client.get(
        "/api/v1/statistics",
        params={"region": "halle"},
        headers=offers.auth("network_office", "boerde"),
    )
    assert response.status_code == 403
    assert "halle" in response.json()["detail"]


async def test_the_state_coordination_may_ask_for_one_region(offers, data):
    stats = await get_statistics(offers, region="magdeburg")
    Expected.of(data, regions=["magdeburg"]).check(stats, ["magdeburg"])


async def test_filters_by_fund_and_period(offers, data):
    state_fund = next(f for f in data.funds if f["region"] is None)
    stats = await get_statistics(
        offers, fund_id=str(state_fund["id"]), **{"from": "2024-03-01", "to": "2025-06-30"}
    )
    expected = Expected.of(
        data, fund_id=state_fund["id"], start=date(2024, 3, 1), end=date(2025, 6, 30)
    )
    assert 0 < len(expected.apps) < APPLICATIONS / 4
    expected.check(stats, REGIONS)
    assert [f["fund_id"] for f in stats["by_fund"]] == [str(state_fund["id"])]

    # a network office filtering a state-wide fund sees its region's share of it
    office = await get_statistics(
        offers, "stendal", role="network_office", fund_id=str(state_fund["id"]), year=2025
    )
    Expected.of(
        data,
        regions=["stendal"],
        fund_id=state_fund["id"],
        start=date(2025, 1, 1),
        end=date(2025, 12, 31),
    ).check(office, ["stendal"])

    only_start = await get_statistics(offers, **{"from": "2026-01-01"})
    Expected.of(data, start=date(2026, 1, 1)).check(only_start, REGIONS)


async def test_a_fund_without_applications_in_the_selection_shows_its_budget_unused(offers, data):
    fund = next(f for f in data.funds if f["region"] == "wittenberg")
    stats = await get_statistics(offers, region="boerde", fund_id=str(fund["id"]))
    assert stats["totals"]["applications"] == 0
    assert stats["totals"]["approval_rate"] is None
    [row] = stats["by_fund"]
    assert row["approved_cents"] == 0
    assert row["budget_use"] == (0.0 if fund["budget_cents"] else None)


async def test_a_network_office_pages_through_a_filtered_list_with_cursors(offers, data):
    """What the benchmark times: the list a network office filters, page by page (cursors over
    the creation time must work on PostgreSQL)."""
    expected = [
        str(a["id"])
        for a in sorted(data.applications, key=lambda a: (a["created_at"], str(a["id"])))
        if a["region"] == "boerde" and a["status"] == "submitted"
    ]
    seen: list[str] = []
    cursor = None
    while True:
        response = await offers.client.get(
            "/api/v1/applications",
            params={"status": "submitted", "region": "boerde", "limit": 40}
            | ({"cursor": cursor} if cursor else {}),
            headers=offers.auth("network_office", "boerde"),
        )
        assert response.status_code == 200, response.text
        seen += [item["id"] for item in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert len(expected) > 80
    assert seen == expected


def parse_csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def csv_figures(row: dict[str, str]) -> dict[str, Any]:
    """The CSV's measure columns in the JSON's shape."""
    names = {
        "draft": "Entwurf",
        "submitted": "Eingereicht",
        "returned": "Zurückgegeben",
        "approved": "Bewilligt",
        "rejected": "Abgelehnt",
        "reported": "Berichtet",
        "completed": "Abgeschlossen",
        "withdrawn": "Zurückgezogen",
    }
    groups = {"pupils": "Schüler:innen", "parents": "Eltern", "teachers": "Lehrkräfte"}
    rate = row["Bewilligungsquote (%)"]
    return {
        "applications": int(row["Anträge"]),
        "by_status": {s: int(row[names[s]]) for s in STATUSES},
        "requested_cents": int(row["Beantragt (Cent)"]),
        "approved_cents": int(row["Bewilligt (Cent)"]),
        "funded": int(row["Gefördert"]),
        "decided": int(row["Entschieden"]),
        "approval_rate": round(float(rate.replace(",", ".")) / 100, 4) if rate else None,
        "participants": {
            kind: {
                **{g: int(row[f"{label} {groups[g]}"]) for g in GROUPS},
                "total": int(row[f"{label} gesamt"]),
            }
            for kind, label in (("planned", "Geplant"), ("reached", "Erreicht"))
        },
    }


def close_rate(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures with the approval rate at the CSV's precision (percent with two places)."""
    rate = figures["approval_rate"]
    return {**figures, "approval_rate": None if rate is None else round(rate, 4)}


async def test_csv_has_a_row_per_region_and_a_total_row_matching_the_count(offers, data):
    response = await offers.client.get(
        "/api/v1/statistics", headers={**offers.auth("state_coordinator"), "Accept": "text/csv"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = parse_csv(response.text)
    assert [r["Region"] for r in rows] == [*REGIONS, "Gesamt"]
    expected = Expected.of(data)
    for row in rows[:-1]:
        assert csv_figures(row) == close_rate(
            expected.where(lambda a, r=row: a["region"] == r["Region"])
        )
        assert csv_money(row) == expected.money_where(lambda a, r=row: a["region"] == r["Region"])
        in_region = expected.reached_where(lambda a, r=row: a["region"] == r["Region"])
        assert csv_reached(row) == in_region
    assert csv_figures(rows[-1]) == close_rate(count(expected.apps))
    assert csv_money(rows[-1]) == money(data, expected.apps)
    assert csv_reached(rows[-1]) == schools_reached(data, expected.apps)


def csv_money(row: dict[str, str]) -> dict[str, int]:
    return csv_numbers(row, MONEY_CSV)


def csv_reached(row: dict[str, str]) -> dict[str, int]:
    return csv_numbers(row, REACHED_CSV)


def csv_numbers(row: dict[str, str], labels: dict[str, str]) -> dict[str, int]:
    """The CSV's whole-number columns ``labels`` (JSON name → CSV header) in the JSON's shape."""
    return {name: int(row[label]) for name, label in labels.items()}


async def test_csv_by_funding_source_matches_the_json(offers, data):
    stats = await get_statistics(offers)
    response = await offers.client.get(
        "/api/v1/statistics",
        params={"group_by": "funding_source"},
        headers={**offers.auth("state_coordinator"), "Accept": "text/csv"},
    )
    assert response.status_code == 200
    rows = parse_csv(response.text)
    names = [s["name"] or "ohne Finanzierungsquelle" for s in stats["by_funding_source"]]
    assert [r["Finanzierungsquelle"] for r in rows] == [*names, "Gesamt"]
    for row, source in zip(rows, [*stats["by_funding_source"], stats["totals"]], strict=True):
        assert csv_money(row) == money_of(source)
        assert int(row["Beantragt (Cent)"]) == source["requested_cents"]
        assert int(row["Bewilligt (Cent)"]) == source["approved_cents"]


@pytest.mark.parametrize(
    ("group_by", "key", "rows"),
    [
        ("fund", "Fonds", 20),
        ("topic", "Themen-Kürzel", 18),
        ("target_group", "Zielgruppen-Kürzel", 3),
        ("school_type", "Schulform-Kürzel", 9),
    ],
)
async def test_csv_rows_follow_group_by(offers, data, group_by, key, rows):
    response = await offers.client.get(
        "/api/v1/statistics",
        params={"group_by": group_by, "region": "harz"},
        headers={**offers.auth("network_office", "harz"), "Accept": "text/csv"},
    )
    assert response.status_code == 200
    table = parse_csv(response.text)
    expected = Expected.of(data, regions=["harz"])
    assert table[-1][next(iter(table[-1]))] == "Gesamt"
    assert csv_figures(table[-1]) == close_rate(count(expected.apps))
    body = table[:-1]
    if group_by == "target_group":
        for row in body:
            assert csv_figures(row) == close_rate(
                expected.where(lambda a, r=row: a[f"for_{r[key]}"])
            )
    if group_by == "topic":
        for row in body:
            assert csv_figures(row) == close_rate(
                expected.where(lambda a, r=row: r[key] in a["topics"])
            )
    if group_by == "fund":
        funds = {f["id"]: f for f in data.funds if f["region"] in ("harz", None)}
        assert {uuid.UUID(r["Fonds-ID"]) for r in body} == set(funds)
        for row in body:
            fund_id = uuid.UUID(row["Fonds-ID"])
            assert csv_figures(row) == close_rate(
                expected.where(lambda a, f=fund_id: a["fund_id"] == f)
            )
            assert csv_money(row) == expected.money_where(lambda a, f=fund_id: a["fund_id"] == f)
            assert csv_reached(row) == expected.reached_where(
                lambda a, f=fund_id: a["fund_id"] == f
            )
        assert csv_reached(table[-1]) == schools_reached(data, expected.apps)
    else:
        assert len(body) <= rows


@pytest.mark.parametrize(
    ("role", "status"),
    [("school", 403), ("partner", 403), ("steering_member", 403), ("admin", 403), (None, 401)],
)
async def test_statistics_are_for_the_offices_only(offers, role, status):
    headers = offers.auth(role, "boerde", school_id=str(uuid.uuid4())) if role else {}
    response = await offers.client.get("/api/v1/statistics", headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"from": "2025-02-01", "to": "2025-01-31"}, 422, "from"),
        ({"year": "2025", "from": "2025-01-01"}, 422, "year"),
        ({"year": "12"}, 422, "year"),
        ({"from": "yesterday"}, 422, "from"),
        ({"region": "atlantis"}, 422, "region"),
        ({"region": "state"}, 422, "region"),
        ({"group_by": "colour"}, 422, "group_by"),
        ({"fund_id": "not-a-uuid"}, 422, "fund_id"),
        ({"fund_id": str(uuid.UUID(int=1))}, 404, None),
    ],
)
async def test_bad_questions_are_answered_with_a_problem(offers, params, status, field):
    response = await offers.client.get(
        "/api/v1/statistics", params=params, headers=offers.auth("state_coordinator")
    )
    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["detail"]
    if field:
        assert field in [e["field"] for e in problem["errors"]]


async def test_statistics_work_on_sqlite_too(new_database, nats_url, tmp_path):
    async with start_offers(await new_database("sqlite"), nats_url, tmp_path) as service:
        data = Generator(seed=7).dataset(600)
        async with service.runtime.db.engine.begin() as connection:
            await insert_dataset(connection, data)
        await _check_sqlite(service, data)


async def _check_sqlite(service: ServiceUnderTest, data: Dataset) -> None:
    stats = await get_statistics(service)
    Expected.of(data).check(stats, REGIONS)
    office = await get_statistics(service, "boerde", role="network_office", year=2024)
    Expected.of(data, regions=["boerde"], start=date(2024, 1, 1), end=date(2024, 12, 31)).check(
        office, ["boerde"]
    )


def test_the_benchmark_runs_in_quick_mode(postgres_admin_url):
    script = Path(__file__).resolve().parents[2] / "bench" / "bench_statistics.py"
    result = subprocess.run(
        [sys.executable, str(script), "--quick", "--admin-url", postgres_admin_url],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for label in (
        "statistics (state coordination)",
        "statistics (network office)",
        "applications first page",
        "applications deep page",
        "applications q search",
    ):
        assert label in out, out
    assert "10,000 applications" in out
    assert "1,000,000" not in out


async def test_schools_reached_count_each_school_once_and_only_for_funded_applications(
    new_database, nats_url, tmp_path
):
    """A handful of applications in Börde and Harz, the schools told by registry events (one
    with school social work, one without, one from an older event that does not say): two
    funded applications of a school count it once, refused, withdrawn and submitted ones not at
    all, a school offers never heard of is unknown; the region filter and the funds agree."""
    generator = Generator(seed=17)
    data = generator.dataset(0)
    data.schools = []  # the schools below come through the registry's events
    ids = {name: uuid.uuid4() for name in ("with", "without", "older", "harz", "refused")}
    events: list[dict[str, Any]] = [
        school_payload(ids["with"], "boerde", social_work=True),
        school_payload(ids["without"], "boerde", social_work=False),
        school_payload(ids["older"], "boerde", social_work=None),
        school_payload(ids["harz"], "harz", social_work=True),
        school_payload(ids["refused"], "boerde", social_work=False),
    ]
    never_told = uuid.uuid4()
    boerde_fund = generator.funds_of["boerde"][0]["id"]
    harz_fund = generator.funds_of["harz"][0]["id"]
    plan = [
        ("boerde", boerde_fund, "approved", [ids["with"]]),
        ("boerde", boerde_fund, "completed", [ids["with"], ids["without"]]),  # "with" again
        ("boerde", boerde_fund, "reported", [ids["older"], never_told]),
        ("boerde", boerde_fund, "rejected", [ids["refused"]]),
        ("boerde", boerde_fund, "withdrawn", [ids["refused"]]),
        ("boerde", boerde_fund, "submitted", [ids["refused"]]),
        ("harz", harz_fund, "approved", [ids["harz"]]),
    ]
    for app, (region, fund_id, status, schools) in zip(
        generator.applications(len(plan)).applications, plan, strict=True
    ):
        funded = status in ("approved", "reported", "completed")
        app |= {"region": region, "fund_id": fund_id, "status": status}
        app["approved_cents"] = app["requested_cents"] if funded else None
        data.applications.append(app)
        data.application_schools += [{"application_id": app["id"], "school_id": s} for s in schools]

    async with start_offers(await new_database("sqlite"), nats_url, tmp_path) as service:
        async with service.runtime.db.transaction() as session:
            for payload in events:
                await directory.apply_registry_event(session, SchoolCreated.model_validate(payload))
        async with service.runtime.db.engine.begin() as connection:
            await insert_dataset(connection, data)
        stats = await get_statistics(service)
        boerde = await get_statistics(service, region="boerde")

    reached = {r["region"]: r[REACHED] for r in stats["by_region"]}
    assert reached["boerde"] == {
        "total": 4,  # with (twice), without, older, never told; not the refused school
        "with_school_social_work": 1,
        "without_school_social_work": 1,
        "unknown": 2,
    }
    assert reached["harz"] == {
        "total": 1,
        "with_school_social_work": 1,
        "without_school_social_work": 0,
        "unknown": 0,
    }
    assert reached["halle"]["total"] == 0
    assert stats["totals"][REACHED] == {
        "total": 5,
        "with_school_social_work": 2,
        "without_school_social_work": 1,
        "unknown": 2,
    }
    assert boerde["totals"][REACHED] == reached["boerde"]
    funds = {uuid.UUID(f["fund_id"]): f[REACHED]["total"] for f in stats["by_fund"]}
    assert (funds[boerde_fund], funds[harz_fund]) == (4, 1)
    # the same figures from the plain count over the rows (schools' flags as the events said)
    data.schools = [{"id": p["id"], "has_school_social_work": p.get(SOCIAL)} for p in events]
    assert stats["totals"][REACHED] == schools_reached(data, data.applications)


SOCIAL = "has_school_social_work"


def school_payload(
    school_id: uuid.UUID, region: str, *, social_work: bool | None
) -> dict[str, Any]:
    """A ``registry.school.created`` payload; ``social_work`` None: an older event without the
    field (offers must not take the shared model's default False for it)."""
    payload: dict[str, Any] = {
        "version": 1,
        "id": school_id,
        "school_number": f"{school_id.int % 10**8:08d}",
        "name": f"Schule {school_id.hex[:6]}",
        "school_type": "grundschule",
        "region": region,
    }
    if social_work is not None:
        payload[SOCIAL] = social_work
    return payload
