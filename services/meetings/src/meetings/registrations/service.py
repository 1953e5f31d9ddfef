"""Domain functions for registrations. They change state and append events; they never commit.

Fairness: every registration and cancellation of a meeting first locks the meeting's row
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises writers anyway). Under that lock the
registration takes the next arrival number and its status, so places go strictly in arrival
order, and a freed place goes to the first on the waiting list exactly once.
"""

from __future__ import annotations

import asyncio
import uuid

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from meetings.certificates import render
from meetings.common import Viewer, audit, subject_region
from meetings.models import Meeting, Registration, outbox
from meetings.participation import service as participation
from meetings.persons import repository as persons
from meetings.registrations import repository
from meetings.registrations.schemas import RegistrationCreate, registration_event_data
from meetings.schedule.lookup import get_meeting, load_meeting, managed_meeting
from schulerfolg.auth import Principal
from schulerfolg.db import insert_entity, utcnow
from schulerfolg.events.meetings import (
    RegistrationAttended,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationPromoted,
    RegistrationWaitlisted,
)
from schulerfolg.http.etag import check_if_match
from schulerfolg.http.pagination import PageParams
from schulerfolg.http.problems import Conflict, Forbidden, NotFound
from schulerfolg.local_time import berlin_day

# The audit actor of a registration made without a token.
ANONYMOUS = "anonymous"

log = structlog.get_logger("meetings.registrations")


class RegistrationNotFound(NotFound):
    """The meeting has no registration with that id."""

    slug = "registration-not-found"

    def __init__(self, registration_id: uuid.UUID) -> None:
        super().__init__(f"There is no registration {registration_id} for this meeting.")


def _ensure_open(meeting: Meeting) -> None:
    now = utcnow()
    if meeting.status == "cancelled":
        raise Conflict(
            "The meeting is cancelled; registrations are closed.", rule="meeting-cancelled"
        )
    if meeting.starts_at <= now:
        raise Conflict(
            "The meeting has begun; registrations are closed.", rule="registration-closed"
        )
    if meeting.registration_deadline is not None and meeting.registration_deadline < now:
        raise Conflict("The registration deadline has passed.", rule="registration-deadline-passed")


async def register(
    *, session: AsyncSession, viewer: Viewer, meeting_id: uuid.UUID, data: RegistrationCreate
) -> tuple[Registration, int | None]:
    """Register for a meeting: confirmed while places are free, else waitlisted.

    Public meetings take anyone (no token needed); other meetings take those who may see them
    (members of the committee, the region's offices and steering members). Emits
    ``meetings.registration.confirmed`` or ``.waitlisted``.
    """
    await get_meeting(session=session, viewer=viewer, meeting_id=meeting_id)
    meeting = await load_meeting(session=session, meeting_id=meeting_id, for_update=True)
    _ensure_open(meeting)
    if await repository.active_with_email(session, meeting.id, data.email):
        raise Conflict(
            "This e-mail address is already registered for the meeting.", rule="already-registered"
        )
    if meeting.capacity is None:
        status = "confirmed"
    else:
        confirmed = await repository.count_with_status(session, meeting.id, "confirmed")
        status = "confirmed" if confirmed < meeting.capacity else "waitlisted"
    meeting.registration_seq += 1
    session.add(meeting)
    principal = viewer.principal
    registration = Registration(
        meeting_id=meeting.id,
        seq=meeting.registration_seq,
        name=data.name,
        email=data.email,
        organization=data.organization,
        person_id=await persons.person_id_of_user(session, principal.sub) if principal else None,
        user_sub=principal.sub if principal else None,
        status=status,
    )
    await insert_entity(session, registration)  # Core: the ORM's unit of work costs here
    await audit(
        session, principal or ANONYMOUS, "registration.created", "registrations", registration.id
    )
    position = (
        await repository.waitlist_position(session, registration)
        if status == "waitlisted"
        else None
    )
    payload_class = RegistrationConfirmed if status == "confirmed" else RegistrationWaitlisted
    await outbox.append(
        session,
        payload_class(**registration_event_data(registration, meeting, position)),
        entity_id=str(registration.id),
        region=subject_region(meeting.region),
    )
    log.info(
        f"meetings.registration.{status}",
        meeting_id=str(meeting.id),
        registration_id=str(registration.id),
        seq=registration.seq,
    )
    return registration, position


async def position_of(*, session: AsyncSession, registration: Registration) -> int | None:
    """The waiting-list position of a registration (None unless waitlisted)."""
    if registration.status != "waitlisted":
        return None
    return await repository.waitlist_position(session, registration)


