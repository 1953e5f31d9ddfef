"""ESF+ participant figures: kept from offers' accepted proofs of use and meetings' recorded
attendance, summed per region, source, fund or event kind and for the programme, with small
counts suppressed (see ``planning.indicators.suppression``)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from planning.common import check_region_filter
from planning.indicators import repository
from planning.indicators.period import parse_period
from planning.indicators.schemas import (
    AgeGroupFigure,
    Cell,
    Figure,
    Group,
    Indicators,
    Period,
    Programme,
    SexFigure,
)
from planning.indicators.suppression import SUPPRESSED_BELOW, Disclosure
from planning.models import ParticipantRecord
from schulerfolg.auth import Principal
from schulerfolg.events.base import STATE
from schulerfolg.events.meetings import AttendanceRecorded
from schulerfolg.events.offers import FundData, ProofOfUseAccepted
from schulerfolg.http.problems import Forbidden
from schulerfolg.local_time import BERLIN, berlin_day
from schulerfolg.participants import (
    AGE_GROUP_LABELS,
    AGE_GROUPS,
    SEX_LABELS,
    SEXES,
    AgeGroup,
    ParticipantFigures,
    Sex,
)

# --------------------------------------------------------------------------- read models


async def apply_fund(session: AsyncSession, data: FundData) -> None:
    """Keep a fund's name and kind, if the event is newer than what is kept."""
    await repository.keep_fund(
        session,
        {
            "id": data.id,
            "version": data.version,
            "name": data.name,
            "kind": data.kind,
            "region": data.region,
            "collects_participant_figures": data.collects_participant_figures,
        },
    )


async def apply_proof_of_use(session: AsyncSession, data: ProofOfUseAccepted) -> None:
    """Keep a project's participants from its accepted proof of use (newer versions win); the
    project counts on its end date. No title, no contact."""
    figures = data.participants
    await repository.keep_record(
        session,
        {
            "source": "project",
            "source_id": data.id,
            "version": data.version,
            "region": data.region,
            "fund_id": data.fund_id,
            "meeting_kind": None,
            "activity_on": data.end_date,
            "present": figures.total() if figures else 0,
            "figures": _table(figures),
        },
    )


async def apply_attendance(session: AsyncSession, data: AttendanceRecorded) -> None:
    """Keep an event's participants from its recorded attendance (newer versions win); the
    event counts on the day it starts (in Germany)."""
    figures = data.participants
    await repository.keep_record(
        session,
        {
            "source": "meeting",
            "source_id": data.meeting_id,
            "version": data.version,
            "region": data.region,
            "fund_id": None,
            "meeting_kind": data.kind,
            "activity_on": berlin_day(data.starts_at),
            "present": figures.total() if figures else data.present,
            "figures": _table(figures),
        },
    )


def _table(figures: ParticipantFigures | None) -> dict[str, dict[str, int]] | None:
    if figures is None:
        return None
    return {sex: {age: count for age, count in row.items()} for sex, row in figures.root.items()}


# --------------------------------------------------------------------------- the indicators


async def indicators(
    *,
    session: AsyncSession,
    principal: Principal,
    period: str | None,
    region: str | None,
    fund_id: uuid.UUID | None,
) -> Indicators:
    """Participant figures for ``period`` (default: this year) in the region selected (the state
    coordination: any or all; a network office: its own), of one fund's projects if given."""
    start, end = parse_period(period or str(datetime.now(BERLIN).year))
    selected, shown = _selection(principal, region)
    rows = await repository.records(session, start=start, end=end, region=selected, fund_id=fund_id)
    names = await repository.fund_names(session, {r.fund_id for r in rows if r.fund_id})
    groups, programme = tabulate(rows, names)
    return Indicators(
        period=Period(start=start, end=end),
        region=shown,
        fund_id=fund_id,
        suppressed_below=SUPPRESSED_BELOW,
        groups=groups,
        programme=programme,
    )


def _selection(principal: Principal, region: str | None) -> tuple[str | None, str | None]:
    """The region to read (``repository.ALL``, None for the state level, or a slug) and the one
    the answer names; Forbidden where the caller may not see it."""
    check_region_filter(region)
    if principal.has_role("state_coordinator"):
        if region is None:
            return repository.ALL, None
        return (None if region == STATE else region), region
    if not principal.has_role("network_office") or not principal.regions:
        raise Forbidden("Only the state coordination and network offices see the ESF+ figures.")
    if region is None:
        regions = sorted(principal.regions)
        if len(regions) != 1:
            raise Forbidden("Name the region (?region=…) whose ESF+ figures you want to see.")
        return regions[0], regions[0]
    if region not in principal.regions:
        raise Forbidden(f"Only the network office of {region} and the state coordination may.")
    return region, region


