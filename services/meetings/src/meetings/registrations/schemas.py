"""Request and response bodies for registrations."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, EmailStr, Field

from meetings.common import Text
from meetings.models import Meeting, Registration
from schulerfolg.http.validation import RequestModel

RegistrationStatus = Literal["confirmed", "waitlisted", "cancelled"]


class RegistrationCreate(RequestModel):
    """Who registers. A signed-in caller known to the registry is linked to their person."""

    name: Annotated[Text, Field(max_length=200)]
    email: Annotated[EmailStr, Field(max_length=254)]
    organization: Annotated[Text, Field(max_length=300)] | None = None


class AttendanceChange(RequestModel):
    """Whether the registrant was present (``false`` undoes an earlier mark)."""

    attended: bool


class RegistrationPublic(BaseModel):
    """A registration and its place: confirmed, waitlisted (with position) or cancelled."""

    id: uuid.UUID
    meeting_id: uuid.UUID
    name: str
    email: str
    organization: str | None
    person_id: uuid.UUID | None
    status: RegistrationStatus
    waitlist_position: int | None = Field(
        description="1 = next to move up; null unless waitlisted."
    )
    promoted_at: datetime | None
    cancelled_at: datetime | None
    attended: bool = Field(description="Marked present by an organiser (issue 20).")
    attended_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, registration: Registration, position: int | None = None) -> RegistrationPublic:
        """The view of a registration with its waiting-list position."""
        values: dict[str, Any] = registration.model_dump()
        values["waitlist_position"] = position if registration.status == "waitlisted" else None
        values["attended"] = registration.attended_at is not None
        return cls.model_validate(values)


def registration_event_data(
    registration: Registration, meeting: Meeting, position: int | None
) -> dict[str, Any]:
    """The fields ``meetings.registration.*`` carry (``RegistrationData``)."""
    return {
        "version": registration.version,
        "id": str(registration.id),
        "meeting_id": str(meeting.id),
        "meeting_title": meeting.title,
        "meeting_starts_at": meeting.starts_at,
        "region": meeting.region,
        "status": registration.status,
        "waitlist_position": position if registration.status == "waitlisted" else None,
        "name": registration.name,
        "email": registration.email,
        "person_id": str(registration.person_id) if registration.person_id else None,
        "user_sub": registration.user_sub,
    }
