"""The statistics of applications for the offices: who may ask for what, and the figures.

Statistics are for the offices: the state coordination sees every region, a network office its
own regions (asking for another region is 403); other roles get 403. Which applications count
follows ``access.visible_to`` — the same rule as the application lists.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from offers.applications import access
from offers.common import TARGET_GROUPS, TOPICS
from offers.funds import service as funds_service
from offers.models import Fund
from offers.statistics import repository, summary
from offers.statistics.repository import Selection
from offers.statistics.schemas import (
    SCHOOL_TYPES,
    TARGET_GROUP_NAMES,
    FundFigures,
    FundingSourceFigures,
    Money,
    Reach,
    RegionFigures,
    SchoolsReached,
    SchoolTypeFigures,
    Statistics,
    StatisticsFilters,
    Sums,
    TargetGroupFigures,
    TopicFigures,
    TotalFigures,
    rate,
)
from schulerfolg.auth import Principal
from schulerfolg.http.problems import FieldError, Forbidden, Unprocessable
from schulerfolg.regions import REGION_SLUGS, REGIONS, check_region

OFFICE_ROLES = ("state_coordinator", "network_office")


@dataclass(frozen=True)
class Period:
    """The days an application's ``start_date`` must fall in (both ends inclusive, open if None)."""

    start: date | None = None
    end: date | None = None

    @classmethod
    def of(cls, *, start: date | None, end: date | None, year: int | None) -> Period:
        """The period from ``from``/``to`` or a calendar ``year`` (not both); 422 when reversed."""
        if year is not None:
            if start is not None or end is not None:
                raise Unprocessable(
                    "Give either year or from/to, not both.",
                    errors=[_query_error("year", "give either year or from/to", "period")],
                )
            return cls(date(year, 1, 1), date(year, 12, 31))
        if start is not None and end is not None and start > end:
            raise Unprocessable(
                f"The period starts ({start}) after it ends ({end}); 'from' must not be after "
                "'to'.",
                errors=[_query_error("from", "must not be after 'to'", "period")],
            )
        return cls(start, end)


def _query_error(name: str, message: str, kind: str) -> FieldError:
    return FieldError(field=name, location="query", message=message, type=kind)


def regions_in_scope(principal: Principal, region: str | None) -> list[str]:
    """The regions the figures cover: the one asked for (403 unless the caller's), else every
    region for the state coordination, else the network office's own."""
    if not principal.has_role(*OFFICE_ROLES):
        raise Forbidden("Statistics are for the state coordination and the network offices only.")
    if region is not None:
        check_region(region, location="query", state_allowed=False)
        access.ensure_office(principal, region, "see its statistics")
        return [region]
    if principal.has_role("state_coordinator"):
        return sorted(REGION_SLUGS)
    return sorted(principal.regions & REGION_SLUGS)


async def statistics(
    *,
    session: AsyncSession,
    principal: Principal,
    region: str | None = None,
    fund_id: uuid.UUID | None = None,
    period: Period = Period(),
) -> Statistics:
    """The figures of the applications the caller may see, in total and per group."""
    regions = regions_in_scope(principal, region)
    if fund_id is not None:
        await funds_service.get_fund(session=session, fund_id=fund_id)  # 404 when unknown
    selection = Selection(
        visible=access.visible_to(principal),
        region=region,
        fund_id=fund_id,
        start=period.start,
        end=period.end,
    )
    found = await _figures(session, principal, selection)
    totals = _add_up(found.parts.values())
    per_region = _group(found.parts, lambda key: [key[0]])
    per_fund = _group(found.parts, lambda key: [key[1]])
    per_group, per_topic = found.per_target_group, found.per_topic
    per_school_type = found.per_school_type
    fund_ids = sorted({*per_fund, *([fund_id] if fund_id else [])}, key=str)
    funds = await repository.funds(session, fund_ids)
    money_per_fund = _add_money(found.money, lambda key: key[1])
    money_per_region = _add_money(found.money, lambda key: key[0])
    money_total = _add_money(found.money, lambda key: None).get(None, Money())
    reached_total = found.reached[None]
    reached_per_region, reached_per_fund = found.reached["region"], found.reached["fund"]

    stats = Statistics(
        filters=StatisticsFilters(
            regions=regions, fund_id=fund_id, from_=period.start, to=period.end
        ),
        totals=TotalFigures.of(
            totals, **vars(money_total), schools_reached=_reached(reached_total.get(None))
        ),
        by_region=[
            RegionFigures.of(
                per_region.get(slug, Sums()),
                region=slug,
                district_key=REGIONS.get(slug),
                **vars(money_per_region.get(slug, Money())),
                schools_reached=_reached(reached_per_region.get(slug)),
            )
            for slug in sorted({*regions, *per_region})
        ],
        by_fund=[
            _fund_figures(
                fund,
                per_fund.get(fund.id, Sums()),
                money_per_fund.get(fund.id, Money()),
                reached_per_fund.get(fund.id),
            )
            for fund in funds
        ],
        by_topic=[
            TopicFigures.of(per_topic.get(slug, Sums()), topic=slug, name=TOPICS.get(slug, slug))
            for slug in [*TOPICS, *sorted(set(per_topic) - set(TOPICS))]
        ],
        by_target_group=[
            TargetGroupFigures.of(
                per_group.get(group, Sums()), target_group=group, name=TARGET_GROUP_NAMES[group]
            )
            for group in TARGET_GROUPS
        ],
        by_funding_source=by_funding_source(funds, per_fund, money_per_fund),
        by_school_type=[
            SchoolTypeFigures.of(
                per_school_type.get(kind, Sums()),
                school_type=kind,
                name=SCHOOL_TYPES.get(kind, "Unbekannt"),
            )
            for kind in [*SCHOOL_TYPES, *sorted(set(per_school_type) - set(SCHOOL_TYPES))]
        ],
    )
    return stats


