"""Events published by the offers service (stream ``OFFERS``).

Every application event carries what meetings and notifications need without asking offers:
fund, deciding committee, region, schools, organisations, title, sums and the applicant contact.
Each carries the application's ``version`` after the change, so a consumer applies an update only
when it is newer than what it holds.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

from schulerfolg.events.base import EventPayload, event_name
from schulerfolg.participants import ParticipantFigures

VERSION_DOC = "The entity's version after the change: apply only if newer than what you hold."


class FundData(EventPayload):
    """A fund as other services need it (names, the deciding committee, money)."""

    version: int = Field(description=VERSION_DOC)
    id: UUID
    name: str
    kind: str = Field(description="`school_project` or `youth_fund`.")
    region: str | None = Field(None, description="Region slug, or null for a state-wide fund.")
    period_start: date
    period_end: date
    budget_cents: int
    approved_cents: int
    deciding_committee_id: UUID | None = None
    collects_participant_figures: bool = Field(
        False, description="Whether the fund's proofs of use carry ESF+ participant figures."
    )


@event_name("offers.fund.created", version=1)
class FundCreated(FundData):
    """A fund was opened."""


@event_name("offers.fund.updated", version=1)
class FundUpdated(FundData):
    """A fund's details or figures changed."""


class Contact(BaseModel):
    """The applicant's contact person for this application (not necessarily a registry person)."""

    name: str
    email: str
    phone: str | None = None


class ApplicationData(EventPayload):
    """What every application event carries."""

    version: int = Field(description=VERSION_DOC)
    id: UUID
    fund_id: UUID
    fund_name: str
    fund_kind: str
    deciding_committee_id: UUID | None = None
    region: str = Field(
        description="The region of the fund, or of the first school for a state-wide fund."
    )
    school_ids: list[UUID]
    applicant_organization_id: UUID | None = None
    partner_organization_ids: list[UUID] = []
    title: str
    topics: list[str] = Field(
        [], description="The topic slugs of the project (schulerfolg.topics; GET /api/v1/topics)."
    )
    status: str
    requested_cents: int
    start_date: date
    end_date: date
    contact: Contact


@event_name("offers.application.submitted", version=1)
class ApplicationSubmitted(ApplicationData):
    """An application was submitted (or resubmitted after being returned) for a decision."""

    resubmission: bool = False


@event_name("offers.application.withdrawn", version=1)
class ApplicationWithdrawn(ApplicationData):
    """The applicant withdrew the application."""

    reason: str | None = None


class DecisionData(ApplicationData):
    """A decision on an application, by the office or applied from a committee's decision."""

    reason: str | None = None
    decided_by: str = Field(description="`office` (manual) or `committee` (from meetings).")
    decision_id: UUID | None = Field(
        None, description="The committee decision's id when applied from meetings."
    )
    meeting_id: UUID | None = None


@event_name("offers.application.approved", version=1)
class ApplicationApproved(DecisionData):
    """The application was approved (possibly with conditions and a reduced amount)."""

    approved_cents: int
    conditions: str | None = None
    report_due: date = Field(description="When the report is due (end date + 4 weeks).")
    proof_of_use_due: date | None = Field(
        None, description="When the proof of use is due (end date + the fund's proof_of_use_weeks)."
    )


@event_name("offers.application.rejected", version=1)
class ApplicationRejected(DecisionData):
    """The application was rejected."""


@event_name("offers.application.returned", version=1)
class ApplicationReturned(DecisionData):
    """The application was returned to the applicant for revision."""


@event_name("offers.application.reported", version=1)
class ApplicationReported(ApplicationData):
    """The applicant reported on the project."""

    actual_cost_cents: int


@event_name("offers.application.completed", version=1)
class ApplicationCompleted(ApplicationData):
    """The office closed the application after the report."""


@event_name("offers.application.decision_refused", version=1)
class ApplicationDecisionRefused(EventPayload):
    """A committee's decision could not be applied; carries the rule that failed."""

    application_id: UUID
    region: str
    decision_id: UUID
    meeting_id: UUID | None = None
    agenda_item_id: UUID | None = None
    committee_id: UUID | None = None
    outcome: str
    approved_cents: int | None = None
    rule: str = Field(description="The rule that failed, e.g. `fund-budget-exceeded`.")
    detail: str
    title: str | None = None


# --- payments (issue 16): calls for money (Mittelabrufe) on funded applications; ids, amounts
# and the region only — no personal data (the contact is in the application's events).


class PaymentData(EventPayload):
    """A payment request of an application after a change."""

    version: int = Field(description=VERSION_DOC)
    id: UUID = Field(description="The payment request's id.")
    application_id: UUID
    fund_id: UUID
    region: str
    title: str = Field(description="The application's title.")
    school_ids: list[UUID] = Field([], description="The application's schools.")
    status: str = Field(description="`requested`, `approved`, `rejected` or `paid`.")
    amount_cents: int
    approved_cents: int = Field(description="The application's approved (or accepted) amount.")
    committed_cents: int = Field(
        description="What is requested, approved or paid for the application after the change "
        "(rejected requests not counted)."
    )
    paid_cents: int = Field(description="What is paid for the application after the change.")
    contact: Contact | None = Field(
        None,
        description="The application's contact person, told of approvals and payments like of "
        "the decision; null once erased (and in events published before it was carried).",
    )