async def list_registrations(
    *,
    session: AsyncSession,
    viewer: Viewer,
    meeting_id: uuid.UUID,
    page: PageParams,
    status: str | None = None,
) -> tuple[list[tuple[Registration, int | None]], str | None]:
    """A meeting's registrations in arrival order, for its organisers."""
    meeting = await get_meeting(session=session, viewer=viewer, meeting_id=meeting_id)
    viewer.ensure_may_manage(meeting.region)
    rows, next_cursor = await repository.list_registrations(
        session, meeting.id, page=page, status=status
    )
    positioned: list[tuple[Registration, int | None]] = []
    next_position: int | None = None
    for registration in rows:
        position = None
        if registration.status == "waitlisted":
            if next_position is None:
                next_position = await repository.waitlist_position(session, registration)
            position, next_position = next_position, next_position + 1
        positioned.append((registration, position))
    return positioned, next_cursor


def _ensure_registrant_or_organiser(
    viewer: Viewer, meeting: Meeting, registration: Registration, what: str
) -> None:
    """The registrant — signed in as who registered, or for a registration made without a token
    whoever holds its id (it was only ever given to the registrant) — or an organiser (401/403
    otherwise)."""
    principal = viewer.principal
    own = registration.user_sub is None or (
        principal is not None and principal.sub == registration.user_sub
    )
    if not own and not viewer.may_manage(meeting.region):
        raise (
            viewer.refuse("this registration")
            if principal is None
            else Forbidden(f"Only the registrant or the meeting's organisers may {what}.")
        )


async def cancel_registration(
    *,
    session: AsyncSession,
    viewer: Viewer,
    meeting_id: uuid.UUID,
    registration_id: uuid.UUID,
    if_match: str | None = None,
) -> None:
    """Cancel a registration; a freed place goes to the first on the waiting list.

    Allowed for the organisers, for the signed-in registrant, and — for a registration made
    without a token — for whoever holds its id (it was only ever given to the registrant).
    Cancelling twice changes nothing. Emits ``meetings.registration.cancelled`` (and
    ``.promoted`` for the one who moves up).
    """
    meeting = await load_meeting(session=session, meeting_id=meeting_id, for_update=True)
    registration = await repository.get_registration(
        session, meeting.id, registration_id, for_update=True
    )
    if registration is None:
        raise RegistrationNotFound(registration_id)
    principal = viewer.principal
    _ensure_registrant_or_organiser(viewer, meeting, registration, "cancel this registration")
    check_if_match(if_match, registration.version)
    if registration.status == "cancelled":
        return
    was_confirmed = registration.status == "confirmed"
    registration.status = "cancelled"
    registration.cancelled_at = utcnow()
    registration.touch()
    session.add(registration)
    await session.flush()
    await audit(
        session, principal or ANONYMOUS, "registration.cancelled", "registrations", registration.id
    )
    await outbox.append(
        session,
        RegistrationCancelled(**registration_event_data(registration, meeting, None)),
        entity_id=str(registration.id),
        region=subject_region(meeting.region),
    )
    log.info(
        "meetings.registration.cancelled",
        meeting_id=str(meeting.id),
        registration_id=str(registration.id),
    )
    if was_confirmed and meeting.status == "scheduled":
        await promote_waitlisted(session=session, meeting=meeting, actor=principal or ANONYMOUS)


async def check_capacity(*, session: AsyncSession, meeting: Meeting, capacity: int | None) -> None:
    """Refuse fewer places than there are confirmed registrations (409)."""
    if capacity is None:
        return
    confirmed = await repository.count_with_status(session, meeting.id, "confirmed")
    if capacity < confirmed:
        raise Conflict(
            f"{confirmed} registrations are confirmed; the capacity cannot be set below that.",
            rule="capacity-below-confirmed",
        )


async def promote_waitlisted(
    *, session: AsyncSession, meeting: Meeting, actor: Principal | str | None
) -> list[Registration]:
    """Move waitlisted registrations up, in arrival order, into the free places (meeting locked);
    ``actor`` caused it (a cancellation, more places)."""
    if meeting.capacity is None:
        free = None
    else:
        confirmed = await repository.count_with_status(session, meeting.id, "confirmed")
        free = meeting.capacity - confirmed
        if free <= 0:
            return []
    promoted = await repository.first_waitlisted(session, meeting.id, free)
    now = utcnow()
    for registration in promoted:
        registration.status = "confirmed"
        registration.promoted_at = now
        registration.touch()
        session.add(registration)
        await audit(session, actor, "registration.promoted", "registrations", registration.id)
    await session.flush()
    await outbox.append_many(
        session,
        [
            (
                RegistrationPromoted(**registration_event_data(r, meeting, None)),
                str(r.id),
                subject_region(meeting.region),
            )
            for r in promoted
        ],
    )
    for registration in promoted:
        log.info(
            "meetings.registration.promoted",
            meeting_id=str(meeting.id),
            registration_id=str(registration.id),
        )
    return promoted


