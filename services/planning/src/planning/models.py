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
    end_date: date | None = None  # None only for rows kept before migration 0003
    completed_on: date | None = None  # the day offers closed it (the completion event's time)


# --- read models for target agreements and ESF+ figures (from registry, offers, meetings) ---


class SchoolView(Base, table=True):
    """A school as the indicators need it, from ``registry.school.*``: region and whether it has
    school social work. No name, no contact."""

    __tablename__ = "schools"

    id: uuid.UUID = Field(primary_key=True)
    version: int
    region: str = Field(max_length=64, index=True)
    has_school_social_work: bool = False


class MeetingView(Base, table=True):
    """A meeting or event, from ``meetings.meeting.*``: kind, region, when, cancelled or not."""

    __tablename__ = "meetings"

    id: uuid.UUID = Field(primary_key=True)
    version: int
    region: str | None = Field(default=None, max_length=64, index=True)
    kind: str = Field(max_length=32)
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    ends_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    status: str = Field(max_length=16)
    collects_participant_figures: bool = False
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class FundView(Base, table=True):
    """A fund, from ``offers.fund.*``: its name for the figures per fund, whether it collects
    participant figures."""

    __tablename__ = "funds"

    id: uuid.UUID = Field(primary_key=True)
    version: int
    name: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    region: str | None = Field(default=None, max_length=64)
    collects_participant_figures: bool = False


class ParticipantRecord(Base, table=True):
    """How many took part in one project (from its accepted proof of use) or one event (from its
    recorded attendance), with the ESF+ figures where collected. Counts only, never a person;
    newer versions win."""

    __tablename__ = "participant_records"

    source: str = Field(max_length=16, primary_key=True)  # "project" or "meeting"
    source_id: uuid.UUID = Field(primary_key=True)  # the application's or the meeting's id
    version: int
    region: str | None = Field(default=None, max_length=64, index=True)
    fund_id: uuid.UUID | None = None  # projects
    meeting_kind: str | None = Field(default=None, max_length=32)  # events
    activity_on: date = Field(index=True)  # the project's end date, the event's day
    present: int = 0
    figures: dict[str, dict[str, int]] | None = Field(default=None, sa_column=Column(JSON))


class Agreement(EntityFields, Base, table=True):
    """A target agreement (Zielvereinbarung) of a region's office with the district and its
    providers for a period: goals, each with an indicator and a target value."""

    __tablename__ = "agreements"

    region: str = Field(max_length=64, index=True)
    title: str = Field(max_length=300)
    period_start: date
    period_end: date
    status: str = Field(default="draft", max_length=16)  # draft, active, closed
    parties: list[dict[str, Any]] = Field(  # [{"kind": office|district|provider, "name", …}]
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    goals: list[dict[str, Any]] = Field(  # [{"key", "title", "indicator", "target"}]
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )


class ManualValue(Base, table=True):
    """A figure entered by hand for a goal whose indicator is ``manual``: the actual value as of a
    day (the latest one counts; the series is the trend)."""

    __tablename__ = "agreement_values"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    agreement_id: uuid.UUID = Field(foreign_key="agreements.id", index=True)
    goal_key: str = Field(max_length=64)
    as_of: date
    value: int
    note: str = Field(default="", max_length=1000)
    entered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