@event_name("offers.payment.requested", version=1)
class PaymentRequested(PaymentData):
    """The applicant side called in money."""


@event_name("offers.payment.approved", version=1)
class PaymentApproved(PaymentData):
    """The network office approved a payment request; the treasury pays it."""


@event_name("offers.payment.rejected", version=1)
class PaymentRejected(PaymentData):
    """The network office rejected a payment request."""


@event_name("offers.payment.paid", version=1)
class PaymentPaid(PaymentData):
    """The payment was made (the office marked it paid with date and booking reference)."""

    paid_on: date
    reference: str


# --- proof of use (issue 16)


class ProofOfUseData(ApplicationData):
    """What every proof-of-use event carries besides the application: its deadline and sums."""

    due_on: date = Field(description="When the proof of use is due (end date + the fund's weeks).")
    approved_cents: int
    spent_cents: int = Field(description="The sum of the receipts listed.")
    participants: ParticipantFigures | None = Field(
        None,
        description="ESF+ participant figures of the project (aggregates; where the fund "
        "collects them).",
    )


@event_name("offers.proof_of_use.submitted", version=1, plural="applications")
class ProofOfUseSubmitted(ProofOfUseData):
    """The applicant side submitted the proof of use (Verwendungsnachweis); the application is
    `reported`."""


@event_name("offers.proof_of_use.returned", version=1, plural="applications")
class ProofOfUseReturned(ProofOfUseData):
    """The office returned the proof of use for correction; the application is `approved` again
    and the proof editable."""

    reasons: str


@event_name("offers.proof_of_use.accepted", version=1, plural="applications")
class ProofOfUseAccepted(ProofOfUseData):
    """The office accepted the proof of use: the accepted amount, what was paid, and the final
    payment still due (0 when there is a reclaim)."""

    accepted_cents: int
    paid_cents: int
    final_payment_cents: int
    reclaim_cents: int


@event_name("offers.application.reclaim_due", version=1)
class ReclaimDue(ProofOfUseData):
    """More was paid than the accepted proof of use allows: the difference is reclaimed
    (Rückforderung)."""

    accepted_cents: int
    paid_cents: int
    reclaim_cents: int


# --- attachments (issue 16): files on an application (quotes, agreements, receipts …); the
# description only — never the file's content.


class AttachmentData(EventPayload):
    """An application's attachment, described (ids, kind, title, size; no content)."""

    id: UUID
    application_id: UUID
    region: str = Field(description="The application's region.")
    kind: str = Field(
        description="`quote`, `cooperation_agreement`, `signed_application`, `receipt`, "
        "`report` or `other`."
    )
    title: str
    content_type: str
    size_bytes: int


@event_name("offers.attachment.added", version=1)
class AttachmentAdded(AttachmentData):
    """A file was attached to an application."""


@event_name("offers.attachment.removed", version=1)
class AttachmentRemoved(AttachmentData):
    """An attachment was removed from an application (its file is deleted)."""


# --- documents (issue 16)


@event_name("offers.application.grant_notice_issued", version=1)
class GrantNoticeIssued(EventPayload):
    """The grant notice (Zuwendungsbescheid) of an approved application was issued as a PDF;
    `GET /applications/{application_id}/documents/{document_id}` serves it. Ids and figures
    only: the recipient's name stays in offers."""

    application_id: UUID
    document_id: UUID
    fund_id: UUID
    region: str
    approved_cents: int
    advance_cents: int | None = Field(
        None, description="The advance the fund's payment rule allows, if the fund has one."
    )
    proof_of_use_due: date = Field(
        description="When the proof of use is due (end date + the fund's proof-of-use weeks)."
    )


# --- assessment (issue 16): the network office's assessment of a submitted application; ids,
# the recommendation and figures only — no personal data, no notes.


@event_name("offers.application.assessed", version=1)
class ApplicationAssessed(EventPayload):
    """The network office assessed (or re-assessed) a submitted application."""

    version: int = Field(description=VERSION_DOC)
    id: UUID = Field(description="The application's id.")
    fund_id: UUID
    region: str
    recommendation: str = Field(description="`approve`, `reject` or `return`.")
    recommended_cents: int | None = Field(
        None, description="The amount recommended for approval (only with `approve`)."
    )
    score: int | None = Field(
        None,
        description="Weighted score 0–100: sum(weight × points) / sum(weight × max_points) × 100, "
        "rounded half up; null when the fund has no assessment criteria.",
    )


# --- youth micro-projects (issue 20): young people send a micro-project through the public form;
# their adult sponsor confirms it by a link before it becomes a submitted application.


@event_name("offers.youth_project.received", version=1)
class YouthProjectReceived(EventPayload):
    """A micro-project arrived through the public form and waits for its adult sponsor's
    confirmation. Carries the sponsor's name and address and the confirmation token so that
    notifications can send the link (offers keeps only the token's SHA-256); nothing of the
    young people beyond the project itself."""

    id: UUID = Field(description="The youth project's id (not yet an application).")
    fund_id: UUID
    fund_name: str
    region: str
    school_id: UUID
    title: str
    requested_cents: int
    sponsor: Contact = Field(description="The adult sponsor who must confirm.")
    token: str = Field(
        description="The confirmation token for /jugendprojekte/bestaetigen/{token}."
    )
    confirm_by: date = Field(description="Unconfirmed projects are deleted after this day.")
