"""Read models from other services' events: the recipient directory (registry persons),
committee memberships, meetings and registrations (meetings). Each applies an update only
when it is newer than what it holds (events may overtake each other on retry)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from notifications.dispatch.service import Addressee
from notifications.models import CommitteeMember, Meeting, Recipient, Registration
from notifications.privacy import repository as privacy
from schulerfolg.db import upsert_newer, utcnow
from schulerfolg.events.meetings import MeetingData, MemberData, RegistrationData
from schulerfolg.events.registry import PersonData

log = structlog.get_logger("notifications.directory")


@dataclass(frozen=True)
class ErasedPerson:
    """What a person's erasure changed, and the values it knew them by before the wipe."""

    counts: dict[str, int]
    known: list[str]


OFFICE_STAFF = "network_office_staff"  # registry's person function of network office staff
RECEIVING_REGISTRATIONS = ("confirmed", "promoted")  # who gets reminders
ACTIVE_REGISTRATIONS = ("confirmed", "promoted", "waitlisted")  # who hears about changes


MEETING_FIELDS = (
    "version",
    "kind",
    "title",
    "region",
    "starts_at",
    "ends_at",
    "location",
    "online_url",
    "status",
)


def _text(value: uuid.UUID | None) -> str | None:
    """An id as this service's read models keep it (text)."""
    return None if value is None else str(value)


def _locked(session: AsyncSession, statement: Select[Any]) -> Select[Any]:
    """``statement`` locking its rows on PostgreSQL (SQLite serialises writers anyway)."""
    return (
        statement.with_for_update()
        if session.get_bind().dialect.name == "postgresql"
        else statement
    )


# --------------------------------------------------------------------------- persons


async def apply_person(session: AsyncSession, data: PersonData) -> bool:
    """Store a person's created/updated data if newer; never revive an erased person."""
    return await upsert_newer(
        session,
        Recipient,
        {
            "id": str(data.id),
            "version": data.version,
            "name": data.name,
            "email": data.email,
            "user_sub": data.user_sub,
            "function": data.function,
            "organization_id": _text(data.organization_id),
            "school_id": _text(data.school_id),
            "region": data.region,
            "updated_at": utcnow(),
        },
        unless=col(Recipient.erased_at).is_not(None),
    )


async def erase_person(session: AsyncSession, erased: uuid.UUID) -> ErasedPerson:
    """Erase everything held about a person (GDPR): their data, inbox entries, e-mails (pending
    ones deleted, sent ones anonymised), digest items, registrations, memberships, preferences
    and reminders to their address. Only a tombstone with the id stays, so later events about
    them change nothing. Returns the counts and the values known before the wipe (the needles
    for the platform tables' copies)."""
    person_id = str(erased)
    held = (
        await session.scalars(
            _locked(session, select(Recipient).where(col(Recipient.id) == person_id))
        )
    ).first()
    subject = await privacy.subject_of_person(session, held, person_id)
    counts = await privacy.erase(session, subject)
    log.info("notifications.person_erased", person_id=person_id, **counts)
    return ErasedPerson(counts=counts, known=[*sorted(subject.emails), person_id])


async def is_erased(session: AsyncSession, person_id: uuid.UUID | str | None) -> bool:
    """Whether ``person_id`` names an erased person."""
    if person_id is None:
        return False
    erased = await session.scalar(
        select(col(Recipient.erased_at)).where(col(Recipient.id) == str(person_id))
    )
    return erased is not None


def _current() -> Any:
    """Persons not erased."""
    return col(Recipient.erased_at).is_(None)


async def office_staff(session: AsyncSession, region: str | None) -> list[Addressee]:
    """The network office staff of ``region``."""
    statement = (
        select(Recipient)
        .where(_current(), col(Recipient.function) == OFFICE_STAFF, col(Recipient.region) == region)
        .order_by(col(Recipient.id))
    )
    return [Addressee.of(r) for r in (await session.scalars(statement)).all()]


