"""Request and response bodies for circular decisions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from meetings.common import Text
from meetings.models import Circular, CircularVote
from schulerfolg.http.validation import RequestModel

CircularStatus = Literal["open", "decided", "failed", "refused"]
VoteChoice = Literal["yes", "no", "abstain"]


class CircularCreate(RequestModel):
    """A new circular: about an application waiting for the committee, or a free question."""

    application_id: uuid.UUID | None = Field(
        None, description="An application on the committee's agenda queue (not with `question`)."
    )
    question: Annotated[Text, Field(max_length=5000)] | None = Field(
        None, description="A free question to decide (not with `application_id`)."
    )
    title: Annotated[Text, Field(max_length=500)] | None = Field(
        None, description="Defaults to the application's title, or the question."
    )
    deadline: AwareDatetime = Field(description="In the future; votes are taken until then.")

    @model_validator(mode="after")
    def _one_subject(self) -> CircularCreate:
        if (self.application_id is None) == (self.question is None):
            raise ValueError("give either application_id or question")
        return self


class VoteCreate(RequestModel):
    """A member's vote: one each, final."""

    vote: VoteChoice


class VotePublic(BaseModel):
    """A vote as recorded."""

    person_id: uuid.UUID
    vote: VoteChoice
    cast_at: datetime

    @classmethod
    def of(cls, vote: CircularVote) -> VotePublic:
        return cls.model_validate(vote.model_dump())


class MemberVote(BaseModel):
    """A line of the record: a voting member and what they did."""

    person_id: uuid.UUID
    name: str | None = None
    state: Literal["yes", "no", "abstain", "not_voted", "recused"]


class CircularPublic(BaseModel):
    """A circular with its counts (the record: ``GET /circulars/{id}``)."""

    id: uuid.UUID
    committee_id: uuid.UUID
    region: str | None
    title: str
    question: str | None
    application_id: uuid.UUID | None
    agenda_item_id: uuid.UUID | None
    requested_cents: int | None
    deadline: datetime
    status: CircularStatus
    outcome: Literal["approved", "rejected"] | None
    quorum: int = Field(description="Votes cast needed for a decision.")
    votes_yes: int
    votes_no: int
    votes_abstain: int
    voters: int = Field(description="Voting members who are not recused.")
    refused_rule: str | None
    refused_detail: str | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    record: list[MemberVote] | None = Field(
        None, description="Who voted how, who is recused, who has not voted (the single view)."
    )
    my_state: Literal["yes", "no", "abstain", "not_voted", "recused"] | None = Field(
        None, description="The caller's own line, if they sit in the committee with a vote."
    )

    @classmethod
    def of(
        cls,
        circular: Circular,
        record: list[MemberVote] | None = None,
        my_state: str | None = None,
    ) -> CircularPublic:
        values = circular.model_dump()
        values["voters"] = len(circular.voter_ids)
        values["record"] = record
        values["my_state"] = my_state
        return cls.model_validate(values)
