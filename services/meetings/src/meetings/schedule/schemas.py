"""Request and response bodies for meetings and events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    field_validator,
    model_validator,
)

from meetings.common import RegionSlug, Text, reject_null
from meetings.models import Meeting
from schulerfolg.http.validation import RequestModel
from schulerfolg.topics import TOPICS, TopicSlug

MeetingKind = Literal[
    "committee_session",
    "expert_exchange",
    "network_meeting",
    "regional_group_meeting",
    "training",
    "conference",
    "case_consultation",
    "jury_session",
]
MeetingStatus = Literal["scheduled", "cancelled"]
# Sessions of a committee: decisions on applications are put on these.
SESSION_KINDS = frozenset({"committee_session", "jury_session"})

URL_MAX_LENGTH = 500


def _distinct(topics: list[str]) -> list[str]:
    return list(dict.fromkeys(topics))


Topics = Annotated[
    list[TopicSlug],  # type: ignore[valid-type]  # TopicSlug is built at run time
    Field(max_length=len(TOPICS)),
    AfterValidator(_distinct),
]


def _plausible_time(value: datetime) -> datetime:
    # Far-away years overflow when converted between zones; meetings happen in this century.
    if not 2000 <= value.year <= 2100:
        raise ValueError("must be between the years 2000 and 2100")
    return value


def _fits_the_column(url: HttpUrl) -> HttpUrl:
    if len(str(url)) > URL_MAX_LENGTH:
        raise ValueError(f"URL should have at most {URL_MAX_LENGTH} characters")
    return url


Time = Annotated[AwareDatetime, AfterValidator(_plausible_time)]
Url = Annotated[HttpUrl, AfterValidator(_fits_the_column)]
Capacity = Annotated[int, Field(ge=0, le=100000, description="Places; null: unlimited.")]


def check_times(starts_at: datetime, ends_at: datetime, deadline: datetime | None) -> None:
    """Raise ValueError unless the meeting ends after it starts and the deadline is before start."""
    if ends_at <= starts_at:
        raise ValueError("ends_at must be after starts_at")
    if deadline is not None and deadline > starts_at:
        raise ValueError("registration_deadline must not be after starts_at")


class MeetingCreate(RequestModel):
    """A new meeting or event."""

    kind: MeetingKind
    committee_id: uuid.UUID | None = Field(
        None, description="The committee whose session this is (required for sessions)."
    )
    title: Annotated[Text, Field(max_length=300)]
    description: Annotated[str, Field(max_length=10000)] | None = None
    region: RegionSlug | None = Field(
        None, description="Region slug (null/state: state level); a session takes its committee's."
    )
    starts_at: Time
    ends_at: Time
    location: Annotated[Text, Field(max_length=500)] | None = None
    online_url: Url | None = None
    capacity: Capacity | None = None
    registration_deadline: Time | None = None
    public: bool = False
    collects_participant_figures: bool = Field(
        False,
        description="The event's attendance carries ESF+ participant figures (by sex and age "
        "group, `PUT …/participant-figures`).",
    )
    topics: Topics = Field(
        default_factory=list, description="Topic slugs of the event (offers' `GET /topics`)."
    )

    @model_validator(mode="after")
    def _times(self) -> MeetingCreate:
        check_times(self.starts_at, self.ends_at, self.registration_deadline)
        return self


class MeetingUpdate(RequestModel):
    """A partial change (reschedule, move, capacity, …); only the fields sent are changed."""

    title: Annotated[Text, Field(max_length=300)] | None = None
    description: Annotated[str, Field(max_length=10000)] | None = None
    region: RegionSlug | None = None
    starts_at: Time | None = None
    ends_at: Time | None = None
    location: Annotated[Text, Field(max_length=500)] | None = None
    online_url: Url | None = None
    capacity: Capacity | None = None
    registration_deadline: Time | None = None
    public: bool | None = None
    collects_participant_figures: bool | None = None
    topics: Topics | None = None

    _not_null = field_validator(
        "title", "starts_at", "ends_at", "public", "collects_participant_figures", "topics"
    )(reject_null)


class MeetingCancel(RequestModel):
    """Why the meeting is cancelled (optional)."""

    reason: Annotated[str, Field(max_length=2000)] | None = None


class MeetingPublic(BaseModel):
    """A meeting or event."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: MeetingKind
    committee_id: uuid.UUID | None
    title: str
    description: str | None
    region: str | None = Field(description="Region slug; null for the state level.")
    starts_at: datetime
    ends_at: datetime
    location: str | None
    online_url: str | None
    capacity: int | None = Field(description="Places; null: unlimited.")
    registration_deadline: datetime | None
    public: bool
    status: MeetingStatus
    cancel_reason: str | None
    collects_participant_figures: bool = Field(
        False, description="Whether its attendance carries ESF+ participant figures."
    )
    topics: list[str] = Field(default_factory=list, description="Topic slugs of the event.")
    confirmed: int = Field(0, description="Confirmed registrations.")
    waitlisted: int = Field(0, description="Registrations on the waiting list.")
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, meeting: Meeting, counts: tuple[int, int] = (0, 0)) -> MeetingPublic:
        """The public view of a meeting row with its (confirmed, waitlisted) counts."""
        values: dict[str, Any] = meeting.model_dump()
        values["confirmed"], values["waitlisted"] = counts
        return cls.model_validate(values)


def stored_values(values: dict[str, Any]) -> dict[str, Any]:
    """Request values as the meeting row stores them (a URL as text)."""
    if values.get("online_url") is not None:
        values = values | {"online_url": str(values["online_url"])}
    return values


def meeting_event_data(meeting: Meeting) -> dict[str, Any]:
    """The fields ``meetings.meeting.*`` carry (``MeetingData``)."""
    return {
        "version": meeting.version,
        "id": str(meeting.id),
        "kind": meeting.kind,
        "committee_id": str(meeting.committee_id) if meeting.committee_id else None,
        "title": meeting.title,
        "region": meeting.region,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "location": meeting.location,
        "online_url": meeting.online_url,
        "public": meeting.public,
        "status": meeting.status,
        "collects_participant_figures": meeting.collects_participant_figures,
        "topics": list(meeting.topics),
    }


class AttendanceWrite(RequestModel):
    """Who attended; replaces the recorded list."""

    person_ids: Annotated[list[uuid.UUID], Field(max_length=1000)]

    @field_validator("person_ids")
    @classmethod
    def _unique(cls, value: list[uuid.UUID]) -> list[uuid.UUID]:
        return list(dict.fromkeys(value))


class AttendancePublic(BaseModel):
    """The persons recorded as present."""

    meeting_id: uuid.UUID
    person_ids: list[uuid.UUID]
