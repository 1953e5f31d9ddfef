"""Request and response bodies for applications."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, EmailStr, Field, StringConstraints, field_validator

from offers.common import TOPICS, LongText, Text, reject_null
from offers.models import Application, CommitteeSessionView, Decision, StatusChange
from schulerfolg.http.validation import RequestModel
from schulerfolg.topics import TopicSlug

Status = Literal[
    "draft", "submitted", "returned", "approved", "rejected", "reported", "completed", "withdrawn"
]
TargetGroup = Literal["pupils", "parents", "teachers"]
Outcome = Literal["approved", "rejected", "returned"]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Cents = Annotated[int, Field(ge=1, le=10**10)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]


class Contact(RequestModel):
    """The applicant's contact person for this application."""

    name: Text
    email: EmailStr
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None


class BudgetLine(RequestModel):
    """One line of the cost plan."""

    category: Literal["fees", "materials", "travel", "other"]
    description: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)
    ]
    amount_cents: Cents


class Participants(RequestModel):
    """Participants per target group."""

    pupils: Count | None = None
    parents: Count | None = None
    teachers: Count | None = None


def _unique(values: list[Any]) -> list[Any]:
    if len(set(values)) != len(values):
        raise ValueError("must not list the same value twice")
    return values


class ApplicationFields(RequestModel):
    """The application's content; a draft may be incomplete, submitting checks it is complete."""

    fund_id: uuid.UUID
    school_ids: list[uuid.UUID] = Field(min_length=1, max_length=30)
    applicant_organization_id: uuid.UUID | None = None
    partner_organization_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    title: Title
    summary: LongText | None = None
    goals: LongText | None = None
    topics: list[TopicSlug] = Field(default_factory=list, max_length=len(TOPICS))  # type: ignore[valid-type]  # TopicSlug is built at run time
    target_groups: list[TargetGroup] = Field(default_factory=list, max_length=3)
    planned_participants: Participants = Participants()
    start_date: date | None = None
    end_date: date | None = None
    budget_lines: list[BudgetLine] = Field(default_factory=list, max_length=100)
    contact: Contact | None = None

    @field_validator("school_ids", "partner_organization_ids", "topics", "target_groups")
    @classmethod
    def _no_repeats(cls, value: list[Any]) -> list[Any]:
        return _unique(value)


class ApplicationCreate(ApplicationFields):
    """A new draft."""


class ApplicationUpdate(RequestModel):
    """Changes to a draft or returned application: only the fields sent."""

    fund_id: uuid.UUID | None = None
    school_ids: list[uuid.UUID] | None = Field(None, min_length=1, max_length=30)
    applicant_organization_id: uuid.UUID | None = None
    partner_organization_ids: list[uuid.UUID] | None = Field(None, max_length=20)
    title: Title | None = None
    summary: LongText | None = None
    goals: LongText | None = None
    topics: list[TopicSlug] | None = Field(None, max_length=len(TOPICS))  # type: ignore[valid-type]  # TopicSlug is built at run time
    target_groups: list[TargetGroup] | None = Field(None, max_length=3)
    planned_participants: Participants | None = None
    start_date: date | None = None
    end_date: date | None = None
    budget_lines: list[BudgetLine] | None = Field(None, max_length=100)
    contact: Contact | None = None

    @field_validator(
        "fund_id",
        "school_ids",
        "partner_organization_ids",
        "title",
        "topics",
        "target_groups",
        "planned_participants",
        "budget_lines",
        mode="before",
    )
    @classmethod
    def _not_null(cls, value: object) -> object:
        return reject_null(value)

    @field_validator("school_ids", "partner_organization_ids", "topics", "target_groups")
    @classmethod
    def _no_repeats(cls, value: list[Any] | None) -> list[Any] | None:
        return None if value is None else _unique(value)


class ConsultationBody(RequestModel):
    """The network office's advice (fachliche Beratung)."""

    date: date
    notes: LongText | None = None


class WithdrawBody(RequestModel):
    """Why the applicant withdraws (optional)."""

    reason: Reason | None = None


class DecisionBody(RequestModel):
    """A manual decision by the network office."""

    outcome: Outcome
    approved_cents: Cents | None = Field(
        None, description="For `approved`: at most the requested sum; default the requested sum."
    )
    conditions: Reason | None = None
    reason: Reason | None = Field(None, description="Required when rejecting or returning.")


class ReportBody(RequestModel):
    """The applicant's report after the project."""

    actual_participants: Participants
    actual_cost_cents: Annotated[int, Field(ge=0, le=10**10)]
    summary: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10000)
    ]


class CloseBody(RequestModel):
    """A note when closing (optional)."""

    reason: Reason | None = None


class ContactPublic(BaseModel):
    name: str | None
    email: str | None
    phone: str | None


class ConsultationPublic(BaseModel):
    date: date
    notes: str | None
    recorded_by: str | None


class ReportPublic(BaseModel):
    actual_participants: dict[str, int | None]
    actual_cost_cents: int | None
    summary: str | None
    reported_at: datetime | None


class DecidingSession(BaseModel):
    """The committee session whose agenda holds the application's decision item."""

    meeting_id: uuid.UUID = Field(description="The meeting's id in the meetings service.")
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str | None
    status: Literal["scheduled", "cancelled"] = Field(
        description="`cancelled`: the session will not take place. Meetings moves the "
        "application on to the committee's next session when there is one (then this names "
        "that session), else the application waits for the next session scheduled."
    )

    @classmethod
    def of(cls, meeting: CommitteeSessionView) -> DecidingSession:
        return cls(
            meeting_id=meeting.id,
            title=meeting.title,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            location=meeting.location,
            status=meeting.status,  # type: ignore[arg-type]  # a text column; meetings sends only these two
        )