async def school_persons(session: AsyncSession, school_ids: Iterable[uuid.UUID]) -> list[Addressee]:
    """Every person attached to one of the schools."""
    ids = [str(school_id) for school_id in school_ids]
    if not ids:
        return []
    statement = (
        select(Recipient)
        .where(_current(), col(Recipient.school_id).in_(ids))
        .order_by(col(Recipient.id))
    )
    return [Addressee.of(r) for r in (await session.scalars(statement)).all()]


async def application_audience(
    session: AsyncSession, school_ids: Iterable[Any], contact: Any
) -> list[Addressee]:
    """Who hears of a decision on an application and of the money after it (CONTRACT.md's rule
    for „application decided“): the persons of its schools and its contact — an event's
    ``Contact``, or its JSON form in a stored reminder; none when null (erased)."""
    if isinstance(contact, dict):
        contact = Addressee(contact.get("name"), contact.get("email"))
    elif contact is not None:
        contact = Addressee(contact.name, contact.email)
    persons = await school_persons(session, school_ids)
    return [*persons, contact] if contact is not None else persons


# --------------------------------------------------------------------------- committees


async def apply_membership(session: AsyncSession, data: MemberData, *, active: bool) -> bool:
    """Add or remove a committee member if the committee version is newer than held."""
    if active and await is_erased(session, data.person_id):
        return False
    return await upsert_newer(
        session,
        CommitteeMember,
        {
            "committee_id": str(data.committee_id),
            "person_id": str(data.person_id),
            "role": data.role,
            "active": active,
            "committee_version": data.committee_version,
        },
        version="committee_version",
    )


async def committee_members(session: AsyncSession, committee_id: str | None) -> list[Addressee]:
    """The current members of a committee who are known persons."""
    if committee_id is None:
        return []
    statement = (
        select(Recipient)
        .join(CommitteeMember, col(CommitteeMember.person_id) == col(Recipient.id))
        .where(
            col(CommitteeMember.committee_id) == committee_id,
            col(CommitteeMember.active).is_(True),
            _current(),
        )
        .order_by(col(Recipient.id))
    )
    return [Addressee.of(r) for r in (await session.scalars(statement)).all()]


# --------------------------------------------------------------------------- meetings


async def get_meeting(session: AsyncSession, meeting_id: str) -> Meeting | None:
    """A meeting as held here."""
    return await session.get(Meeting, meeting_id)


async def apply_meeting(session: AsyncSession, data: MeetingData) -> Meeting | None:
    """Store the meeting if the event is newer than what is held; the stored meeting, or None
    for a stale event."""
    values = {field: getattr(data, field) for field in MEETING_FIELDS}
    values |= {"id": str(data.id), "committee_id": _text(data.committee_id)}
    if not await upsert_newer(session, Meeting, values):
        return None
    return await session.get(Meeting, values["id"], populate_existing=True)


async def apply_registration(session: AsyncSession, data: RegistrationData) -> bool:
    """Store the registration if newer than held (never for an erased person)."""
    if await is_erased(session, data.person_id):
        return False
    return await upsert_newer(
        session,
        Registration,
        {
            "id": str(data.id),
            "meeting_id": str(data.meeting_id),
            "version": data.version,
            "status": data.status,
            "name": data.name,
            "email": data.email,
            "person_id": _text(data.person_id),
            "user_sub": data.user_sub,
        },
        unless=col(Registration.status) == privacy.ERASED,  # pseudonymised: stays so
    )


async def registrants(
    session: AsyncSession, meeting_id: str, statuses: tuple[str, ...]
) -> list[Addressee]:
    """The registrants of a meeting with one of ``statuses``."""
    statement = (
        select(Registration)
        .where(col(Registration.meeting_id) == meeting_id, col(Registration.status).in_(statuses))
        .order_by(col(Registration.id))
    )
    return [
        Addressee(r.name, r.email, r.person_id, r.user_sub)
        for r in (await session.scalars(statement)).all()
    ]


async def meeting_audience(
    session: AsyncSession, meeting: Meeting, statuses: tuple[str, ...] = ACTIVE_REGISTRATIONS
) -> list[Addressee]:
    """Committee members, then registrants (each once)."""
    return [
        *await committee_members(session, meeting.committee_id),
        *await registrants(session, meeting.id, statuses),
    ]
