"""Response bodies of the statistics and what each figure means.

Every group of applications (all of them, one region, one fund, one topic, …) is described by
the same measures:

- ``applications``: every application of the group, whatever its status (drafts included);
  ``by_status`` counts them per status, all eight statuses listed (zeros included).
- ``requested_cents``: the money asked for by the applications that stand before the office or
  were decided — status ``submitted``, ``approved``, ``rejected``, ``reported`` or
  ``completed``. Drafts, returned applications (being revised, the amount may still change)
  and withdrawn ones do not count.
- ``approved_cents``: the money approved for the funded applications (``approved``,
  ``reported``, ``completed``).
- ``funded`` and ``decided`` (= funded + ``rejected``); ``approval_rate`` = funded / decided,
  null when nothing was decided.
- ``participants.planned``: the participants the funded applications plan, per target group and
  in total; ``participants.reached``: those the reported projects (``reported``, ``completed``)
  reached.
- ``schools_reached`` (in total, per region and per fund): the schools named by at least one
  funded application of the group, each counted once however many of its applications were
  funded, split by whether the registry says the school has school social work (``unknown``:
  the registry's event did not say, or offers never heard of the school). Refused, withdrawn,
  draft, submitted and returned applications reach no school.

An application belongs to a period by its ``start_date`` (``from`` and ``to`` inclusive); with a
period given, applications without a start date are left out.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from offers.applications.rules import FUNDED
from offers.common import TARGET_GROUPS

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
REQUESTED = ("submitted", "approved", "rejected", "reported", "completed")
"""Statuses whose requested money counts: submitted and not taken back (see the module text)."""
REPORTED = ("reported", "completed")
"""Statuses whose reached participants count."""

SCHOOL_TYPES: dict[str, str] = {
    "grundschule": "Grundschule",
    "sekundarschule": "Sekundarschule",
    "gemeinschaftsschule": "Gemeinschaftsschule",
    "gesamtschule": "Gesamtschule",
    "gymnasium": "Gymnasium",
    "foerderschule": "Förderschule",
    "berufsbildende_schule": "Berufsbildende Schule",
    "other": "Andere",
}
"""School types of the registry (contract order) with their German names."""
UNKNOWN_SCHOOL_TYPE = "unknown"
"""The type of a school the offers service has not heard of from the registry."""

TARGET_GROUP_NAMES = {"pupils": "Schüler:innen", "parents": "Eltern", "teachers": "Lehrkräfte"}
STATUS_NAMES = {
    "draft": "Entwurf",
    "submitted": "Eingereicht",
    "returned": "Zurückgegeben",
    "approved": "Bewilligt",
    "rejected": "Abgelehnt",
    "reported": "Berichtet",
    "completed": "Abgeschlossen",
    "withdrawn": "Zurückgezogen",
}

GroupBy = Literal["region", "fund", "topic", "target_group", "school_type", "funding_source"]


# --------------------------------------------------------------------------- sums


@dataclass
class Sums:
    """The summable figures of a group of applications (what one aggregate row holds)."""

    applications: int = 0
    statuses: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    requested_cents: int = 0
    approved_cents: int = 0
    planned: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TARGET_GROUPS, 0))
    reached: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TARGET_GROUPS, 0))

    @classmethod
    def of_status_row(cls, row: Mapping[Any, Any]) -> Sums:
        """The figures of an aggregate row of applications in one status (labels as
        ``repository.measure_columns`` names them): each sum counts only where it belongs."""
        status = row["status"]
        funded, reported = status in FUNDED, status in REPORTED
        sums = cls(
            applications=int(row["applications"]),
            requested_cents=int(row["requested_cents"] or 0) if status in REQUESTED else 0,
            approved_cents=int(row["approved_cents"] or 0) if funded else 0,
            planned={g: int(row[f"planned_{g}"] or 0) if funded else 0 for g in TARGET_GROUPS},
            reached={g: int(row[f"reached_{g}"] or 0) if reported else 0 for g in TARGET_GROUPS},
        )
        sums.statuses[status] = sums.applications
        return sums

    def add(self, other: Sums) -> None:
        """Add another group's figures (groups that do not overlap)."""
        self.applications += other.applications
        self.requested_cents += other.requested_cents
        self.approved_cents += other.approved_cents
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        for group in TARGET_GROUPS:
            self.planned[group] += other.planned[group]
            self.reached[group] += other.reached[group]


