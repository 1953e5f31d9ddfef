"""The offers service's tables: funds, applications with their history and decisions, the read
models of schools and organisations kept from registry events, and of committees, their sessions
and the sessions that decide applications kept from meetings events."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, LargeBinary, UniqueConstraint
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


def money(*, nullable: bool = False, default: int | None = 0) -> Any:
    """An amount in euro cents (64-bit: sums over many applications outgrow 32 bits)."""
    return Field(default=default, sa_type=BigInteger, nullable=nullable)


class Fund(EntityFields, Base, table=True):
    """A pot of money for school projects or a youth fund, per region (or state-wide) and period."""

    __tablename__ = "funds"

    name: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    region: str | None = Field(default=None, max_length=64, index=True)  # None: state-wide
    description: str | None = Field(default=None, max_length=4000)
    period_start: date
    period_end: date
    budget_cents: int = money()
    max_per_application_cents: int | None = money(nullable=True, default=None)
    max_per_school_per_year_cents: int | None = money(nullable=True, default=None)
    deciding_committee_id: uuid.UUID | None = Field(default=None, index=True)
    requires_consultation: bool = True
    requires_partner: bool = True
    approved_cents: int = money()  # kept with every decision, under the fund's row lock
    assessment_criteria: list[dict[str, Any]] = Field(  # assessment (issue 16)
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )  # [{"name", "weight", "max_points"}]
    funding_sources: list[dict[str, Any]] = Field(  # funding sources (issue 16)
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )  # [{"name", "share_percent"}], shares summing to 100
    proof_of_use_weeks: int = 8  # proof of use (issue 16): due this many weeks after end_date
    payment_rule: dict[str, Any] = Field(  # payments (issue 16): {"advance_percent": 0–100}
        default_factory=lambda: {"advance_percent": 0}, sa_column=Column(JSON, nullable=False)
    )
    collects_participant_figures: bool = False  # ESF+ (issue 19): proofs of use carry figures


class Application(EntityFields, Base, table=True):
    """An application for a school project (bildungsbezogenes Angebot) through its whole life."""

    __tablename__ = "applications"
    __table_args__ = (
        # lists (issue 18): a region's applications in a status, oldest first, read in order
        Index("ix_applications_region_status_created", "region", "status", "created_at", "id"),
        Index("ix_applications_fund_status", "fund_id", "status"),
        Index("ix_applications_created", "created_at", "id"),
        # statistics: one covering index per region → fund → status with the summed columns
        Index(
            "ix_applications_statistics",
            "region",
            "fund_id",
            "status",
            "for_pupils",
            "for_parents",
            "for_teachers",
            postgresql_include=[
                "id",
                "start_date",
                "requested_cents",
                "approved_cents",
                "planned_pupils",
                "planned_parents",
                "planned_teachers",
                "actual_pupils",
                "actual_parents",
                "actual_teachers",
            ],
        ),
        # substring search on the title (trigram index on PostgreSQL)
        Index(
            "ix_applications_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )

    fund_id: uuid.UUID = Field(foreign_key="funds.id")
    region: str = Field(max_length=64)
    status: str = Field(default="draft", max_length=16, index=True)
    school_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    applicant_organization_id: uuid.UUID | None = Field(default=None, index=True)
    partner_organization_ids: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    title: str = Field(max_length=300)
    summary: str | None = Field(default=None, max_length=10000)
    goals: str | None = Field(default=None, max_length=10000)
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    for_pupils: bool = False
    for_parents: bool = False
    for_teachers: bool = False
    planned_pupils: int = 0
    planned_parents: int = 0
    planned_teachers: int = 0
    start_date: date | None = None
    end_date: date | None = None
    budget_lines: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    requested_cents: int = money()
    contact_name: str | None = Field(default=None, max_length=200)
    contact_email: str | None = Field(default=None, max_length=254)
    contact_phone: str | None = Field(default=None, max_length=50)
    consultation_date: date | None = None
    consultation_notes: str | None = Field(default=None, max_length=10000)
    consulted_by: str | None = Field(default=None, max_length=200)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    approved_cents: int | None = money(nullable=True, default=None)
    conditions: str | None = Field(default=None, max_length=4000)
    decision_reason: str | None = Field(default=None, max_length=4000)
    actual_pupils: int | None = None
    actual_parents: int | None = None
    actual_teachers: int | None = None
    actual_cost_cents: int | None = money(nullable=True, default=None)
    report_summary: str | None = Field(default=None, max_length=10000)
    reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str = Field(max_length=200)
    search_text: str = Field(default="", max_length=1000)


class ApplicationSchool(Base, table=True):
    """An application's schools (for the per-school cap, filters and access)."""

    __tablename__ = "application_schools"

    application_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    )
    school_id: uuid.UUID = Field(primary_key=True, index=True)


class ApplicationOrganization(Base, table=True):
    """An organisation taking part in an application, as applicant or partner (for access)."""

    __tablename__ = "application_organizations"

    application_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    )
    organization_id: uuid.UUID = Field(primary_key=True, index=True)