# --------------------------------------------------------------------------- attendance (issue 20)


async def set_attended(
    *,
    session: AsyncSession,
    viewer: Viewer,
    meeting_id: uuid.UUID,
    registration_id: uuid.UUID,
    attended: bool,
    if_match: str | None = None,
) -> tuple[Registration, int | None]:
    """Mark a confirmed registrant present (or undo it); for the meeting's organisers, for every
    registrant (registry person or not). Only once the meeting has begun and unless it was
    cancelled (409). A change bumps the attendance record (``meetings.meeting.attendance_recorded``,
    ``present`` counts attended registrants too); marking present also announces
    ``meetings.registration.attended`` (with ``certificate`` where the event issues one).
    Setting the state it already has changes nothing."""
    meeting = await managed_meeting(session=session, viewer=viewer, meeting_id=meeting_id)
    registration = await repository.get_registration(
        session, meeting.id, registration_id, for_update=True
    )
    if registration is None:
        raise RegistrationNotFound(registration_id)
    check_if_match(if_match, registration.version)
    if meeting.status == "cancelled":
        raise Conflict("The meeting is cancelled: nobody attended it.", rule="meeting-cancelled")
    if meeting.starts_at > utcnow():
        raise Conflict(
            "The meeting has not begun yet; attendance is recorded from its start.",
            rule="meeting-not-started",
        )
    if registration.status != "confirmed":
        raise Conflict(
            f"Only confirmed registrations can be marked as present; this one is "
            f"{registration.status}.",
            rule="registration-not-confirmed",
        )
    if (registration.attended_at is not None) == attended:
        return registration, None
    registration.attended_at = utcnow() if attended else None
    registration.touch()
    session.add(registration)
    await session.flush()
    action = "registration.attended" if attended else "registration.attendance_undone"
    await audit(session, viewer.principal, action, "registrations", registration.id)
    if attended:
        await outbox.append(
            session,
            RegistrationAttended(
                **registration_event_data(registration, meeting, None),
                certificate=meeting.kind in render.CERTIFICATE_KINDS,
            ),
            entity_id=str(registration.id),
            region=subject_region(meeting.region),
        )
    await participation.announce(session, meeting)
    log.info(
        action.replace("registration.", "meetings.registration."),
        meeting_id=str(meeting.id),
        registration_id=str(registration.id),
    )
    return registration, None


async def certificate(
    *,
    session: AsyncSession,
    viewer: Viewer,
    meeting_id: uuid.UUID,
    registration_id: uuid.UUID,
) -> tuple[Registration, bytes]:
    """The participation certificate of an attended registration as a PDF, rendered now (nothing
    is stored). For the organisers, the signed-in registrant, and — for a registration made
    without a token — whoever holds its id (the link in the registrant's e-mail), as for
    cancelling. 404 for an unknown registration; 409 for an event without certificates, a
    registrant not marked present, or an anonymised registration."""
    meeting = await load_meeting(session=session, meeting_id=meeting_id)
    registration = await repository.get_registration(session, meeting.id, registration_id)
    if registration is None:
        raise RegistrationNotFound(registration_id)
    _ensure_registrant_or_organiser(viewer, meeting, registration, "fetch this certificate")
    if meeting.kind not in render.CERTIFICATE_KINDS:
        raise Conflict(
            f"A {meeting.kind} issues no participation certificates.",
            rule="no-certificates-for-kind",
        )
    if registration.attended_at is None or registration.status != "confirmed":
        raise Conflict(
            "The registrant was not marked as present; there is no certificate.",
            rule="not-attended",
        )
    if not registration.email:
        raise Conflict(
            "The registration was anonymised; it has no certificate.", rule="registration-erased"
        )
    facts = render.CertificateFacts(
        name=registration.name,
        kind=meeting.kind,
        title=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        place=meeting.location or ("online" if meeting.online_url else "–"),
        organiser=render.organiser_of(meeting.region),
        issued_on=berlin_day(utcnow()),
    )
    return registration, await asyncio.to_thread(render.pdf, facts)
