"""Request and response bodies of the youth micro-projects (public, no account)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from schulerfolg.http.validation import RequestModel

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class FormTicket(BaseModel):
    """The ticket the form is sent with: valid from ``not_before`` until ``expires_at``, once."""

    ticket: str
    not_before: datetime
    expires_at: datetime


class YouthProjectCreate(RequestModel):
    """A micro-project from young people. ``website`` is a trap for bots and must stay empty."""

    ticket: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    website: Annotated[str, StringConstraints(max_length=200)] = Field(
        "", description="Honeypot: hidden from people; anything in it refuses the project."
    )
    fund_id: uuid.UUID
    school_id: uuid.UUID
    title: Annotated[Text, StringConstraints(max_length=200)]
    idea: Annotated[Text, StringConstraints(max_length=4000)]
    group_size: Annotated[int, Field(ge=1, le=500)]
    amount_cents: Annotated[int, Field(ge=1, le=10**9)]
    start_date: date
    end_date: date
    group_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = (
        Field(None, description="A first name or the group's name; nothing else of a minor.")
    )
    sponsor_name: Annotated[Text, StringConstraints(max_length=200)]
    sponsor_email: EmailStr


class YouthProjectReceived(BaseModel):
    """The project waits for the sponsor's confirmation until ``confirm_by``."""

    id: uuid.UUID
    status: str
    confirm_by: date


class TokenBody(RequestModel):
    """The sponsor's confirmation token (from the link in their e-mail)."""

    token: Annotated[str, StringConstraints(min_length=1, max_length=100)]


class YouthProjectForSponsor(BaseModel):
    """What the sponsor sees before confirming or declining."""

    id: uuid.UUID
    fund_id: uuid.UUID
    school_id: uuid.UUID
    title: str
    idea: str
    group_size: int
    amount_cents: int
    start_date: date
    end_date: date
    group_name: str | None
    sponsor_name: str | None
    confirm_by: date
    fund_name: str
    school_name: str


class YouthProjectConfirmed(BaseModel):
    """The confirmed project is now a submitted application of the youth fund."""

    id: uuid.UUID
    application_id: uuid.UUID
    status: str


class YouthFundOption(BaseModel):
    id: uuid.UUID
    name: str
    region: str | None
    period_start: date
    period_end: date
    max_per_application_cents: int | None


class SchoolOption(BaseModel):
    id: uuid.UUID
    name: str
    region: str


class FormOptions(BaseModel):
    """The youth funds open today and the schools of their regions (for the public form)."""

    funds: list[YouthFundOption]
    schools: list[SchoolOption]
