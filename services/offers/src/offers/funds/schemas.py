"""Request and response bodies for funds."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from offers.common import LongText, Text, reject_null
from offers.models import Fund
from schulerfolg.http.validation import RequestModel

FundKind = Literal["school_project", "youth_fund"]
Cents = Annotated[int, Field(ge=0, le=10**12)]
PositiveCents = Annotated[int, Field(ge=1, le=10**12)]


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

    @field_validator(
        "name",
        "period_start",
        "period_end",
        "budget_cents",
        "requires_consultation",
        "requires_partner",
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
    }
