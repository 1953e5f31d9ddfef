"""The meetings service's tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint, text
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


class Person(Base, table=True):
    """Read model of a registry person (from ``registry.person.*``); erased: a bare tombstone."""

    __tablename__ = "persons"

    id: uuid.UUID = Field(primary_key=True)
    version: int = Field(default=0, nullable=False)
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    organization_id: uuid.UUID | None = Field(default=None, index=True)
    region: str | None = Field(default=None, max_length=64)
    user_sub: str | None = Field(default=None, max_length=255, index=True)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Committee(EntityFields, Base, table=True):
    """A standing body: steering group, working group, youth jury, …"""

    __tablename__ = "committees"

    name: str = Field(max_length=300)
    kind: str = Field(max_length=32)
    region: str | None = Field(default=None, max_length=64, index=True)  # None: state level
    quorum: int | None = Field(default=None)  # None: more than half of the voting members


class CommitteeMember(EntityFields, Base, table=True):
    """A registry person's seat in a committee."""

    __tablename__ = "committee_members"
    __table_args__ = (UniqueConstraint("committee_id", "person_id"),)

    committee_id: uuid.UUID = Field(foreign_key="committees.id", index=True)
    person_id: uuid.UUID = Field(index=True)
    role: str = Field(max_length=16)
    voting: bool = Field(default=True)


class Meeting(EntityFields, Base, table=True):
    """A committee session or an event (training, conference, network meeting, …)."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_committee_id_starts_at", "committee_id", "starts_at"),)

    kind: str = Field(max_length=32)
    committee_id: uuid.UUID | None = Field(default=None, foreign_key="committees.id")
    title: str = Field(max_length=300)
    description: str | None = Field(default=None, max_length=10000)
    region: str | None = Field(default=None, max_length=64, index=True)  # None: state level
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    location: str | None = Field(default=None, max_length=500)
    online_url: str | None = Field(default=None, max_length=500)
    capacity: int | None = Field(default=None)  # None: unlimited
    registration_deadline: datetime | None = Field(default=None, sa_type=UTCDateTime)
    public: bool = Field(default=False)
    status: str = Field(default="scheduled", max_length=16)
    cancel_reason: str | None = Field(default=None, max_length=2000)
    # ESF+ (issue 19): the event's attendance carries participant figures
    collects_participant_figures: bool = Field(default=False)
    # the topics an event is about (schulerfolg.topics), set against the needs surveys' demand
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Arrival counter of registrations; taken while the meeting row is locked.
    registration_seq: int = Field(default=0, sa_type=BigInteger)


class Registration(EntityFields, Base, table=True):
    """A registration for a meeting: confirmed, waitlisted or cancelled; ``seq`` is arrival order."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("meeting_id", "seq"),
        Index("ix_registrations_meeting_id_status_seq", "meeting_id", "status", "seq"),
    )

    meeting_id: uuid.UUID = Field(foreign_key="meetings.id")
    seq: int = Field(sa_type=BigInteger)
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    organization: str | None = Field(default=None, max_length=300)
    person_id: uuid.UUID | None = Field(default=None, index=True)
    user_sub: str | None = Field(default=None, max_length=255)
    status: str = Field(max_length=16)
    promoted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # issue 20: when an organiser marked the (confirmed) registrant as present; None: not (yet)
    attended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Attendance(Base, table=True):
    """A person present at a meeting (replaced as a whole by the organiser)."""

    __tablename__ = "attendances"

    meeting_id: uuid.UUID = Field(foreign_key="meetings.id", primary_key=True)
    person_id: uuid.UUID = Field(primary_key=True)


class Participation(Base, table=True):
    """A meeting's attendance record as announced (issue 19): its version counts the changes of
    the attendance list and of the ESF+ participant figures (sex → age group → count, aggregates
    only)."""

    __tablename__ = "participations"

    meeting_id: uuid.UUID = Field(foreign_key="meetings.id", primary_key=True)
    version: int = Field(default=0, nullable=False)
    participants: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class AgendaItem(EntityFields, Base, table=True):
    """An item on a meeting's agenda, or waiting for a committee's next session (no meeting)."""

    __tablename__ = "agenda_items"
    __table_args__ = (
        Index(
            "uq_agenda_items_application_submission",
            "application_id",
            "application_version",
            unique=True,
            postgresql_where=text("application_id IS NOT NULL AND application_version IS NOT NULL"),
            sqlite_where=text("application_id IS NOT NULL AND application_version IS NOT NULL"),
        ),
        Index("ix_agenda_items_meeting_id_position", "meeting_id", "position"),
        Index("ix_agenda_items_committee_id_status", "committee_id", "status"),
    )

    meeting_id: uuid.UUID | None = Field(default=None, foreign_key="meetings.id")
    committee_id: uuid.UUID | None = Field(default=None, foreign_key="committees.id")
    position: int = Field(default=0)
    kind: str = Field(max_length=16)
    title: str = Field(max_length=500)
    description: str | None = Field(default=None, max_length=10000)
    status: str = Field(default="open", max_length=16)  # open, decided, withdrawn
    region: str | None = Field(default=None, max_length=64)
    application_id: uuid.UUID | None = Field(default=None, index=True)
    application_version: int | None = Field(default=None)
    fund_id: uuid.UUID | None = Field(default=None)
    fund_name: str | None = Field(default=None, max_length=300)
    requested_cents: int | None = Field(default=None, sa_type=BigInteger)
    applicant_organization_id: uuid.UUID | None = Field(default=None)
    partner_organization_ids: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )


class Decision(EntityFields, Base, table=True):
    """A committee's decision on an agenda item (one per item)."""

    __tablename__ = "decisions"

    agenda_item_id: uuid.UUID = Field(foreign_key="agenda_items.id", unique=True)
    meeting_id: uuid.UUID = Field(foreign_key="meetings.id", index=True)
    application_id: uuid.UUID | None = Field(default=None)
    outcome: str = Field(max_length=16)
    approved_cents: int | None = Field(default=None, sa_type=BigInteger)
    conditions: str | None = Field(default=None, max_length=5000)
    reason: str | None = Field(default=None, max_length=5000)
    votes_yes: int = Field(default=0)
    votes_no: int = Field(default=0)
    votes_abstain: int = Field(default=0)
    ballots: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    present_voting: int = Field(default=0)
    quorum: int = Field(default=0)
    decided_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by: str = Field(max_length=255)


class Minutes(EntityFields, Base, table=True):
    """A meeting's minutes in Markdown; read-only once published."""

    __tablename__ = "minutes"

    meeting_id: uuid.UUID = Field(foreign_key="meetings.id", unique=True)
    text: str = Field(default="", max_length=200000)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class FundView(Base, table=True):
    """Read model of an offers fund (from ``offers.fund.*``): who decides its applications."""

    __tablename__ = "funds"

    id: uuid.UUID = Field(primary_key=True)
    version: int
    name: str = Field(max_length=300)
    region: str | None = Field(default=None, max_length=64)  # None: state-wide
    deciding_committee_id: uuid.UUID | None = Field(default=None)


class ApplicationView(Base, table=True):
    """Read model of a submitted offers application (from ``offers.application.*``): its fund."""

    __tablename__ = "applications"

    id: uuid.UUID = Field(primary_key=True)
    version: int
    fund_id: uuid.UUID
    region: str = Field(max_length=64)


# --- assessment (issue 16)


class ApplicationAssessment(Base, table=True):
    """The network office's assessment of an application as offers last announced it (from
    ``offers.application.assessed``): shown on the application's agenda items."""

    __tablename__ = "application_assessments"

    application_id: uuid.UUID = Field(primary_key=True)
    version: int  # the application's version with this assessment: a newer one wins
    recommendation: str = Field(max_length=16)  # approve | reject | return
    recommended_cents: int | None = Field(default=None, sa_type=BigInteger)
    score: int | None = None


# --- personal calendar subscriptions (issue 17)


class CalendarFeed(EntityFields, Base, table=True):
    """A person's secret calendar subscription: ``GET /meetings.ics?feed=<secret>`` answers the
    sessions of the committees the person (``user_sub``) sits in, without a token. Only the
    SHA-256 of the secret is kept; renewing or revoking deletes the row."""

    __tablename__ = "calendar_feeds"

    user_sub: str = Field(max_length=255, index=True)
    person_id: uuid.UUID | None = Field(
        default=None, index=True
    )  # the read model's person, if known
    secret_hash: str = Field(max_length=64, unique=True)  # hex SHA-256 of the 32-byte secret


# --- circular decisions (issue 20)


class Circular(EntityFields, Base, table=True):
    """A committee's decision in writing between sessions (Umlaufverfahren): about an application
    waiting on the committee's agenda queue, or a free question. Who may vote and who is recused
    are fixed when it starts; it closes when all of them voted or at the deadline."""

    __tablename__ = "circulars"
    __table_args__ = (
        Index("ix_circulars_committee_id_created_at", "committee_id", "created_at"),
        Index("ix_circulars_status_deadline", "status", "deadline"),
    )

    committee_id: uuid.UUID = Field(foreign_key="committees.id")
    region: str | None = Field(default=None, max_length=64)  # the committee's; None: state level
    title: str = Field(max_length=500)
    question: str | None = Field(default=None, max_length=5000)
    application_id: uuid.UUID | None = Field(default=None, index=True)
    agenda_item_id: uuid.UUID | None = Field(default=None, foreign_key="agenda_items.id")
    requested_cents: int | None = Field(default=None, sa_type=BigInteger)
    deadline: datetime = Field(sa_type=UTCDateTime)
    # open → decided | failed; decided → refused when offers could not apply the decision
    status: str = Field(default="open", max_length=16)
    outcome: str | None = Field(default=None, max_length=16)  # approved | rejected
    voter_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    recused_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    quorum: int = Field(default=0)
    votes_yes: int = Field(default=0)
    votes_no: int = Field(default=0)
    votes_abstain: int = Field(default=0)
    started_by: str = Field(max_length=255)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    refused_rule: str | None = Field(default=None, max_length=64)
    refused_detail: str | None = Field(default=None, max_length=2000)


class CircularVote(Base, table=True):
    """One member's vote on a circular: one each, final."""

    __tablename__ = "circular_votes"

    circular_id: uuid.UUID = Field(foreign_key="circulars.id", primary_key=True)
    person_id: uuid.UUID = Field(primary_key=True)
    vote: str = Field(max_length=8)  # yes | no | abstain
    cast_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