# --- funding sources (issue 16)


def split_by_shares(total: int, shares: Sequence[int]) -> list[int]:
    """``total`` cents split by percentage ``shares`` (summing to 100) in whole cents, by the
    largest remainder: each part is rounded down, then the cents left over go one each to the
    parts with the largest remainders (the earlier part on a tie) — the parts sum to ``total``."""
    whole = sum(shares)
    parts = [total * share // whole for share in shares]
    remainders = [total * share % whole for share in shares]
    left = total - sum(parts)
    for index in sorted(range(len(shares)), key=lambda i: (-remainders[i], i))[:left]:
        parts[index] += 1
    return parts


def by_funding_source(
    funds: Sequence[Fund], per_fund: dict[Any, Sums], money_per_fund: dict[Any, Money]
) -> list[FundingSourceFigures]:
    """Each fund's requested, approved, paid, accepted and reclaimed money split by its funding
    sources (each figure by ``split_by_shares``), summed per source name (in the order first
    met); funds without sources under ``None``."""
    figures: dict[str | None, dict[str, int]] = {}
    for fund in funds:
        sums, money = per_fund.get(fund.id, Sums()), money_per_fund.get(fund.id, Money())
        amounts = {
            "requested_cents": sums.requested_cents,
            "approved_cents": sums.approved_cents,
            **vars(money),
        }
        sources = fund.funding_sources or [{"name": None, "share_percent": 100}]
        shares = [s["share_percent"] for s in sources]
        split = {name: split_by_shares(total, shares) for name, total in amounts.items()}
        for index, source in enumerate(sources):
            row = figures.setdefault(source["name"], dict.fromkeys(amounts, 0))
            for name, parts in split.items():
                row[name] += parts[index]
    return [FundingSourceFigures(name=name, **row) for name, row in figures.items()]


def _reached(reach: Reach | None) -> SchoolsReached:
    return SchoolsReached(**vars(reach or Reach()))


def _fund_figures(fund: Fund, sums: Sums, money: Money, reach: Reach | None) -> FundFigures:
    return FundFigures.of(
        sums,
        **vars(money),
        schools_reached=_reached(reach),
        fund_id=fund.id,
        name=fund.name,
        kind=fund.kind,
        region=fund.region,
        budget_cents=fund.budget_cents,
        budget_use=rate(sums.approved_cents, fund.budget_cents),
    )


def _add_up(sums: Iterable[Sums]) -> Sums:
    total = Sums()
    for item in sums:
        total.add(item)
    return total


def _group(
    parts: Iterable[Any] | dict[Any, Sums], keys_of: Any, sums_of: Any = None
) -> dict[Any, Sums]:
    """Add parts up per key (a part may belong to several keys, e.g. target groups): the sums of
    a dict's keys, or ``sums_of(part)`` of other parts."""
    groups: dict[Any, Sums] = {}
    items = parts.items() if isinstance(parts, dict) else ((p, sums_of(p)) for p in parts)
    for part, sums in items:
        for key in keys_of(part):
            groups.setdefault(key, Sums()).add(sums)
    return groups


@dataclass
class Figures:
    """The applications' figures the response is made of, from the summary or the base tables."""

    parts: dict[tuple[str, uuid.UUID], Sums]
    """Per (region, fund)."""
    per_target_group: dict[str, Sums]
    per_topic: dict[str, Sums]
    per_school_type: dict[str, Sums]
    money: dict[tuple[str, uuid.UUID], Money]
    reached: dict[str | None, dict[Any, Reach]]
    """Schools reached per grouping (None: in total, "region", "fund") and key."""


GROUPINGS: tuple[Literal["region", "fund"] | None, ...] = (None, "region", "fund")


async def _figures(session: AsyncSession, principal: Principal, selection: Selection) -> Figures:
    """The figures from the statistics summary where it answers exactly (issue 18), else from
    the base tables."""
    chosen = summary.selection_for(
        dialect=(await session.connection()).dialect.name,
        roles=principal.roles,
        regions=principal.regions,
        region=selection.region,
        fund_id=selection.fund_id,
        start=selection.start,
        end=selection.end,
    )
    if chosen is not None:
        found = await summary.figures(session, chosen)
        return Figures(
            parts=found.parts,
            per_target_group=found.keyed["target_group"],
            per_topic=found.keyed["topic"],
            per_school_type=found.keyed["school_type"],
            money=found.money,
            reached={by: await summary.schools_reached(session, chosen, by) for by in GROUPINGS},
        )
    await repository.tune_for_aggregates(session)
    parts = await repository.parts(session, selection)
    return Figures(
        parts=_group(parts, lambda p: [(p.region, p.fund_id)], lambda p: p.sums),
        per_target_group=_group(parts, lambda p: list(p.target_groups), lambda p: p.sums),
        per_topic=await repository.by_topic(session, selection),
        per_school_type=await repository.by_school_type(session, selection),
        money=await repository.money(session, selection),  # payments, proofs of use (issue 16)
        # schools reached (issue 17): distinct schools, counted by the database per grouping
        reached={by: await repository.schools_reached(session, selection, by) for by in GROUPINGS},
    )


def _add_money(money: dict[tuple[str, uuid.UUID], Money], key_of: Any) -> dict[Any, Money]:
    """The money per (region, fund) added up per ``key_of((region, fund))``."""
    groups: dict[Any, Money] = {}
    for key, figures in money.items():
        groups.setdefault(key_of(key), Money()).add(figures)
    return groups