@dataclass
class Money:
    """The money after approval (issue 16) of a group of applications: ``paid_cents`` (payment
    requests marked paid), ``accepted_cents`` (accepted proofs of use) and ``reclaimed_cents``
    (the reclaims announced when a proof of use was accepted for less than was paid)."""

    paid_cents: int = 0
    accepted_cents: int = 0
    reclaimed_cents: int = 0

    def add(self, other: Money) -> None:
        self.paid_cents += other.paid_cents
        self.accepted_cents += other.accepted_cents
        self.reclaimed_cents += other.reclaimed_cents


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to four places; None when ``whole`` is 0."""
    return round(part / whole, 4) if whole else None


# --------------------------------------------------------------------------- responses


class Participants(BaseModel):
    """Participants per target group and in total."""

    pupils: int
    parents: int
    teachers: int
    total: int

    @classmethod
    def of(cls, counts: Mapping[str, int]) -> Participants:
        return cls(**{g: counts[g] for g in TARGET_GROUPS}, total=sum(counts.values()))


class ParticipantFigures(BaseModel):
    """Planned (funded applications) and reached (reported projects) participants."""

    planned: Participants
    reached: Participants


class Measures(BaseModel):
    """The figures of a group of applications (see the module text for each definition)."""

    applications: int = Field(description="Applications in any status, drafts included.")
    by_status: dict[str, int] = Field(description="Applications per status, all eight listed.")
    requested_cents: int = Field(
        description="Requested money of submitted, approved, rejected, reported and completed "
        "applications."
    )
    approved_cents: int = Field(description="Approved money of the funded applications.")
    funded: int = Field(description="Applications approved, reported or completed.")
    decided: int = Field(description="Funded plus rejected applications.")
    approval_rate: float | None = Field(
        description="funded / decided (4 places); null when none was decided."
    )
    participants: ParticipantFigures

    @classmethod
    def values_of(cls, sums: Sums) -> dict[str, Any]:
        funded = sum(sums.statuses[s] for s in FUNDED)
        decided = funded + sums.statuses["rejected"]
        return {
            "applications": sums.applications,
            "by_status": {s: sums.statuses.get(s, 0) for s in STATUSES},
            "requested_cents": sums.requested_cents,
            "approved_cents": sums.approved_cents,
            "funded": funded,
            "decided": decided,
            "approval_rate": rate(funded, decided),
            "participants": ParticipantFigures(
                planned=Participants.of(sums.planned), reached=Participants.of(sums.reached)
            ),
        }

    @classmethod
    def of(cls, sums: Sums, **keys: Any) -> Self:
        return cls(**keys, **cls.values_of(sums))


@dataclass
class Reach:
    """The distinct schools funded applications reached (one aggregate row, see the module
    text): ``total`` = ``with_school_social_work`` + ``without_school_social_work`` +
    ``unknown``."""

    total: int = 0
    with_school_social_work: int = 0
    without_school_social_work: int = 0
    unknown: int = 0


class SchoolsReached(BaseModel):
    """Schools reached: distinct schools named by at least one funded application (approved,
    reported, completed) of the group, by school social work."""

    total: int = Field(
        0,
        description="Distinct schools with at least one funded application (approved, reported "
        "or completed); a school with several counts once.",
    )
    with_school_social_work: int = Field(
        0, description="Of these, schools the registry says have school social work."
    )
    without_school_social_work: int = Field(
        0, description="Of these, schools the registry says have no school social work."
    )
    unknown: int = Field(
        0,
        description="Of these, schools whose school social work is not known (an older registry "
        "event did not say, or the registry never told offers of the school).",
    )


class ReachFigures(BaseModel):
    """The schools a group's funded applications reached (issue 17)."""

    schools_reached: SchoolsReached = Field(
        default_factory=SchoolsReached,
        description="Distinct schools with at least one funded application, with and without "
        "school social work.",
    )


class MoneyFigures(BaseModel):
    """The money after approval (issue 16), see ``Money``."""

    paid_cents: int = Field(0, description="Paid out (payment requests marked paid).")
    accepted_cents: int = Field(0, description="Accepted in the proofs of use.")
    reclaimed_cents: int = Field(
        0, description="Reclaimed: announced when a proof of use was accepted for less than paid."
    )

    def set_money(self, money: Money) -> None:
        self.paid_cents = money.paid_cents
        self.accepted_cents = money.accepted_cents
        self.reclaimed_cents = money.reclaimed_cents


