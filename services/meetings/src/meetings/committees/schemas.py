"""Request and response bodies for committees and their members."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from meetings.common import RegionSlug, Text, reject_null
from meetings.models import Committee, CommitteeMember, Person
from schulerfolg.http.validation import RequestModel

CommitteeKind = Literal[
    "steering_group",
    "working_group",
    "youth_jury",
    "youth_welfare_committee",
    "regional_group",
    "other",
]
MemberRole = Literal["chair", "member", "deputy", "secretary", "guest"]
Quorum = Annotated[
    int,
    Field(
        ge=1, le=1000, description="Members with a vote who must be present; null: more than half."
    ),
]


def default_quorum(voting_members: int) -> int:
    """More than half of the members with a vote."""
    return voting_members // 2 + 1


class CommitteeCreate(RequestModel):
    """A new committee."""

    name: Annotated[Text, Field(max_length=300)]
    kind: CommitteeKind
    region: RegionSlug | None = None
    quorum: Quorum | None = None


class CommitteeUpdate(RequestModel):
    """A partial change: only the fields sent are changed (``quorum: null`` restores the default)."""

    name: Annotated[Text, Field(max_length=300)] | None = None
    kind: CommitteeKind | None = None
    region: RegionSlug | None = None
    quorum: Quorum | None = None

    _not_null = field_validator("name", "kind")(reject_null)


class CommitteePublic(BaseModel):
    """A committee as its readers see it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: CommitteeKind
    region: str | None = Field(description="Region slug; null for the state level.")
    quorum: int | None = Field(description="Configured quorum; null: more than half.")
    voting_members: int = Field(description="Members with a vote.")
    quorum_required: int = Field(description="Voting members who must be present to decide.")
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, committee: Committee, voting_members: int) -> CommitteePublic:
        """The public view of a committee row."""
        return cls.model_validate(
            {
                **committee.model_dump(),
                "voting_members": voting_members,
                "quorum_required": committee.quorum or default_quorum(voting_members),
            }
        )


class MemberCreate(RequestModel):
    """A registry person joins the committee (again: their role and vote are updated)."""

    person_id: uuid.UUID = Field(description="The registry person's id.")
    role: MemberRole = "member"
    voting: bool = Field(default=True, description="Whether the member has a vote.")


class MemberPublic(BaseModel):
    """A committee member; name and organisation come from the registry's events."""

    id: uuid.UUID
    committee_id: uuid.UUID
    person_id: uuid.UUID
    name: str | None = Field(description="From the registry; null while unknown or after erasure.")
    organization_id: uuid.UUID | None
    role: MemberRole
    voting: bool
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, member: CommitteeMember, person: Person | None) -> MemberPublic:
        """The public view of a membership with what the read model knows of the person."""
        values: dict[str, Any] = member.model_dump()
        values["name"] = person.name if person else None
        values["organization_id"] = person.organization_id if person else None
        return cls.model_validate(values)
