"""Request and response bodies for funds."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from offers.common import LongText, Text, reject_null
from offers.models import Fund
from schulerfolg.http.validation import RequestModel

FundKind = Literal["school_project", "youth_fund"]
Cents = Annotated[int, Field(ge=0, le=10**12)]
PositiveCents = Annotated[int, Field(ge=1, le=10**12)]


class PaymentRule(BaseModel):
    """payments (issue 16): how much of the approved amount is paid before the proof of use."""

    advance_percent: int = Field(
        0,
        ge=0,
        le=100,
        description="Share of the approved amount that may be called in before the proof of use "
        "is accepted (0: everything after it); the rest up to the accepted amount after it.",
    )


class AssessmentCriterion(BaseModel):
    """assessment (issue 16): one criterion the network office scores applications by."""

    name: Text
    weight: int = Field(gt=0, le=1000, description="Weight of the criterion (> 0).")
    max_points: int = Field(
        ge=1, le=100, description="The scale's top: points are given from 0 to this."
    )


class FundingSource(BaseModel):
    """funding sources (issue 16): who pays which share of the fund's money."""

    name: Text = Field(description="E.g. „ESF+“, „Land Sachsen-Anhalt“, „Kommune“.")
    share_percent: int = Field(ge=1, le=100, description="Whole percent; the shares sum to 100.")


Criteria = Annotated[
    list[AssessmentCriterion],
    AfterValidator(lambda v: check_criteria(v)),
    Field(max_length=30, description="Assessment criteria (names unique)."),
]
Sources = Annotated[
    list[FundingSource],
    AfterValidator(lambda v: check_sources(v)),
    Field(max_length=20, description="Funding sources (names unique, shares summing to 100)."),
]


class FundFields(RequestModel):
    """What a fund is made of (shared by create and change)."""

    name: Text
    kind: FundKind = "school_project"
    region: str | None = Field(
        None, max_length=64, description="Region slug, or null (or `state`) for a state-wide fund."
    )
    description: LongText | None = None
    period_start: date
    period_end: date
    budget_cents: Cents
    max_per_application_cents: PositiveCents | None = None
    max_per_school_per_year_cents: PositiveCents | None = Field(
        None,
        description="Cap per school and calendar year over approved applications. Left out: the "
        "programme's rule (2,000 EUR) for school projects; null: no cap.",
    )
    deciding_committee_id: uuid.UUID | None = Field(
        None, description="The meetings committee that decides on applications to this fund."
    )
    requires_consultation: bool = True
    requires_partner: bool | None = Field(
        None, description="An applying school needs a partner; default true for school projects."
    )
    payment_rule: PaymentRule = Field(default_factory=PaymentRule)  # payments (issue 16)
    assessment_criteria: Criteria = Field(default_factory=list)  # assessment (issue 16)
    funding_sources: Sources = Field(default_factory=list)  # funding sources (issue 16)
    proof_of_use_weeks: int = Field(  # proof of use (issue 16)
        8, ge=0, le=104, description="Weeks after a project's end date its proof of use is due."
    )
    collects_participant_figures: bool = Field(  # ESF+ (issue 19)
        False,
        description="Proofs of use of this fund carry ESF+ participant figures (by sex and age "
        "group); submitting one without them is refused.",
    )


class FundCreate(FundFields):
    """A new fund."""

    @model_validator(mode="after")
    def _period_in_order(self) -> FundCreate:
        if self.period_end < self.period_start:
            raise ValueError("period_end must not be before period_start")
        return self


class FundUpdate(RequestModel):
    """Changes to a fund: only the fields sent."""

    name: Text | None = None
    region: str | None = Field(None, max_length=64)
    description: LongText | None = None
    period_start: date | None = None
    period_end: date | None = None
    budget_cents: Cents | None = None
    max_per_application_cents: PositiveCents | None = None
    max_per_school_per_year_cents: PositiveCents | None = None
    deciding_committee_id: uuid.UUID | None = None
    requires_consultation: bool | None = None
    requires_partner: bool | None = None
    payment_rule: PaymentRule | None = None  # payments (issue 16)
    assessment_criteria: Criteria | None = None  # assessment (issue 16)
    funding_sources: Sources | None = None  # funding sources (issue 16)
    proof_of_use_weeks: int | None = Field(None, ge=0, le=104)  # proof of use (issue 16)
    collects_participant_figures: bool | None = None  # ESF+ (issue 19)

    @field_validator(
        "name",
        "payment_rule",
        "assessment_criteria",
        "funding_sources",
        "proof_of_use_weeks",
        "period_start",
        "period_end",
        "budget_cents",
        "requires_consultation",
        "requires_partner",
        "collects_participant_figures",
        mode="before",
    )
    @classmethod
    def _not_null(cls, value: object) -> object:
        return reject_null(value)


class FundPublic(BaseModel):
    """A fund with its read-only figures."""

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int
    name: str
    kind: FundKind
    region: str | None
    description: str | None
    period_start: date
    period_end: date
    budget_cents: int
    max_per_application_cents: int | None
    max_per_school_per_year_cents: int | None
    deciding_committee_id: uuid.UUID | None
    requires_consultation: bool
    requires_partner: bool
    approved_cents: int = Field(description="Sum approved so far (read-only).")
    available_cents: int = Field(description="Budget minus approved (read-only).")
    payment_rule: PaymentRule = Field(default_factory=PaymentRule)  # payments (issue 16)
    assessment_criteria: list[AssessmentCriterion] = Field(default_factory=list)  # assessment
    funding_sources: list[FundingSource] = Field(default_factory=list)  # funding sources
    proof_of_use_weeks: int = Field(
        8, description="Weeks after the end date the proof of use is due."
    )
    collects_participant_figures: bool = Field(
        False, description="Whether its proofs of use carry ESF+ participant figures."
    )

    @classmethod
    def of(cls, fund: Fund) -> FundPublic:
        return cls.model_validate(
            {**fund.model_dump(), "available_cents": fund.budget_cents - fund.approved_cents}
        )


def fund_event_data(fund: Fund) -> dict[str, Any]:
    """The payload fields of ``offers.fund.*``."""
    return {
        "version": fund.version,
        "id": str(fund.id),
        "name": fund.name,
        "kind": fund.kind,
        "region": fund.region,
        "period_start": fund.period_start,
        "period_end": fund.period_end,
        "budget_cents": fund.budget_cents,
        "approved_cents": fund.approved_cents,
        "deciding_committee_id": str(fund.deciding_committee_id)
        if fund.deciding_committee_id
        else None,
        "collects_participant_figures": fund.collects_participant_figures,
    }


# --- assessment criteria and funding sources (issue 16)


def check_criteria(criteria: list[AssessmentCriterion]) -> list[AssessmentCriterion]:
    """Criteria names are unique (case-insensitive)."""
    names = [c.name.casefold() for c in criteria]
    if len(set(names)) != len(names):
        raise PydanticCustomError(
            "criteria_names_unique", "every assessment criterion needs its own name"
        )
    return criteria


def check_sources(sources: list[FundingSource]) -> list[FundingSource]:
    """Funding source names are unique and their shares sum to 100 (or there are none)."""
    names = [s.name.casefold() for s in sources]
    if len(set(names)) != len(names):
        raise PydanticCustomError(
            "funding_sources_unique", "every funding source needs its own name"
        )
    total = sum(s.share_percent for s in sources)
    if sources and total != 100:
        raise PydanticCustomError(
            "funding_sources_sum",
            "the shares of the funding sources must sum to 100 percent, not {total}",
            {"total": total},
        )
    return sources
