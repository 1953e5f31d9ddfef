"""Which meetings event notifies whom (meetings' events), and the read models they keep:

- committee member added / removed → the membership read model (no one is told);
- meeting scheduled / updated / cancelled → committee members and registrants (reminders 7 and
  1 days before are stored, moved or dropped); an update of nothing people plan around (say,
  the capacity) mails no one;
- registration confirmed / waitlisted / promoted → the registrant; cancelled → the read model.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.directory import repository as directory
from notifications.dispatch.service import Addressee, Notifier
from notifications.reminders import service as reminders
from schulerfolg.events import CloudEvent
from schulerfolg.events import meetings as m
from schulerfolg.events.base import EventPayload

MEETING_CHANGES: dict[type[EventPayload], str] = {
    m.MeetingScheduled: "meeting_scheduled",
    m.MeetingUpdated: "meeting_updated",
    m.MeetingCancelled: "meeting_cancelled",
}
REGISTRATION_NEWS: dict[type[EventPayload], str] = {
    m.RegistrationConfirmed: "registration_confirmed",
    m.RegistrationWaitlisted: "registration_waitlisted",
    m.RegistrationPromoted: "registration_promoted",
}
# What people plan around: a change of anything else (capacity, description, …) mails no one.
NOTEWORTHY_CHANGES = frozenset(
    {"title", "kind", "starts_at", "ends_at", "location", "online_url", "status"}
)


async def handle(notifier: Notifier, session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Memberships, meetings and registrations."""
    data = event.data
    source_id = str(event.id)
    if isinstance(data, m.CommitteeMemberAdded | m.CommitteeMemberRemoved):
        await directory.apply_membership(
            session, data, active=isinstance(data, m.CommitteeMemberAdded)
        )
    elif type(data) in MEETING_CHANGES:
        meeting = await directory.apply_meeting(session, data)
        if meeting is None:
            return  # an older state than the one held: nothing to tell anyone
        await reminders.schedule_meeting(session, meeting, now=notifier.signals.now())
        changed = set(getattr(data, "changed", ()))
        if changed and not changed & NOTEWORTHY_CHANGES:
            return
        await notifier.notify(
            session,
            kind=MEETING_CHANGES[type(data)],
            source_id=source_id,
            link=f"/meetings/{meeting.id}",
            addressees=await directory.meeting_audience(session, meeting),
            m=meeting,
            reason=getattr(data, "reason", None),
        )
    elif isinstance(data, m.RegistrationData):
        newer = await directory.apply_registration(session, data)
        if newer and type(data) in REGISTRATION_NEWS:
            await notifier.notify(
                session,
                kind=REGISTRATION_NEWS[type(data)],
                source_id=source_id,
                link=f"/meetings/{data.meeting_id}",
                addressees=[Addressee.of_registration(data)],
                reg=data.model_dump(mode="json"),
            )
