"""The planning service's tables. Nothing here names a person: invitations and anonymous
tickets are stored as SHA-256 hashes of one-time codes, answers without who gave them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from schulerfolg.db import EntityFields, UTCDateTime, make_metadata, utcnow
from schulerfolg.messaging.outbox import Outbox
from schulerfolg.tables import audit_table, platform_tables

metadata = make_metadata()


class Base(SQLModel, registry=registry(metadata=metadata)):
    pass


platform = platform_tables(metadata)
audit_log = audit_table(metadata)
outbox = Outbox(platform)


class Survey(EntityFields, Base, table=True):
    """A needs survey (Bedarfsabfrage) of a network office or the state coordination."""

    __tablename__ = "surveys"

    region: str | None = Field(default=None, max_length=64, index=True)  # None: state level
    title: str = Field(max_length=300)
    description: str = Field(default="", max_length=4000)
    audience: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    anonymous: bool = Field(default=False)
    status: str = Field(default="draft", max_length=16, index=True)
    opens_on: date | None = None
    closes_on: date | None = None
    questions: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    responses: int = Field(default=0)


class SurveyPass(Base, table=True):
    """A one-time code that lets one answer in: an invitation (handed to one invited person) or
    an anonymous survey's ticket (handed to one form). Only the code's SHA-256 is stored."""

    __tablename__ = "survey_passes"

    survey_id: uuid.UUID = Field(foreign_key="surveys.id", primary_key=True)
    code_hash: str = Field(max_length=64, primary_key=True)
    kind: str = Field(max_length=16)  # "invitation" or "ticket"
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SurveyResponse(Base, table=True):
    """One set of answers: question key → the answer. No respondent, no time of day."""

    __tablename__ = "survey_responses"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    survey_id: uuid.UUID = Field(foreign_key="surveys.id", index=True)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    submitted_on: date


class FundedProject(Base, table=True):
    """An application as planning needs it, from ``offers.application.*``: where, which topics,
    how far it got. No title, no contact, no person."""

    __tablename__ = "funded_projects"

    id: uuid.UUID = Field(primary_key=True)  # the application's id
    version: int
    region: str = Field(max_length=64, index=True)
    fund_id: uuid.UUID
    status: str = Field(max_length=32, index=True)
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    school_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    start_date: date
