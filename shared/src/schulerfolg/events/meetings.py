"""Events published by the meetings service (stream ``MEETINGS``).

Entity events carry the entity's ``version`` after the change (apply only if newer). Meeting and
registration events carry the meeting's title and times so notifications can write their e-mails
without asking meetings.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from schulerfolg.events.base import EventPayload, event_name
from schulerfolg.participants import ParticipantFigures

VERSION_DOC = "The entity's version after the change: apply only if newer than what you hold."


class CommitteeData(EventPayload):
    """A committee (steering group, working group, youth jury, …)."""

    version: int = Field(description=VERSION_DOC)
    id: UUID
    name: str
    kind: str
    region: str | None = Field(None, description="Region slug, or null for the state level.")
    quorum: int


@event_name("meetings.committee.created", version=1)
class CommitteeCreated(CommitteeData):
    """A committee was set up."""


@event_name("meetings.committee.updated", version=1)
class CommitteeUpdated(CommitteeData):
    """A committee's details changed."""


class MemberData(EventPayload):
    """A committee membership (a registry person in a role)."""

    committee_id: UUID
    committee_version: int = Field(description="The committee's version after the change.")
    person_id: UUID
    role: str
    voting: bool
    region: str | None = None


@event_name("meetings.committee.member_added", version=1)
class CommitteeMemberAdded(MemberData):
    """A person joined a committee (or their role or vote changed)."""


@event_name("meetings.committee.member_removed", version=1)
class CommitteeMemberRemoved(MemberData):
    """A person left a committee."""


class MeetingData(EventPayload):
    """A meeting or event as notifications and calendars need it."""

    version: int = Field(description=VERSION_DOC)
    id: UUID
    kind: str
    committee_id: UUID | None = None
    title: str
    region: str | None = None
    starts_at: datetime
    ends_at: datetime
    location: str | None = None
    online_url: str | None = None
    public: bool = False
    status: str = Field(description="`scheduled` or `cancelled`.")
    collects_participant_figures: bool = Field(
        False, description="Whether the event's attendance carries ESF+ participant figures."
    )
    topics: list[str] = Field(
        [], description="The topic slugs of the event (schulerfolg.topics; GET /api/v1/topics)."
    )


@event_name("meetings.meeting.scheduled", version=1)
class MeetingScheduled(MeetingData):
    """A meeting was scheduled."""


@event_name("meetings.meeting.updated", version=1)
class MeetingUpdated(MeetingData):
    """A meeting changed (time, place, …); ``changed`` names the fields."""

    changed: list[str] = []


@event_name("meetings.meeting.cancelled", version=1)
class MeetingCancelled(MeetingData):
    """A meeting was cancelled."""

    reason: str | None = None


@event_name("meetings.meeting.attendance_recorded", version=1)
class AttendanceRecorded(EventPayload):
    """A meeting's attendance was recorded or changed: how many took part and, where the event
    collects them, the ESF+ participant figures. Counts only, never who."""

    version: int = Field(
        description="The attendance record's version after the change: apply only if newer."
    )
    meeting_id: UUID
    kind: str
    committee_id: UUID | None = None
    region: str | None = None
    starts_at: datetime
    present: int = Field(description="How many attended (as recorded).")
    participants: ParticipantFigures | None = Field(
        None, description="ESF+ participant figures (aggregates), where collected."
    )


class RegistrationData(EventPayload):
    """A registration for a meeting; carries the registrant's contact for the confirmation."""

    version: int = Field(description=VERSION_DOC)
    id: UUID
    meeting_id: UUID
    meeting_title: str
    meeting_starts_at: datetime
    region: str | None = None
    status: str = Field(description="`confirmed`, `waitlisted` or `cancelled`.")
    waitlist_position: int | None = None
    name: str
    email: str
    person_id: UUID | None = None
    user_sub: str | None = None


@event_name("meetings.registration.confirmed", version=1)
class RegistrationConfirmed(RegistrationData):
    """A registration got a place."""