class ApplicationPublic(BaseModel):
    """An application as its readers see it."""

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int
    fund_id: uuid.UUID
    region: str
    status: Status
    school_ids: list[uuid.UUID]
    applicant_organization_id: uuid.UUID | None
    partner_organization_ids: list[uuid.UUID]
    title: str
    summary: str | None
    goals: str | None
    topics: list[str]
    target_groups: list[TargetGroup]
    planned_participants: dict[str, int]
    start_date: date | None
    end_date: date | None
    budget_lines: list[dict[str, Any]]
    requested_cents: int
    contact: ContactPublic | None
    consultation: ConsultationPublic | None
    submitted_at: datetime | None
    decided_at: datetime | None
    approved_cents: int | None
    conditions: str | None
    decision_reason: str | None
    report: ReportPublic | None
    deciding_session: DecidingSession | None = Field(
        description="The committee session that decides the application (or decided it): the "
        "session of the fund's deciding committee whose agenda meetings put its latest "
        "submission on, with date, place and status, as offers learnt it from meetings' events "
        "(`meetings.meeting.*`, `meetings.agenda.item_added`) — so the applicant side sees it "
        "too. Null until meetings has placed the application (a fund without a deciding "
        "committee, no session scheduled yet, or within seconds of the submission) and for a "
        "withdrawn application (meetings takes it off the agenda)."
    )

    @classmethod
    def of(
        cls, app: Application, deciding_session: CommitteeSessionView | None
    ) -> ApplicationPublic:
        groups = target_groups_of(app)
        return cls(
            id=app.id,
            created_at=app.created_at,
            updated_at=app.updated_at,
            version=app.version,
            fund_id=app.fund_id,
            region=app.region,
            status=app.status,  # type: ignore[arg-type]  # a text column; written only from the Literal
            school_ids=[uuid.UUID(s) for s in app.school_ids],
            applicant_organization_id=app.applicant_organization_id,
            partner_organization_ids=[uuid.UUID(o) for o in app.partner_organization_ids],
            title=app.title,
            summary=app.summary,
            goals=app.goals,
            topics=list(app.topics),
            target_groups=groups,
            planned_participants={g: getattr(app, f"planned_{g}") for g in groups},
            start_date=app.start_date,
            end_date=app.end_date,
            budget_lines=list(app.budget_lines),
            requested_cents=app.requested_cents,
            contact=ContactPublic(
                name=app.contact_name, email=app.contact_email, phone=app.contact_phone
            )
            if app.contact_name or app.contact_email
            else None,
            consultation=ConsultationPublic(
                date=app.consultation_date,
                notes=app.consultation_notes,
                recorded_by=app.consulted_by,
            )
            if app.consultation_date
            else None,
            submitted_at=app.submitted_at,
            decided_at=app.decided_at,
            approved_cents=app.approved_cents,
            conditions=app.conditions,
            decision_reason=app.decision_reason,
            report=ReportPublic(
                actual_participants={g: getattr(app, f"actual_{g}") for g in groups},
                actual_cost_cents=app.actual_cost_cents,
                summary=app.report_summary,
                reported_at=app.reported_at,
            )
            if app.reported_at
            else None,
            deciding_session=DecidingSession.of(deciding_session) if deciding_session else None,
        )


def target_groups_of(app: Application) -> list[TargetGroup]:
    """The application's target groups, in their fixed order."""
    return [g for g in ("pupils", "parents", "teachers") if getattr(app, f"for_{g}")]


class HistoryEntry(BaseModel):
    """One status change."""

    from_status: str | None
    to_status: str
    actor: str
    actor_name: str | None
    at: datetime
    reason: str | None

    @classmethod
    def of(cls, change: StatusChange) -> HistoryEntry:
        return cls.model_validate(change.model_dump())


class History(BaseModel):
    items: list[HistoryEntry]


class DecisionPublic(BaseModel):
    """A decision taken on the application: applied, or refused with the rule that failed."""

    id: uuid.UUID
    source: Literal["office", "committee"]
    committee_decision_id: uuid.UUID | None
    meeting_id: uuid.UUID | None
    committee_id: uuid.UUID | None
    outcome: Outcome
    approved_cents: int | None
    conditions: str | None
    reason: str | None
    applied: bool
    refused_rule: str | None
    refused_detail: str | None
    actor: str
    at: datetime

    @classmethod
    def of(cls, decision: Decision) -> DecisionPublic:
        return cls.model_validate(decision.model_dump())


class Decisions(BaseModel):
    items: list[DecisionPublic]


class TopicPublic(BaseModel):
    slug: str
    name: str


class Topics(BaseModel):
    items: list[TopicPublic]


class ProjectPublic(BaseModel):
    """A funded project as anyone may see it: what is done where with how much money; no
    contact, no budget lines, no reasons, no organisations' internal figures."""

    id: uuid.UUID
    fund_id: uuid.UUID
    region: str
    status: Literal["approved", "reported", "completed"]
    school_ids: list[uuid.UUID]
    title: str
    summary: str | None
    topics: list[str]
    target_groups: list[TargetGroup]
    start_date: date | None
    end_date: date | None
    approved_cents: int | None
    decided_at: datetime | None

    @classmethod
    def of(cls, app: Application) -> ProjectPublic:
        return cls(
            id=app.id,
            fund_id=app.fund_id,
            region=app.region,
            status=app.status,  # type: ignore[arg-type]  # only funded statuses are listed
            school_ids=[uuid.UUID(s) for s in app.school_ids],
            title=app.title,
            summary=app.summary,
            topics=list(app.topics),
            target_groups=target_groups_of(app),
            start_date=app.start_date,
            end_date=app.end_date,
            approved_cents=app.approved_cents,
            decided_at=app.decided_at,
        )