class TotalFigures(Measures, MoneyFigures, ReachFigures):
    """The figures of every application counted, with the money after approval and the schools
    reached."""


class _RegionKey(BaseModel):
    region: str
    district_key: str | None = Field(description="The official Kreisschlüssel.")


class RegionFigures(Measures, MoneyFigures, ReachFigures, _RegionKey):
    """The figures of one region."""


class _FundKey(BaseModel):
    fund_id: uuid.UUID
    name: str
    kind: str
    region: str | None = Field(description="The fund's region; null for a state-wide fund.")
    budget_cents: int
    budget_use: float | None = Field(
        description="approved_cents / budget_cents (4 places), over the applications counted "
        "here; null for a fund without budget."
    )


class FundFigures(Measures, MoneyFigures, ReachFigures, _FundKey):
    """The figures of one fund's applications, how much of its budget they use and the schools
    they reached."""


class _TopicKey(BaseModel):
    topic: str
    name: str


class TopicFigures(Measures, _TopicKey):
    """The figures of the applications with a topic (an application counts for each topic)."""


class _TargetGroupKey(BaseModel):
    target_group: str
    name: str


class TargetGroupFigures(Measures, _TargetGroupKey):
    """The figures of the applications addressing a target group."""


class _SchoolTypeKey(BaseModel):
    school_type: str
    name: str


class SchoolTypeFigures(Measures, _SchoolTypeKey):
    """The figures of the applications with a school of a type (a cross-school application
    counts once for each type among its schools)."""


class FundingSourceFigures(MoneyFigures):
    """Money split by funding source (issue 16): each fund's requested, approved, paid,
    accepted and reclaimed money divided by its sources' shares in exact cents (largest remainder: the parts of each fund
    sum to its figure, so the sources sum to the totals); funds without sources count under
    ``name`` null (no source named)."""

    name: str | None = Field(description="The funding source, e.g. „ESF+“; null: none named.")
    requested_cents: int
    approved_cents: int


class StatisticsFilters(BaseModel):
    """The selection the figures describe."""

    model_config = ConfigDict(populate_by_name=True)

    regions: list[str] = Field(description="The regions counted (the caller's, or the one asked).")
    fund_id: uuid.UUID | None
    from_: date | None = Field(alias="from")
    to: date | None


class Statistics(BaseModel):
    """Figures per region, fund, topic, target group and school type, and in total."""

    filters: StatisticsFilters
    totals: TotalFigures
    by_region: list[RegionFigures]
    by_fund: list[FundFigures]
    by_topic: list[TopicFigures]
    by_target_group: list[TargetGroupFigures]
    by_school_type: list[SchoolTypeFigures]
    by_funding_source: list[FundingSourceFigures] = Field(  # funding sources (issue 16)
        default_factory=list,
        description="Requested, approved, paid, accepted and reclaimed money split by the "
        "funds' funding sources.",
    )


# --------------------------------------------------------------------------- CSV

MEASURE_HEADER = (
    "Anträge",
    *(STATUS_NAMES[s] for s in STATUSES),
    "Beantragt (Cent)",
    "Bewilligt (Cent)",
    "Entschieden",
    "Gefördert",
    "Bewilligungsquote (%)",
    *(f"Geplant {TARGET_GROUP_NAMES[g]}" for g in TARGET_GROUPS),
    "Geplant gesamt",
    *(f"Erreicht {TARGET_GROUP_NAMES[g]}" for g in TARGET_GROUPS),
    "Erreicht gesamt",
)
MONEY_HEADER = ("Ausgezahlt (Cent)", "Anerkannt (Cent)", "Zurückgefordert (Cent)")
"""The money after approval: in the region, fund and funding-source rows and the total row."""
SCHOOLS_HEADER = (
    "Erreichte Schulen",
    "davon mit Schulsozialarbeit",
    "davon ohne Schulsozialarbeit",
    "davon Schulsozialarbeit unbekannt",
)
"""The schools reached (issue 17): in the region and fund rows and their total row."""
TOTAL_LABEL = "Gesamt"
NO_SOURCE_LABEL = "ohne Finanzierungsquelle"


