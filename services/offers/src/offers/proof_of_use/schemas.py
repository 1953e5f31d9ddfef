"""Request and response bodies of the proof of use (Verwendungsnachweis)."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from offers.applications.schemas import Participants
from offers.common import LongText
from offers.models import ProofOfUse
from schulerfolg.http.validation import RequestModel
from schulerfolg.participants import ParticipantFigures

Category = Literal["fees", "materials", "travel", "other"]
Sex = Literal["female", "male", "diverse", "not_stated"]
AgeGroup = Literal["under_18", "18_29", "30_54", "55_plus"]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
Amount = Annotated[int, Field(ge=1, le=1_000_000_000, description="Cents, > 0, ≤ 10,000,000 €.")]
AcceptedAmount = Annotated[int, Field(ge=0, le=1_000_000_000)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Reasons = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ProofStatus = Literal["draft", "submitted", "returned", "accepted"]


class Breakdown(RequestModel):
    """ESF+ participant figures as aggregates (never per person)."""

    sex: dict[Sex, Count] = Field(default_factory=dict)
    age_group: dict[AgeGroup, Count] = Field(default_factory=dict)


class Receipt(RequestModel):
    """One line of the list of receipts (Belegliste)."""

    date: dt.date = Field(description="Within the project period (start_date–end_date).")
    payee: Line
    purpose: Line
    budget_category: Category = Field(description="One of the approved budget lines' categories.")
    amount_cents: Amount
    attachment_id: uuid.UUID | None = Field(
        None, description="An attachment of kind `receipt` of this application."
    )


class ProofOfUseBody(RequestModel):
    """The applicant side's proof of use; a draft may be incomplete until it is submitted."""

    narrative: LongText | None = Field(None, description="Sachbericht.")
    actual_participants: Participants = Participants()
    participant_breakdown: Breakdown | None = None
    participants: ParticipantFigures | None = Field(
        None,
        description="ESF+ participant figures: sex → age group → count (cells left out count "
        "0). Required to submit when the fund collects them; refused when it does not.",
    )
    receipts: list[Receipt] = Field(default_factory=list, max_length=500)


class ReturnBody(RequestModel):
    """Why the office returns the proof of use for correction."""

    reasons: Reasons


class AcceptBody(RequestModel):
    """The amount the office accepts (at most the approved amount)."""

    accepted_cents: AcceptedAmount


class LineComparison(BaseModel):
    """One approved budget category against the receipts listed for it."""

    budget_category: Category
    descriptions: list[str]
    approved_cents: int
    spent_cents: int
    difference_cents: int = Field(description="Approved minus spent: negative when overspent.")
    assessment: Literal["over", "under", "exact"]


class Totals(BaseModel):
    approved_cents: int
    spent_cents: int
    difference_cents: int
    assessment: Literal["over", "under", "exact"]


class ProofOfUsePublic(BaseModel):
    """The proof of use with its deadline and the comparison with the approved lines."""

    application_id: uuid.UUID
    version: int = Field(description="0 while nothing was saved; the ETag.")
    status: ProofStatus
    editable: bool = Field(description="Whether the applicant side may change and submit it now.")
    due_on: date = Field(description="End date + the fund's proof_of_use_weeks.")
    overdue: bool
    narrative: str | None
    actual_participants: dict[str, int | None]
    participant_breakdown: Breakdown | None
    participants: ParticipantFigures | None = Field(
        description="ESF+ participant figures (sex → age group → count), where the fund "
        "collects them."
    )
    collects_participant_figures: bool = Field(
        description="Whether the fund asks for the ESF+ participant figures."
    )
    receipts: list[Receipt]
    lines: list[LineComparison]
    totals: Totals
    submitted_at: datetime | None
    returned_at: datetime | None
    return_reasons: str | None
    accepted_at: datetime | None
    accepted_cents: int | None
    paid_cents: int | None = Field(description="Paid so far (when accepted: paid then).")
    final_payment_cents: int | None
    reclaim_cents: int | None

    @classmethod
    def of(
        cls,
        proof: ProofOfUse,
        *,
        editable: bool,
        due_on: date,
        overdue: bool,
        lines: list[LineComparison],
        totals: Totals,
        paid_cents: int,
        collects_participant_figures: bool,
    ) -> ProofOfUsePublic:
        return cls(
            application_id=proof.application_id,
            version=proof.version,
            status=proof.status,  # type: ignore[arg-type]  # the column holds a ProofStatus
            editable=editable,
            due_on=due_on,
            overdue=overdue,
            narrative=proof.narrative,
            actual_participants=proof.actual_participants,
            participant_breakdown=Breakdown.model_validate(proof.participant_breakdown)
            if proof.participant_breakdown
            else None,
            participants=ParticipantFigures.model_validate(proof.participants)
            if proof.participants is not None
            else None,
            collects_participant_figures=collects_participant_figures,
            receipts=[Receipt.model_validate(r) for r in proof.receipts],
            lines=lines,
            totals=totals,
            submitted_at=proof.submitted_at,
            returned_at=proof.returned_at,
            return_reasons=proof.return_reasons,
            accepted_at=proof.accepted_at,
            accepted_cents=proof.accepted_cents,
            paid_cents=proof.paid_cents if proof.status == "accepted" else paid_cents,
            final_payment_cents=proof.final_payment_cents,
            reclaim_cents=proof.reclaim_cents,
        )
