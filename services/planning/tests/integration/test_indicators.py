"""ESF+ participant figures for a generated period: proofs of use and events' attendance sent as
real events to NATS (redelivered, older versions after newer ones) across regions, funds and
days; every shown count equals a plain sum of the inputs, every count of 1–4 is hidden, no hidden
count can be recovered from a shown sum, the period's days and the caller's regions hold, and
planning's database keeps no person."""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from planning_support import Planning
from sqlalchemy import inspect, text

from planning.indicators.suppression import Disclosure
from schulerfolg.events.meetings import AttendanceRecorded
from schulerfolg.events.offers import FundCreated, FundUpdated, ProofOfUseAccepted
from schulerfolg.participants import AGE_GROUPS, SEXES
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import publish_events, wrap

INDICATORS = "/api/v1/indicators"
STATE = ("state_coordinator",)
REGIONS = ("boerde", "harz", "magdeburg")
KINDS = ("network_meeting", "training")
BERLIN = ZoneInfo("Europe/Berlin")
SENTINEL_DAY = date(2031, 6, 1)  # the last event of each stream; once both count, all arrived


# --------------------------------------------------------------------------- the inputs


def _figures(rng: random.Random) -> dict[str, dict[str, int]]:
    """A random table: mostly empty cells, many small ones, some large ones."""
    return {
        sex: {age: rng.choice((0, 0, 0, 1, 2, 3, 4, rng.randint(5, 40))) for age in AGE_GROUPS}
        for sex in SEXES
    }


def _fund(kind: type, fund_id: uuid.UUID, version: int, region: str | None, name: str) -> Any:
    data = kind(
        version=version,
        id=fund_id,
        name=name,
        kind="school_project",
        region=region,
        period_start=date(2026, 1, 1),
        period_end=date(2027, 12, 31),
        budget_cents=10_000_000,
        approved_cents=0,
        collects_participant_figures=True,
    )
    return wrap(data, entity_id=str(fund_id), region=region)


def _proof(
    app_id: uuid.UUID,
    version: int,
    fund_id: uuid.UUID,
    region: str,
    end: date,
    figures: dict[str, dict[str, int]] | None,
    contact: str,
) -> Any:
    data = ProofOfUseAccepted(
        version=version,
        id=app_id,
        fund_id=fund_id,
        fund_name="Fonds",
        fund_kind="school_project",
        region=region,
        school_ids=[uuid.uuid4()],
        title=f"Projekt von {contact}",
        status="reported",
        requested_cents=100_000,
        start_date=end - timedelta(days=90),
        end_date=end,
        contact={"name": contact, "email": f"{contact.lower()}@schule.test", "phone": "0391 4711"},
        due_on=end + timedelta(weeks=8),
        approved_cents=90_000,
        spent_cents=80_000,
        participants=figures,
        accepted_cents=80_000,
        paid_cents=80_000,
        final_payment_cents=0,
        reclaim_cents=0,
    )
    return wrap(data, entity_id=str(app_id), region=region)


def _attendance(
    meeting_id: uuid.UUID,
    version: int,
    region: str | None,
    kind: str,
    starts_at: datetime,
    present: int,
    figures: dict[str, dict[str, int]] | None,
) -> Any:
    data = AttendanceRecorded(
        version=version,
        meeting_id=meeting_id,
        kind=kind,
        region=region,
        starts_at=starts_at,
        present=present,
        participants=figures,
    )
    return wrap(data, entity_id=str(meeting_id), region=region)