def percent(fraction: float | None) -> str:
    """A fraction as a German percentage with two places (``0.6667`` → ``66,67``)."""
    return "" if fraction is None else f"{fraction * 100:.2f}".replace(".", ",")


def measure_cells(figures: Measures) -> list[Any]:
    """The measure columns of a CSV row."""
    planned, reached = figures.participants.planned, figures.participants.reached
    return [
        figures.applications,
        *(figures.by_status[s] for s in STATUSES),
        figures.requested_cents,
        figures.approved_cents,
        figures.decided,
        figures.funded,
        percent(figures.approval_rate),
        *(getattr(planned, g) for g in TARGET_GROUPS),
        planned.total,
        *(getattr(reached, g) for g in TARGET_GROUPS),
        reached.total,
    ]


def money_cells(figures: MoneyFigures) -> list[int]:
    """The money columns (``MONEY_HEADER``) of a CSV row."""
    return [figures.paid_cents, figures.accepted_cents, figures.reclaimed_cents]


def schools_cells(figures: ReachFigures) -> list[int]:
    """The schools-reached columns (``SCHOOLS_HEADER``) of a CSV row."""
    reached = figures.schools_reached
    return [
        reached.total,
        reached.with_school_social_work,
        reached.without_school_social_work,
        reached.unknown,
    ]


def csv_table(stats: Statistics, group_by: GroupBy) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the CSV: one row per group, then a total row."""
    rows: list[list[Any]]
    totals = stats.totals
    if group_by == "region":
        header = ["Region", "Kreisschlüssel", *MEASURE_HEADER, *MONEY_HEADER, *SCHOOLS_HEADER]
        rows = [
            [r.region, r.district_key, *measure_cells(r), *money_cells(r), *schools_cells(r)]
            for r in stats.by_region
        ]
        total = [TOTAL_LABEL, "", *measure_cells(totals), *money_cells(totals)]
        return header, [*rows, [*total, *schools_cells(totals)]]
    if group_by == "funding_source":
        header = ["Finanzierungsquelle", "Beantragt (Cent)", "Bewilligt (Cent)", *MONEY_HEADER]
        rows = [
            [s.name or NO_SOURCE_LABEL, s.requested_cents, s.approved_cents, *money_cells(s)]
            for s in stats.by_funding_source
        ]
        total = [TOTAL_LABEL, totals.requested_cents, totals.approved_cents, *money_cells(totals)]
        return header, [*rows, total]
    if group_by == "fund":
        keys = ["Fonds", "Fonds-ID", "Fonds-Region"]
        extra = ["Budget (Cent)", "Budgetausschöpfung (%)"]
        rows = [
            [
                f.name,
                f.fund_id,
                f.region or "landesweit",
                *measure_cells(f),
                f.budget_cents,
                percent(f.budget_use),
                *money_cells(f),
                *schools_cells(f),
            ]
            for f in stats.by_fund
        ]
        budget = sum(f.budget_cents for f in stats.by_fund)
        total_extra = [
            budget,
            percent(rate(totals.approved_cents, budget)),
            *money_cells(totals),
            *schools_cells(totals),
        ]
        return (
            [*keys, *MEASURE_HEADER, *extra, *MONEY_HEADER, *SCHOOLS_HEADER],
            [*rows, [TOTAL_LABEL, "", "", *measure_cells(totals), *total_extra]],
        )
    if group_by == "topic":
        keys = ["Thema", "Themen-Kürzel"]
        rows = [[t.name, t.topic, *measure_cells(t)] for t in stats.by_topic]
        total = [TOTAL_LABEL, ""]
    elif group_by == "target_group":
        keys = ["Zielgruppe", "Zielgruppen-Kürzel"]
        rows = [[g.name, g.target_group, *measure_cells(g)] for g in stats.by_target_group]
        total = [TOTAL_LABEL, ""]
    else:
        keys = ["Schulform", "Schulform-Kürzel"]
        rows = [[s.name, s.school_type, *measure_cells(s)] for s in stats.by_school_type]
        total = [TOTAL_LABEL, ""]
    return [*keys, *MEASURE_HEADER], [*rows, [*total, *measure_cells(stats.totals)]]
