"""Request and response bodies for agenda items and decisions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from meetings.common import Text
from meetings.models import AgendaItem, ApplicationAssessment, Decision
from schulerfolg.http.validation import RequestModel

ItemKind = Literal["decision", "discussion", "information"]
ItemStatus = Literal["open", "decided", "withdrawn"]
Outcome = Literal["approved", "rejected", "returned"]
Vote = Literal["yes", "no", "abstain"]
Cents = Annotated[int, Field(ge=0, le=10**12, description="Euro cents.")]
Count = Annotated[int, Field(ge=0, le=1000)]


class AgendaItemCreate(RequestModel):
    """An item added by hand (decisions on applications usually arrive by themselves)."""

    kind: ItemKind
    title: Annotated[Text, Field(max_length=500)]
    description: Annotated[str, Field(max_length=10000)] | None = None
    application_id: uuid.UUID | None = Field(None, description="For decisions on applications.")
    requested_cents: Cents | None = None
    applicant_organization_id: uuid.UUID | None = Field(
        None, description="Members of this organisation are recused from the decision."
    )
    partner_organization_ids: Annotated[list[uuid.UUID], Field(max_length=50)] = Field(
        default_factory=list, description="Members of these organisations are recused, too."
    )


class VoteCounts(RequestModel):
    """Yes, no and abstentions."""

    yes: Count = 0
    no: Count = 0
    abstain: Count = 0


class Ballot(RequestModel):
    """One member's vote."""

    person_id: uuid.UUID
    vote: Vote


class DecisionCreate(RequestModel):
    """A decision on an agenda item.

    Give either ``votes`` (counts) or ``ballots`` (one per voting member present; the counts are
    derived from them). A ballot of a recused member or of someone without a vote is refused.
    """

    outcome: Outcome
    approved_cents: Cents | None = Field(
        None, description="For `approved`; defaults to the requested amount; at most that."
    )
    conditions: Annotated[str, Field(max_length=5000)] | None = None
    reason: Annotated[str, Field(max_length=5000)] | None = None
    votes: VoteCounts | None = None
    ballots: Annotated[list[Ballot], Field(max_length=1000)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> DecisionCreate:
        if self.outcome != "approved" and self.approved_cents:
            raise ValueError("approved_cents is only for an approval")
        if self.outcome != "approved" and self.conditions:
            raise ValueError("conditions are only for an approval")
        if self.ballots is not None:
            ids = [b.person_id for b in self.ballots]
            if len(ids) != len(set(ids)):
                raise ValueError("one ballot per person")
            derived = {
                v: sum(1 for b in self.ballots if b.vote == v) for v in ("yes", "no", "abstain")
            }
            if self.votes is not None and self.votes.model_dump() != derived:
                raise ValueError("votes do not match the ballots; send one of them")
        return self

    def counts(self) -> dict[str, int]:
        """The vote counts, from the ballots when given."""
        if self.ballots is not None:
            return {
                v: sum(1 for b in self.ballots if b.vote == v) for v in ("yes", "no", "abstain")
            }
        return (self.votes or VoteCounts()).model_dump()


class VotesPublic(BaseModel):
    """The vote count of a decision."""

    yes: int
    no: int
    abstain: int


class BallotPublic(BaseModel):
    """One member's recorded vote."""

    person_id: uuid.UUID
    vote: Vote


class DecisionPublic(BaseModel):
    """A recorded decision."""

    id: uuid.UUID
    agenda_item_id: uuid.UUID
    meeting_id: uuid.UUID
    application_id: uuid.UUID | None
    outcome: Outcome
    approved_cents: int | None
    conditions: str | None
    reason: str | None
    votes: VotesPublic
    ballots: list[BallotPublic]
    present_voting: int = Field(description="Voting, non-recused members present.")
    quorum: int = Field(description="Voting members who had to be present.")
    decided_at: datetime
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, decision: Decision) -> DecisionPublic:
        """The view of a decision row."""
        values: dict[str, Any] = decision.model_dump()
        values["votes"] = {
            "yes": decision.votes_yes,
            "no": decision.votes_no,
            "abstain": decision.votes_abstain,
        }
        return cls.model_validate(values)


class AgendaItemPublic(BaseModel):
    """An agenda item (or an application waiting for the committee's next session)."""

    id: uuid.UUID
    meeting_id: uuid.UUID | None = Field(description="Null while waiting for the next session.")
    committee_id: uuid.UUID | None
    position: int
    kind: ItemKind
    title: str
    description: str | None
    status: ItemStatus
    application_id: uuid.UUID | None
    fund_id: uuid.UUID | None
    fund_name: str | None
    requested_cents: int | None
    applicant_organization_id: uuid.UUID | None
    partner_organization_ids: list[uuid.UUID]
    decision: DecisionPublic | None = None
    recommendation: Literal["approve", "reject", "return"] | None = Field(
        None, description="The network office's recommendation (its assessment), if any."
    )
    recommended_cents: int | None = Field(
        None, description="The amount the network office recommends approving."
    )
    assessment_score: int | None = Field(
        None, description="The assessment's weighted score, 0–100."
    )
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(
        cls,
        item: AgendaItem,
        decision: Decision | None = None,
        assessment: ApplicationAssessment | None = None,
    ) -> AgendaItemPublic:
        """The view of an agenda item with its decision and the office's assessment, if any."""
        values: dict[str, Any] = item.model_dump()
        values["decision"] = DecisionPublic.of(decision) if decision else None
        if assessment is not None:
            values["recommendation"] = assessment.recommendation
            values["recommended_cents"] = assessment.recommended_cents
            values["assessment_score"] = assessment.score
        return cls.model_validate(values)