class ApplicationTopic(Base, table=True):
    """A topic of an application (for the topic filter and statistics)."""

    __tablename__ = "application_topics"

    application_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    )
    topic: str = Field(primary_key=True, max_length=64, index=True)


class StatusChange(Base, table=True):
    """One step of an application's history: who moved it from which status to which, and why."""

    __tablename__ = "application_history"
    __table_args__ = (Index("ix_application_history_app", "application_id", "at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    application_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("applications.id", ondelete="CASCADE"), nullable=False)
    )
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    actor: str = Field(max_length=200)
    actor_name: str | None = Field(default=None, max_length=200)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reason: str | None = Field(default=None, max_length=4000)


class Decision(Base, table=True):
    """A decision taken on an application, by the office or a committee — applied or refused."""

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("committee_decision_id", name="uq_decisions_committee_decision_id"),
        Index("ix_decisions_application", "application_id", "at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    application_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("applications.id", ondelete="CASCADE"), nullable=False)
    )
    source: str = Field(max_length=16)  # office | committee
    committee_decision_id: uuid.UUID | None = None
    meeting_id: uuid.UUID | None = None
    agenda_item_id: uuid.UUID | None = None
    committee_id: uuid.UUID | None = None
    outcome: str = Field(max_length=16)
    approved_cents: int | None = money(nullable=True, default=None)
    conditions: str | None = Field(default=None, max_length=4000)
    reason: str | None = Field(default=None, max_length=4000)
    applied: bool = True
    refused_rule: str | None = Field(default=None, max_length=64)
    refused_detail: str | None = Field(default=None, max_length=2000)
    actor: str = Field(max_length=200)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SchoolView(Base, table=True):
    """A school as the registry last described it (from ``registry.school.*`` events)."""

    __tablename__ = "schools"

    id: uuid.UUID = Field(primary_key=True)
    version: int
    name: str = Field(max_length=300)
    school_number: str = Field(max_length=20)
    school_type: str = Field(max_length=32, index=True)
    region: str = Field(max_length=64, index=True)
    deleted: bool = False
    # statistics' "schools reached" (issue 17); None: an older event that did not say
    has_school_social_work: bool | None = None


class OrganizationView(Base, table=True):
    """An organisation as the registry last described it (from ``registry.organization.*``)."""

    __tablename__ = "organizations"

    id: uuid.UUID = Field(primary_key=True)
    version: int
    name: str = Field(max_length=300)
    kind: str = Field(max_length=32)
    region: str | None = Field(default=None, max_length=64)
    deleted: bool = False


class CommitteeView(Base, table=True):
    """A committee as meetings last described it (from ``meetings.committee.*``): a fund's
    deciding committee must be one of these, of the fund's region."""

    __tablename__ = "committees"

    id: uuid.UUID = Field(primary_key=True)
    version: int
    name: str = Field(max_length=300)
    kind: str = Field(max_length=32)
    region: str | None = Field(default=None, max_length=64)  # None: state level


class CommitteeSessionView(Base, table=True):
    """A committee's session as meetings last described it (from ``meetings.meeting.*``; meetings
    without a committee are not kept): the date an application shows for the session that
    decides it."""

    __tablename__ = "committee_sessions"

    id: uuid.UUID = Field(primary_key=True)
    version: int
    committee_id: uuid.UUID
    title: str = Field(max_length=300)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    location: str | None = Field(default=None, max_length=500)
    status: str = Field(max_length=16)  # scheduled | cancelled


class DecidingItemView(Base, table=True):
    """Which session's agenda holds an application's decision item (from
    ``meetings.agenda.item_added``): the latest placement wins — a resubmission's new item, or
    the item moved on from a cancelled session."""

    __tablename__ = "deciding_items"

    application_id: uuid.UUID = Field(primary_key=True)
    placed_at: datetime = Field(sa_type=UTCDateTime)  # the event's time: a later one wins
    meeting_id: uuid.UUID
    agenda_item_id: uuid.UUID


# --- attachments (issue 16)


class Attachment(EntityFields, Base, table=True):
    """A file on an application (quote, cooperation agreement, signed form, receipt, report…),
    stored under ``storage_key`` in the attachments directory. When the application's retention
    ends its file is deleted and ``erased_at`` set; the row (kind, title, size) stays."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_application", "application_id", "created_at"),)

    application_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("applications.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(max_length=32)
    title: str = Field(max_length=300)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size_bytes: int = Field(sa_type=BigInteger)
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=100, unique=True)
    uploaded_by: str = Field(max_length=200, index=True)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# --- payments (issue 16)


class PaymentRequest(EntityFields, Base, table=True):
    """A call for money (Mittelabruf) on a funded application: ``requested`` → ``approved`` →
    ``paid``, or ``rejected``. Sums are checked under the application's row lock."""

    __tablename__ = "payment_requests"
    __table_args__ = (
        Index("ix_payment_requests_application", "application_id", "created_at"),
        Index("ix_payment_requests_status_region", "status", "region"),
    )

    application_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("applications.id", ondelete="CASCADE"), nullable=False)
    )
    fund_id: uuid.UUID = Field(index=True)
    region: str = Field(max_length=64)
    status: str = Field(default="requested", max_length=16)
    amount_cents: int = money()
    reason: str | None = Field(default=None, max_length=4000)
    requested_by: str = Field(max_length=200)
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rejection_reason: str | None = Field(default=None, max_length=4000)
    paid_on: date | None = None
    reference: str | None = Field(default=None, max_length=100)
    paid_by: str | None = Field(default=None, max_length=200)
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# --- proof of use (issue 16)


