"""Request and response bodies for payment requests (Mittelabrufe) and the payout list."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from offers.common import LongText
from offers.models import PaymentRequest
from schulerfolg.http.validation import RequestModel

PaymentStatus = Literal["requested", "approved", "rejected", "paid"]
MAX_AMOUNT_CENTS = 1_000_000_000  # 10,000,000 EUR
Amount = Annotated[int, Field(gt=0, le=MAX_AMOUNT_CENTS, description="Euro cents, > 0.")]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class PaymentRequestCreate(RequestModel):
    """A call for money by the applicant side."""

    amount_cents: Amount
    reason: LongText | None = Field(None, description="What the money is for (Begründung).")


class RejectBody(RequestModel):
    """Why the office rejects a payment request."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class PaidBody(RequestModel):
    """When the money went out, and the treasury's booking reference (Buchungszeichen)."""

    paid_on: date
    reference: Reference


class PaymentRequestPublic(BaseModel):
    """A payment request as the application's readers see it."""

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int
    application_id: uuid.UUID
    fund_id: uuid.UUID
    region: str
    status: PaymentStatus
    amount_cents: int
    reason: str | None
    decided_at: datetime | None
    rejection_reason: str | None
    paid_on: date | None
    reference: str | None

    @classmethod
    def of(cls, request: PaymentRequest) -> PaymentRequestPublic:
        return cls.model_validate(request.model_dump())


class PaymentSums(BaseModel):
    """What an application may still call in, by the fund's payment rule."""

    approved_cents: int = Field(description="The application's approved amount.")
    accepted_cents: int | None = Field(
        description="The amount accepted with the proof of use (null before)."
    )
    advance_percent: int = Field(description="The fund's payment rule.")
    limit_cents: int = Field(
        description="What may be requested in all now: approved × advance_percent/100 before "
        "the proof of use is accepted, the accepted amount after."
    )
    requested_cents: int = Field(description="Requested and not yet decided.")
    approved_payments_cents: int = Field(description="Approved and not yet paid.")
    paid_cents: int
    available_cents: int = Field(description="What may still be requested (never below 0).")


class PaymentRequests(BaseModel):
    """An application's payment requests, oldest first, with its sums."""

    items: list[PaymentRequestPublic]
    sums: PaymentSums


class PayoutItem(PaymentRequestPublic):
    """A line of the payout list: the payment with its application's title and fund."""

    application_title: str
    fund_name: str
