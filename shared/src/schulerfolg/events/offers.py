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
