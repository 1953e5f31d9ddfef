"""Domain functions for meetings and events. They change state and append events; they never
commit."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from meetings.agenda import service as agenda
from meetings.committees.service import CommitteeNotFound, load_committee
from meetings.common import (
    Viewer,
    apply_changes,
    check_region_filter,
    invalid,
    normalise_region,
    subject_region,
)
from meetings.models import Committee, Meeting, outbox
from meetings.participation import service as participation
from meetings.registrations import service as registrations
from meetings.schedule import repository
from meetings.schedule.lookup import load_meeting, managed_meeting
from meetings.schedule.schemas import (
    SESSION_KINDS,
    MeetingCreate,
    MeetingUpdate,
    check_times,
    meeting_event_data,
    stored_values,
)
from schulerfolg.db import utcnow
from schulerfolg.events.meetings import MeetingCancelled, MeetingScheduled, MeetingUpdated
from schulerfolg.http.etag import check_if_match
from schulerfolg.http.pagination import PageParams
from schulerfolg.http.problems import Conflict

log = structlog.get_logger("meetings.schedule")


def visibility(viewer: Viewer) -> ColumnElement[bool]:
    """The meetings the caller sees (public ones for anonymous callers)."""
    principal = viewer.principal
    if principal is None:
        return repository.visible(everything=False, regions=(), committee_ids=())
    readers = principal.has_role("network_office", "steering_member")
    return repository.visible(
        everything=principal.has_role("state_coordinator"),
        regions=principal.regions if readers else (),
        committee_ids=viewer.committee_ids,
    )


async def list_meetings(
    *,
    session: AsyncSession,
    viewer: Viewer,
    page: PageParams,
    region: str | None = None,
    committee_id: uuid.UUID | None = None,
    kind: str | None = None,
    status: str | None = None,
    starts_after: datetime | None = None,
    starts_before: datetime | None = None,
) -> tuple[list[Meeting], str | None]:
    """The meetings the caller sees, one page by start time."""
    check_region_filter(region)
    return await repository.list_meetings(
        session,
        page=page,
        visibility=visibility(viewer),
        region=region,
        committee_id=committee_id,
        kind=kind,
        status=status,
        starts_after=starts_after,
        starts_before=starts_before,
    )


async def registration_counts(
    *, session: AsyncSession, meetings: list[Meeting]
) -> dict[uuid.UUID, tuple[int, int]]:
    """(confirmed, waitlisted) per meeting."""
    return await repository.registration_counts(session, [m.id for m in meetings])


async def _committee_of(session: AsyncSession, data: MeetingCreate) -> Committee | None:
    if data.committee_id is None:
        if data.kind in SESSION_KINDS:
            raise invalid("committee_id", "required", f"A {data.kind} needs a committee_id.")
        return None
    try:
        # Locked: a submitted application routed at the same time waits for this session.
        return await load_committee(
            session=session, committee_id=data.committee_id, for_update=True
        )
    except CommitteeNotFound as exc:
        raise invalid("committee_id", "unknown committee", str(exc.detail)) from exc


async def create_meeting(*, session: AsyncSession, viewer: Viewer, data: MeetingCreate) -> Meeting:
    """Schedule a meeting; a committee's session takes the applications waiting for it.

    Emits ``meetings.meeting.scheduled`` (and ``meetings.agenda.item_added`` per adopted item).
    """
    committee = await _committee_of(session, data)
    region = normalise_region(data.region)
    if committee is not None:
        if data.region is not None and region != committee.region:
            raise invalid(
                "region",
                "differs from the committee's",
                "A committee's meeting is in the committee's region.",
            )
        region = committee.region
    viewer.ensure_may_manage(region)
    values = stored_values(data.model_dump(exclude={"region"}))
    meeting = Meeting(**values, region=region)
    session.add(meeting)
    await session.flush()
    await outbox.append(
        session,
        MeetingScheduled(**meeting_event_data(meeting)),
        entity_id=str(meeting.id),
        region=subject_region(region),
    )
    log.info(
        "meetings.meeting.scheduled", meeting_id=str(meeting.id), region=subject_region(region)
    )
    if committee is not None and meeting.kind in SESSION_KINDS and meeting.starts_at > utcnow():
        await agenda.adopt_pending(
            session=session, committee=committee, meeting=meeting, actor=viewer.principal
        )
    return meeting


async def update_meeting(
    *,
    session: AsyncSession,
    viewer: Viewer,
    meeting_id: uuid.UUID,
    changes: MeetingUpdate,
    if_match: str | None,
) -> Meeting:
    """Reschedule or change a meeting; emits ``meetings.meeting.updated`` naming the changes.

    More places move waitlisted registrations up in order; fewer places than confirmed
    registrations are refused.
    """
    meeting = await managed_meeting(session=session, viewer=viewer, meeting_id=meeting_id)
    check_if_match(if_match, meeting.version)
    if meeting.status == "cancelled":
        raise Conflict("The meeting is cancelled and cannot be changed.", rule="meeting-cancelled")
    values: dict[str, Any] = stored_values(changes.model_dump(exclude_unset=True))
    if "region" in values:
        values["region"] = normalise_region(values["region"])
        if values["region"] != meeting.region:
            if meeting.committee_id is not None:
                raise invalid(
                    "region", "fixed", "A committee's meeting stays in the committee's region."
                )
            viewer.ensure_may_manage(values["region"])
    try:
        check_times(
            values.get("starts_at", meeting.starts_at),
            values.get("ends_at", meeting.ends_at),
            values.get("registration_deadline", meeting.registration_deadline),
        )
    except ValueError as exc:
        raise invalid("starts_at", "inconsistent times", str(exc)) from exc
    if "capacity" in values:
        await registrations.check_capacity(
            session=session, meeting=meeting, capacity=values["capacity"]
        )
    changed = apply_changes(meeting, values)
    if not changed:
        return meeting
    session.add(meeting)
    await session.flush()
    await outbox.append(
        session,
        MeetingUpdated(**meeting_event_data(meeting), changed=changed),
        entity_id=str(meeting.id),
        region=subject_region(meeting.region),
    )
    log.info("meetings.meeting.updated", meeting_id=str(meeting.id), changed=changed)
    if "capacity" in changed:
        await registrations.promote_waitlisted(
            session=session, meeting=meeting, actor=viewer.principal
        )
    return meeting


async def cancel_meeting(
    *,
    session: AsyncSession,
    viewer: Viewer,
    meeting_id: uuid.UUID,
    reason: str | None,
    if_match: str | None,
) -> Meeting:
    """Cancel a meeting; emits ``meetings.meeting.cancelled``.

    Undecided applications on a cancelled session go to the committee's next session, or back to
    its pending list.
    """
    # Lock order committee → meeting, as the routing of submitted applications takes them.
    committee: Committee | None = None
    unlocked = await load_meeting(session=session, meeting_id=meeting_id)
    if unlocked.committee_id is not None and unlocked.kind in SESSION_KINDS:
        committee = await load_committee(
            session=session, committee_id=unlocked.committee_id, for_update=True
        )
    meeting = await managed_meeting(session=session, viewer=viewer, meeting_id=meeting_id)
    check_if_match(if_match, meeting.version)
    if meeting.status == "cancelled":
        raise Conflict("The meeting is already cancelled.", rule="meeting-cancelled")
    meeting.status = "cancelled"
    meeting.cancel_reason = reason
    meeting.touch()
    session.add(meeting)
    await session.flush()
    await outbox.append(
        session,
        MeetingCancelled(**meeting_event_data(meeting), reason=reason),
        entity_id=str(meeting.id),
        region=subject_region(meeting.region),
    )
    log.info("meetings.meeting.cancelled", meeting_id=str(meeting.id))
    if committee is not None:
        await agenda.reroute_open_items(
            session=session, committee=committee, meeting=meeting, actor=viewer.principal
        )
    return meeting


async def get_attendance(
    *, session: AsyncSession, viewer: Viewer, meeting_id: uuid.UUID
) -> list[uuid.UUID]:
    """Who attended; for organisers and members."""
    meeting = await load_meeting(session=session, meeting_id=meeting_id)
    if not viewer.may_read_internals(meeting):
        raise viewer.refuse("this meeting's attendance")
    return await repository.attendance(session, meeting.id)


async def set_attendance(
    *, session: AsyncSession, viewer: Viewer, meeting_id: uuid.UUID, person_ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    """Replace who attended (it decides the quorum); for organisers. Announces
    ``meetings.meeting.attendance_recorded`` (the count and any participant figures)."""
    meeting = await managed_meeting(session=session, viewer=viewer, meeting_id=meeting_id)
    await repository.replace_attendance(session, meeting.id, person_ids)
    await participation.announce(session, meeting)
    return await repository.attendance(session, meeting.id)