@event_name("meetings.registration.waitlisted", version=1)
class RegistrationWaitlisted(RegistrationData):
    """A registration is on the waiting list."""


@event_name("meetings.registration.promoted", version=1)
class RegistrationPromoted(RegistrationData):
    """A waitlisted registration moved up to a place after a cancellation."""


@event_name("meetings.registration.cancelled", version=1)
class RegistrationCancelled(RegistrationData):
    """A registration was cancelled."""


@event_name("meetings.registration.attended", version=1)
class RegistrationAttended(RegistrationData):
    """An organiser marked a confirmed registrant as present (issue 20). Where the event issues
    participation certificates, notifications mails the registrant the download link (the web's
    ``/veranstaltungen/{meeting_id}/anmeldungen/{id}/teilnahmebescheinigung``)."""

    certificate: bool = Field(
        False, description="Whether a participation certificate can be downloaded."
    )


@event_name("meetings.agenda.item_added", version=1)
class AgendaItemAdded(EventPayload):
    """An item was put on a meeting's agenda (by hand or from a submitted application)."""

    id: UUID
    meeting_id: UUID
    committee_id: UUID | None = None
    region: str | None = None
    kind: str = Field(description="`decision`, `discussion` or `information`.")
    title: str
    position: int
    application_id: UUID | None = None


class Votes(BaseModel):
    """The vote count of a decision."""

    yes: int = 0
    no: int = 0
    abstain: int = 0


@event_name("meetings.decision.recorded", version=1)
class DecisionRecorded(EventPayload):
    """A committee decided on an agenda item; offers applies it to the application."""

    id: UUID = Field(description="The decision's id (offers applies each decision once).")
    meeting_id: UUID | None = Field(
        None, description="The session that decided; null for a circular decision."
    )
    agenda_item_id: UUID
    circular_id: UUID | None = Field(
        None, description="The circular (Umlaufverfahren) that decided, if not a session."
    )
    committee_id: UUID | None = None
    region: str | None = None
    application_id: UUID | None = None
    outcome: str = Field(description="`approved`, `rejected` or `returned`.")
    approved_cents: int | None = None
    conditions: str | None = None
    reason: str | None = None
    votes: Votes = Votes()
    decided_at: datetime


@event_name("meetings.minutes.published", version=1)
class MinutesPublished(EventPayload):
    """A meeting's minutes were published (read-only from now on)."""

    meeting_id: UUID
    committee_id: UUID | None = None
    region: str | None = None
    title: str
    published_at: datetime


# --- circular decisions (issue 20): ids, counts and the deadline only — the persons are ids of
# registry persons (notifications knows their addresses).


class CircularData(EventPayload):
    """A circular decision (Umlaufverfahren) of a committee."""

    id: UUID
    committee_id: UUID
    region: str | None = None
    title: str
    application_id: UUID | None = None
    deadline: datetime


@event_name("meetings.circular.started", version=1)
class CircularStarted(CircularData):
    """A committee's organisers started a circular; its voting members are asked to vote."""

    voter_ids: list[UUID] = Field(
        default_factory=list, description="The voting members who are not recused."
    )
    recused_ids: list[UUID] = Field(default_factory=list)


@event_name("meetings.circular.reminded", version=1)
class CircularReminded(CircularData):
    """The deadline is near: the members who have not voted yet are reminded (once)."""

    voter_ids: list[UUID] = Field(default_factory=list, description="Those who have not voted.")


@event_name("meetings.circular.decided", version=1)
class CircularDecided(CircularData):
    """Quorum reached: the majority decided (``approved``: more yes than no, else ``rejected``)."""

    outcome: str
    votes: Votes = Votes()
    voter_ids: list[UUID] = Field(default_factory=list, description="Those who were asked.")


@event_name("meetings.circular.failed", version=1)
class CircularFailed(CircularData):
    """No quorum when the votes were in or the deadline passed: nothing is decided."""

    votes: Votes = Votes()
    quorum: int
    voter_ids: list[UUID] = Field(default_factory=list, description="Those who were asked.")