class Generated:
    """The events of a generated period and the final state they stand for (plain data)."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        self.contacts: list[str] = []
        self.funds = {
            uuid.uuid4(): ("boerde", "Schulprojekte Börde"),
            uuid.uuid4(): ("harz", "Schulprojekte Harz"),
            uuid.uuid4(): (None, "Landesfonds Schulerfolg"),
        }
        fund_ids = list(self.funds)
        offers: list[Any] = []
        for fund_id, (region, name) in self.funds.items():
            created = _fund(FundCreated, fund_id, 1, region, f"{name} (Entwurf)")
            # the newer name first, the older event after it (and both again)
            offers += [_fund(FundUpdated, fund_id, 2, region, name), created]
        # final records: (source, id) → (region, fund, kind, day, present, figures)
        self.records: dict[tuple[str, uuid.UUID], dict[str, Any]] = {}
        for number in range(45):
            app_id, fund_id = uuid.uuid4(), rng.choice(fund_ids)
            region = self.funds[fund_id][0] or rng.choice(REGIONS)
            end = date(2025, 12, 1) + timedelta(days=rng.randint(0, 420))
            if number < 4:  # on the boundaries of 2026 and its quarters
                end = (date(2025, 12, 31), date(2026, 1, 1), date(2026, 3, 31), date(2026, 12, 31))[
                    number
                ]
            figures = None if number % 9 == 0 else _figures(rng)
            contact = f"Kontakt{number}Beispiel"
            self.contacts.append(contact)
            final = _proof(app_id, 7, fund_id, region, end, figures, contact)
            if number % 5 == 0:  # an older version (other figures, other day) after the newer
                older = _proof(
                    app_id,
                    5,
                    fund_id,
                    region,
                    end - timedelta(days=200),
                    _figures(rng),
                    contact,
                )
                offers += [final, older]
            else:
                offers.append(final)
            self.records["project", app_id] = {
                "region": region,
                "fund_id": fund_id,
                "kind": None,
                "day": end,
                "present": 0,
                "figures": figures,
            }
        meetings: list[Any] = []
        for number in range(25):
            meeting_id, kind = uuid.uuid4(), rng.choice(KINDS)
            region = rng.choice((*REGIONS, None))
            starts = datetime(2025, 12, 1, 9, tzinfo=UTC) + timedelta(
                days=rng.randint(0, 420), hours=rng.randint(0, 10)
            )
            if number == 0:  # New Year's Eve 23:30 UTC is New Year's Day in Germany
                starts = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
            figures = None if number % 4 == 0 else _figures(rng)
            present = rng.randint(1, 30)
            final = _attendance(meeting_id, 3, region, kind, starts, present, figures)
            if number % 6 == 0:
                older = _attendance(meeting_id, 2, region, kind, starts, present + 9, _figures(rng))
                meetings += [final, older]
            else:
                meetings.append(final)
            self.records["meeting", meeting_id] = {
                "region": region,
                "fund_id": None,
                "kind": kind,
                "day": starts.astimezone(BERLIN).date(),
                "present": present,
                "figures": figures,
            }
        sentinel_at = datetime.combine(SENTINEL_DAY, datetime.min.time(), tzinfo=UTC)
        offers.append(_proof(uuid.uuid4(), 1, fund_ids[0], "boerde", SENTINEL_DAY, None, "Ende"))
        meetings.append(
            _attendance(
                uuid.uuid4(), 1, "boerde", "training", sentinel_at + timedelta(hours=9), 1, None
            )
        )
        self.events = offers + meetings

    def expected(
        self, start: date, end: date, region: str | None = None
    ) -> dict[tuple[Any, ...], dict[str, Any]]:
        """Plain sums per group (region, source, fund, kind): cells, with figures, without."""
        groups: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(
            lambda: {"cells": defaultdict(int), "total": 0, "without": 0, "records": 0}
        )
        for (source, _id), record in self.records.items():
            if not start <= record["day"] <= end:
                continue
            if region is not None and record["region"] != region:
                continue
            fund = str(record["fund_id"]) if record["fund_id"] else None
            group = groups[record["region"], source, fund, record["kind"]]
            group["records"] += 1
            if record["figures"] is None:
                group["without"] += record["present"]
                continue
            for sex, row in record["figures"].items():
                for age, count in row.items():
                    group["cells"][sex, age] += count
                    group["total"] += count
        return groups


# --------------------------------------------------------------------------- the checks


async def _get(planning: Planning, caller: tuple[str, ...], **params: str) -> Any:
    response = await planning.client.get(INDICATORS, params=params, headers=planning.auth(*caller))
    assert response.status_code == 200, response.text
    return response.json()


def _check(shown: dict[str, Any], true: int) -> None:
    """A shown count is the plain sum; 1–4 is hidden; a hidden count is never 0."""
    if shown["suppressed"]:
        assert shown["count"] is None
        assert true > 0
    else:
        assert shown["count"] == true
    if 0 < true < 5:
        assert shown["suppressed"]


def _one_hidden(figures: list[dict[str, Any]]) -> bool:
    return sum(figure["suppressed"] for figure in figures) == 1


def check_answer(answer: dict[str, Any], expected: dict[tuple[Any, ...], dict[str, Any]]) -> int:
    """Every figure of ``answer`` against the plain sums; the complementary rule on every shown
    sum. How many counts of 5 or more were hidden to protect a small one."""
    groups = {
        (g["region"], g["source"], g["fund_id"], g["meeting_kind"]): g for g in answer["groups"]
    }
    assert set(groups) == set(expected)
    protected = 0
    by_sex: dict[str, list[tuple[dict[str, Any], int]]] = defaultdict(list)
    by_age: dict[str, list[tuple[dict[str, Any], int]]] = defaultdict(list)
    for key, group in groups.items():
        plain = expected[key]
        assert group["records"] == plain["records"]
        _check(group["participants"], plain["total"])
        _check(group["participants_without_figures"], plain["without"])
        assert len(group["cells"]) == 16
        for cell in group["cells"]:
            true = plain["cells"][cell["sex"], cell["age_group"]]
            _check(cell, true)
            protected += cell["suppressed"] and true >= 5
            by_sex[cell["sex"]].append((cell, true))
            by_age[cell["age_group"]].append((cell, true))
        if not group["participants"]["suppressed"]:
            assert not _one_hidden(group["cells"]), group
    programme = answer["programme"]
    total = sum(g["total"] for g in expected.values())
    _check(programme["participants"], total)
    _check(programme["participants_without_figures"], sum(g["without"] for g in expected.values()))
    for figure in programme["by_sex"]:
        _check(figure, sum(true for _cell, true in by_sex[figure["sex"]]))
        if not figure["suppressed"]:
            assert not _one_hidden([cell for cell, _true in by_sex[figure["sex"]]])
    for figure in programme["by_age_group"]:
        _check(figure, sum(true for _cell, true in by_age[figure["age_group"]]))
        if not figure["suppressed"]:
            assert not _one_hidden([cell for cell, _true in by_age[figure["age_group"]]])
    if not programme["participants"]["suppressed"]:
        assert not _one_hidden(programme["by_sex"])
        assert not _one_hidden(programme["by_age_group"])
        assert not _one_hidden([g["participants"] for g in groups.values()])
    if not programme["participants_without_figures"]["suppressed"]:
        assert not _one_hidden([g["participants_without_figures"] for g in groups.values()])
    return protected


async def test_figures_of_a_generated_period_equal_plain_sums_with_small_cells_hidden(
    planning: Planning, nats_url: str
) -> None:
    generated = Generated(seed=19)
    await publish_events(nats_url, generated.events, times=2)

    async def arrived() -> Any:
        answer = await _get(planning, STATE, period=str(SENTINEL_DAY.year))
        return answer if sum(g["records"] for g in answer["groups"]) == 2 else None

    await eventually(arrived)

    protected = 0
    for period, start, end in [
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-H2", date(2026, 7, 1), date(2026, 12, 31)),
        ("2025-12-31..2027-01-01", date(2025, 12, 31), date(2027, 1, 1)),
    ]:
        answer = await _get(planning, STATE, period=period)
        assert answer["period"] == {"start": start.isoformat(), "end": end.isoformat()}
        assert answer["region"] is None and answer["suppressed_below"] == 5
        protected += check_answer(answer, generated.expected(start, end))
    assert protected > 0  # the complementary rule was needed, and held

    year = await _get(planning, STATE, period="2026")
    # funds by their newer name (the older event came after it)
    names = {g["fund_name"] for g in year["groups"] if g["source"] == "project"}
    assert names <= {name for _region, name in generated.funds.values()}
    # the event at 23:30 UTC on New Year's Eve counts on 1 January 2027 (Germany)
    new_year = await _get(planning, STATE, period="2027-01-01..2027-01-01")
    assert sum(g["records"] for g in new_year["groups"] if g["source"] == "meeting") == 1
    # one region for the state coordination, one fund, the state level
    harz = await _get(planning, STATE, period="2026", region="harz")
    check_answer(harz, generated.expected(date(2026, 1, 1), date(2026, 12, 31), "harz"))
    fund_id = next(iter(generated.funds))
    fund = await _get(planning, STATE, period="2026", fund_id=str(fund_id))
    assert {(g["source"], g["fund_id"]) for g in fund["groups"]} == {("project", str(fund_id))}
    state_level = await _get(planning, STATE, period="2026", region="state")
    assert state_level["groups"] and {g["region"] for g in state_level["groups"]} == {None}

    # a network office sees its own region (by default), not another's
    office = await _get(planning, ("network_office", "boerde"), period="2026")
    assert office["region"] == "boerde"
    check_answer(office, generated.expected(date(2026, 1, 1), date(2026, 12, 31), "boerde"))
    for caller, params in [
        (("network_office", "boerde"), {"region": "harz"}),
        (("network_office", "boerde"), {"region": "state"}),
        (("network_office", "boerde", "harz"), {}),
        (("school",), {"region": "boerde"}),
    ]:
        refused = await planning.client.get(
            INDICATORS, params={"period": "2026", **params}, headers=planning.auth(*caller)
        )
        assert refused.status_code == 403, (caller, params, refused.text)
    two = await _get(planning, ("network_office", "boerde", "harz"), period="2026", region="harz")
    assert {g["region"] for g in two["groups"]} == {"harz"}

    # CSV: one row per group and cell, German headings, hidden counts as "x"
    csv = await planning.client.get(
        INDICATORS,
        params={"period": "2026"},
        headers={**planning.auth(*STATE), "Accept": "text/csv"},
    )
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "Region;Quelle;Förderfonds;Veranstaltungsart;Geschlecht;Altersgruppe;Anzahl"
    assert len(lines) == 1 + 16 * len(year["groups"])
    hidden = sum(c["suppressed"] for g in year["groups"] for c in g["cells"])
    assert sum(line.endswith(";x") for line in lines) == hidden > 0

    # no person in planning's database: no such column, no contact or title from the events
    async with planning.runtime.db.transaction(readonly=True) as session:
        connection = await session.connection()
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        dumped = []
        for table in tables:
            columns = await connection.run_sync(
                lambda sync, table=table: inspect(sync).get_columns(table)
            )
            for column in columns:
                assert not any(
                    word in column["name"] for word in ("email", "person", "contact", "phone")
                ), (table, column["name"])
            rows = (await session.execute(text(f'SELECT * FROM "{table}"'))).all()
            dumped.append(repr(rows))
    everything = "\n".join(dumped).lower()
    assert "participant_records" in tables and "funds" in tables
    for contact in generated.contacts:
        assert contact.lower() not in everything
    assert "@schule.test" not in everything and "0391 4711" not in everything


async def test_a_wrong_period_region_or_fund_is_refused_naming_the_field(
    planning: Planning,
) -> None:
    for params, field in [
        ({"period": "2026-Q5"}, "period"),
        ({"period": "26"}, "period"),
        ({"period": "2026-02-30..2026-03-31"}, "period"),
        ({"period": "2026-06-30..2026-01-01"}, "period"),
        ({"region": "atlantis"}, "region"),
        ({"fund_id": "no-uuid"}, "fund_id"),
    ]:
        response = await planning.client.get(
            INDICATORS, params=params, headers=planning.auth(*STATE)
        )
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in [error["field"] for error in response.json()["errors"]], response.text
    empty = await _get(planning, STATE)
    this_year = datetime.now(BERLIN).year
    assert empty["period"] == {"start": f"{this_year}-01-01", "end": f"{this_year}-12-31"}
    assert empty["groups"] == [] and empty["programme"]["participants"]["count"] == 0
    anonymous = await planning.client.get(INDICATORS)
    assert anonymous.status_code == 401


def test_a_lone_hidden_count_takes_the_smallest_other_one_with_it() -> None:
    """3 beside 10 and 7 under a shown 20: the 3 would be 20 - 10 - 7, so the 7 goes too; a
    lone hidden count with nothing else to hide takes the sum with it."""
    table = Disclosure()
    for key, value in {"a": 3, "b": 10, "c": 7, "d": 0, "sum": 20}.items():
        table.add(key, value)
    table.relate("sum", ["a", "b", "c", "d"])
    assert table.hidden() == {"a", "c"}
    alone = Disclosure()
    for key, value in {"a": 2, "b": 6, "sum": 8, "x": 8, "y": 0, "all": 8}.items():
        alone.add(key, value)
    alone.relate("sum", ["a", "b"])  # 6 hidden too …
    alone.relate("x", ["b", "y"])  # … then 6 is alone under x = 8: x goes …
    alone.relate("all", ["x"])  # … and so does the sum over x
    assert alone.hidden() == {"a", "b", "x", "all"}