@dataclass
class _Sums:
    """One group's sums before suppression."""

    records: int = 0
    without: int = 0
    cells: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))

    def add(self, record: ParticipantRecord) -> None:
        self.records += 1
        if record.figures is None:
            self.without += record.present
            return
        for sex, age, count in ParticipantFigures.model_validate(record.figures).cells():
            self.cells[sex, age] += count


GroupKey = tuple[str | None, str, uuid.UUID | None, str | None]  # region, source, fund, kind


def tabulate(
    rows: Iterable[ParticipantRecord], fund_names: dict[uuid.UUID, str]
) -> tuple[list[Group], Programme]:
    """The groups (region × source × fund or event kind) and the programme, suppressed."""
    sums: dict[GroupKey, _Sums] = defaultdict(_Sums)
    for row in rows:
        sums[row.region, row.source, row.fund_id, row.meeting_kind].add(row)
    keys = sorted(sums, key=lambda k: (k[0] or "", k[1], _fund_name(fund_names, k[2]), k[3] or ""))
    disclosure = _disclosure(keys, sums)
    hidden = disclosure.hidden()

    def figure(key: Hashable) -> Figure:
        return Figure(**_shown(disclosure, hidden, key))

    groups = [
        Group(
            region=key[0],
            source="project" if key[1] == "project" else "meeting",
            fund_id=key[2],
            fund_name=_fund_name(fund_names, key[2]) or None,
            meeting_kind=key[3],
            records=sums[key].records,
            participants=figure(("total", key)),
            participants_without_figures=figure(("without", key)),
            cells=[
                Cell(
                    sex=sex,
                    sex_label=SEX_LABELS[sex],
                    age_group=age,
                    age_group_label=AGE_GROUP_LABELS[age],
                    **_shown(disclosure, hidden, ("cell", key, sex, age)),
                )
                for sex in SEXES
                for age in AGE_GROUPS
            ],
        )
        for key in keys
    ]
    programme = Programme(
        participants=figure("total"),
        participants_without_figures=figure("without"),
        by_sex=[
            SexFigure(sex=sex, label=SEX_LABELS[sex], **_shown(disclosure, hidden, ("sex", sex)))
            for sex in SEXES
        ],
        by_age_group=[
            AgeGroupFigure(
                age_group=age,
                label=AGE_GROUP_LABELS[age],
                **_shown(disclosure, hidden, ("age", age)),
            )
            for age in AGE_GROUPS
        ],
    )
    return groups, programme


def _fund_name(names: dict[uuid.UUID, str], fund_id: uuid.UUID | None) -> str:
    return names.get(fund_id, "") if fund_id is not None else ""


def _disclosure(keys: Sequence[GroupKey], sums: dict[GroupKey, _Sums]) -> Disclosure:
    """Every figure the answer publishes, and every sum relating them."""
    disclosure = Disclosure()
    by_sex: dict[Sex, list[Hashable]] = {sex: [] for sex in SEXES}
    by_age: dict[AgeGroup, list[Hashable]] = {age: [] for age in AGE_GROUPS}
    for key in keys:
        group = sums[key]
        cells: list[Hashable] = []
        for sex in SEXES:
            for age in AGE_GROUPS:
                cell = ("cell", key, sex, age)
                disclosure.add(cell, group.cells[sex, age])
                cells.append(cell)
                by_sex[sex].append(cell)
                by_age[age].append(cell)
        disclosure.add(("total", key), sum(group.cells.values()))
        disclosure.add(("without", key), group.without)
        disclosure.relate(("total", key), cells)
    for sex, parts in by_sex.items():
        disclosure.add(("sex", sex), sum(disclosure.values[p] for p in parts))
        disclosure.relate(("sex", sex), parts)
    for age, parts in by_age.items():
        disclosure.add(("age", age), sum(disclosure.values[p] for p in parts))
        disclosure.relate(("age", age), parts)
    disclosure.add("total", sum(disclosure.values[("total", key)] for key in keys))
    disclosure.add("without", sum(sums[key].without for key in keys))
    disclosure.relate("total", [("total", key) for key in keys])
    disclosure.relate("total", [("sex", sex) for sex in SEXES])
    disclosure.relate("total", [("age", age) for age in AGE_GROUPS])
    disclosure.relate("without", [("without", key) for key in keys])
    return disclosure


def _shown(disclosure: Disclosure, hidden: set[Hashable], key: Hashable) -> dict[str, Any]:
    if key in hidden:
        return {"count": None, "suppressed": True}
    return {"count": disclosure.values[key], "suppressed": False}