class ProofOfUse(EntityFields, Base, table=True):
    """An approved application's proof of use (Verwendungsnachweis): the narrative report
    (Sachbericht), participants reached, the list of receipts (Belegliste), and the office's
    check — returned for correction or accepted, with the final payment or the reclaim."""

    __tablename__ = "proofs_of_use"

    application_id: uuid.UUID = Field(
        sa_column=Column(
            ForeignKey("applications.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    status: str = Field(default="draft", max_length=16)  # draft|submitted|returned|accepted
    narrative: str | None = Field(default=None, max_length=20000)
    actual_participants: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    participant_breakdown: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # ESF+ (issue 19): sex → age group → count (ParticipantFigures), aggregates only
    participants: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    receipts: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    spent_cents: int = money()
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    returned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    return_reasons: str | None = Field(default=None, max_length=4000)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_by: str | None = Field(default=None, max_length=200)
    accepted_cents: int | None = money(nullable=True, default=None)
    paid_cents: int | None = money(nullable=True, default=None)  # paid when it was accepted
    final_payment_cents: int | None = money(nullable=True, default=None)
    reclaim_cents: int | None = money(nullable=True, default=None)


# --- assessment (issue 16)


class Assessment(Base, table=True):
    """The network office's assessment of a submitted application: points per criterion of the
    fund (with the weight and scale they had), the weighted score, its recommendation."""

    __tablename__ = "assessments"

    application_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    )
    scores: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )  # [{"criterion", "weight", "max_points", "points"}]
    score: int | None = None  # 0–100, null when the fund has no criteria
    recommendation: str = Field(max_length=16)  # approve | reject | return
    recommended_cents: int | None = money(nullable=True, default=None)
    notes: str | None = Field(default=None, max_length=10000)
    assessed_by: str = Field(max_length=200)
    assessed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# --- documents (issue 16)


class GeneratedDocument(Base, table=True):
    """A PDF offers issued on a decision: the grant notice (Zuwendungsbescheid) or the rejection
    letter. Issuing stores ``facts`` (what the letter says) with ``size`` 0; the PDF is rendered
    from them when the document is first listed or downloaded and then kept in ``content`` (some
    50 KB), so the decision's hop renders nothing. After an erasure or retention the stored PDF is
    dropped and rendered again, on the next read, from facts without the person's name."""

    __tablename__ = "generated_documents"
    __table_args__ = (
        UniqueConstraint("application_id", "kind", name="uq_generated_documents_app_kind"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    application_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("applications.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(max_length=32)  # grant_notice | rejection_letter
    title: str = Field(max_length=200)
    size: int
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    facts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    application_version: int  # the application's version its personal data was last read at
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    rendered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# --- youth micro-projects (issue 20)


class YouthFormTicket(Base, table=True):
    """A ticket the public youth-project form is issued with: only its token's SHA-256 and the
    issue time are kept; an answer must come between a few seconds and a day later, once."""

    __tablename__ = "youth_form_tickets"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    token_sha256: str = Field(max_length=64, unique=True)
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class YouthProject(Base, table=True):
    """A micro-project young people sent through the public form, waiting for their adult
    sponsor's confirmation (``pending``) or confirmed into an application (``confirmed``; the
    sponsor's data then live on as the application's contact only). Of the young people only an
    optional first or group name is kept; client address and sponsor address as SHA-256 for the
    rate limits."""

    __tablename__ = "youth_projects"
    __table_args__ = (
        Index("ix_youth_projects_client_created", "client_sha256", "created_at"),
        Index("ix_youth_projects_sponsor_created", "sponsor_sha256", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    status: str = Field(default="pending", max_length=16)  # pending | confirmed
    fund_id: uuid.UUID = Field(foreign_key="funds.id")
    school_id: uuid.UUID
    region: str = Field(max_length=64)
    title: str = Field(max_length=200)
    idea: str = Field(max_length=4000)
    group_size: int
    requested_cents: int = money()
    start_date: date
    end_date: date
    group_name: str | None = Field(default=None, max_length=100)
    sponsor_name: str | None = Field(default=None, max_length=200)
    sponsor_email: str | None = Field(default=None, max_length=254, index=True)
    sponsor_sha256: str | None = Field(default=None, max_length=64)
    client_sha256: str = Field(max_length=64)
    token_sha256: str | None = Field(default=None, max_length=64, unique=True)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    application_id: uuid.UUID | None = None
