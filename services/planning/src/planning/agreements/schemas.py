"""Request and response bodies of the target agreements, and the rules their goals keep."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator

from planning.models import Agreement
from planning.surveys.schemas import Key, Title
from schulerfolg.http.validation import RequestModel, reject_null

Indicator = Literal[
    "schools_reached",
    "schools_without_social_work_reached",
    "projects_completed",
    "network_meetings_held",
    "participants_reached",
    "manual",
]
PartyKind = Literal["office", "district", "provider"]
AgreementStatus = Literal["active", "closed"]
Trend = Literal["reached", "ahead", "on_track", "behind"]

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class Party(RequestModel):
    """A party to the agreement: the network office, the district or a provider."""

    kind: PartyKind
    name: Name
    organization_id: uuid.UUID | None = Field(
        None, description="The registry organisation, where the party is one."
    )


class Goal(RequestModel):
    """A goal: what is counted (the indicator) and the target value for the period."""

    key: Key
    title: Title
    indicator: Indicator
    target: int = Field(ge=1, le=1_000_000)


Parties = Annotated[list[Party], Field(min_length=1, max_length=50)]
Goals = Annotated[list[Goal], Field(min_length=1, max_length=50)]


def _unique_keys(goals: list[Goal] | None) -> list[Goal] | None:
    if goals is None:
        return goals
    keys = [goal.key for goal in goals]
    doubled = sorted({key for key in keys if keys.count(key) > 1})
    if doubled:
        raise ValueError(f"each goal key must be unique; repeated: {', '.join(doubled)}")
    return goals


class AgreementCreate(RequestModel):
    """A new target agreement of a region's office with the district and its providers."""

    region: str = Field(max_length=64, description="The region slug (one of the 14).")
    title: Title
    period_start: date
    period_end: date
    parties: Parties
    goals: Goals

    _keys = field_validator("goals")(_unique_keys)


class AgreementUpdate(RequestModel):
    """A partial change: only the fields sent are changed (the period is checked as a whole)."""

    title: Title | None = None
    period_start: date | None = None
    period_end: date | None = None
    parties: Parties | None = None
    goals: Goals | None = None

    _not_null = field_validator("title", "period_start", "period_end", "parties", "goals")(
        reject_null
    )
    _keys = field_validator("goals")(_unique_keys)


class ManualValueCreate(RequestModel):
    """A figure entered by hand for a goal whose indicator is ``manual``."""

    goal_key: Key
    as_of: date = Field(description="The day the figure stands for (within the period).")
    value: int = Field(ge=0, le=10_000_000)
    note: Note = ""


class ManualValuePublic(BaseModel):
    """A figure entered by hand."""

    id: uuid.UUID
    agreement_id: uuid.UUID
    goal_key: str
    as_of: date
    value: int
    note: str
    entered_at: datetime


class Summary(BaseModel):
    """How the goals stand: how many, reached, on track (or ahead), behind."""

    goals: int
    reached: int
    on_track: int
    behind: int


class AgreementPublic(BaseModel):
    """A target agreement as its office and the state coordination see it."""

    id: uuid.UUID
    region: str
    title: str
    period_start: date
    period_end: date
    status: AgreementStatus
    parties: list[Party]
    goals: list[Goal]
    created_at: datetime
    updated_at: datetime
    version: int
    summary: Summary | None = Field(
        None, description="How the goals stand today (in lists and single reads)."
    )

    @classmethod
    def of(cls, agreement: Agreement, summary: Summary | None = None) -> AgreementPublic:
        """The public shape of a stored agreement."""
        data: dict[str, Any] = {
            name: getattr(agreement, name)
            for name in (
                "id",
                "region",
                "title",
                "period_start",
                "period_end",
                "status",
                "parties",
                "goals",
                "created_at",
                "updated_at",
                "version",
            )
        }
        return cls.model_validate({**data, "summary": summary})


class MonthValue(BaseModel):
    """The cumulative figure at a month's end (or at ``as_of`` for the last month)."""

    month: str = Field(description="`YYYY-MM`.")
    actual: int


class GoalProgress(BaseModel):
    """One goal: target, actual figure, expected figure by now and the trend."""

    key: str
    title: str
    indicator: Indicator
    target: int
    actual: int
    percent: float = Field(description="actual / target in per cent (one decimal).")
    expected: float = Field(description="target × the elapsed share of the period.")
    trend: Trend
    series: list[MonthValue]


class Progress(BaseModel):
    """Actual against target for each goal of an agreement."""

    agreement_id: uuid.UUID
    as_of: date = Field(description="Today, or the period's end once it is over.")
    goals: list[GoalProgress]

    def csv_rows(self) -> tuple[list[str], list[list[Any]]]:
        """One row per goal."""
        header = ["ziel", "titel", "indikator", "zielwert", "ist", "prozent", "erwartet", "trend"]
        rows: list[list[Any]] = [
            [g.key, g.title, g.indicator, g.target, g.actual, g.percent, g.expected, g.trend]
            for g in self.goals
        ]
        return header, rows

    def summary(self) -> Summary:
        """How the goals stand."""
        trends = [goal.trend for goal in self.goals]
        return Summary(
            goals=len(trends),
            reached=trends.count("reached"),
            on_track=trends.count("on_track") + trends.count("ahead"),
            behind=trends.count("behind"),
        )
