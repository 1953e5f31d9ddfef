"""The contract's rules: which event notifies whom, and the read models events keep.

- application submitted → network office staff of the region and the applicant contact;
- decided (approved / rejected / returned) → the applicant contact and the schools' persons;
  approved also stores the report-due reminder;
- a committee decision offers refused → network office staff of the region;
- meeting scheduled / updated / cancelled → committee members and registrants (reminders 7 and
  1 days before are stored, moved or dropped); an update of nothing people plan around (say,
  the capacity) mails no one;
- registration confirmed / waitlisted / promoted → the registrant.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from notifications import reminders
from notifications.directory import repository as directory
from notifications.dispatch import Addressee, Notifier, normalize_email
from schulerfolg.events import CloudEvent
from schulerfolg.events import meetings as m
from schulerfolg.events import offers as o
from schulerfolg.events import registry as r
from schulerfolg.events.base import EventPayload

Handler = Callable[[AsyncSession, CloudEvent[Any]], Awaitable[None]]

DECISIONS: dict[type[EventPayload], str] = {
    o.ApplicationApproved: "application_approved",
    o.ApplicationRejected: "application_rejected",
    o.ApplicationReturned: "application_returned",
}
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
REPORT_SETTLED = (o.ApplicationReported, o.ApplicationCompleted, o.ApplicationWithdrawn)

REGISTRY_EVENTS = (r.PersonCreated, r.PersonUpdated, r.PersonErased)
OFFERS_EVENTS = (o.ApplicationSubmitted, o.ApplicationDecisionRefused, *DECISIONS, *REPORT_SETTLED)
MEETINGS_EVENTS = (
    m.CommitteeMemberAdded,
    m.CommitteeMemberRemoved,
    *MEETING_CHANGES,
    *REGISTRATION_NEWS,
    m.RegistrationCancelled,
)


def _contact(data: o.ApplicationData) -> Addressee:
    return Addressee(data.contact.name, data.contact.email)


class Rules:
    """The event handlers of the three consumers."""

    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier

    # ----------------------------------------------------------------- registry

    async def registry(self, session: AsyncSession, event: CloudEvent[Any]) -> None:
        """Keep the recipient directory; an erasure deletes everything about the person."""
        if isinstance(event.data, r.PersonErased):
            await directory.erase_person(session, event.data.id)
        else:
            await directory.apply_person(session, event.data)

    # ----------------------------------------------------------------- offers

    async def offers(self, session: AsyncSession, event: CloudEvent[Any]) -> None:
        """Applications submitted, decided or refused; report reminders."""
        data = event.data
        source_id = str(event.id)
        if isinstance(data, o.ApplicationSubmitted):
            await self._submitted(session, data, source_id)
        elif isinstance(data, o.ApplicationDecisionRefused):
            await self.notifier.notify(
                session,
                kind="decision_refused",
                source_id=source_id,
                link=f"/applications/{data.application_id}",
                addressees=await directory.office_staff(session, data.region),
                r=data.model_dump(mode="json"),
            )
        elif type(data) in DECISIONS:
            await self._decided(session, data, source_id, DECISIONS[type(data)])
        elif isinstance(data, REPORT_SETTLED):
            await reminders.cancel(session, kinds=(reminders.REPORT_DUE,), subject_id=str(data.id))

    async def _submitted(
        self, session: AsyncSession, data: o.ApplicationSubmitted, source_id: str
    ) -> None:
        staff = await directory.office_staff(session, data.region)
        application = data.model_dump(mode="json")
        link = f"/applications/{data.id}"
        await self.notifier.notify(
            session,
            kind="application_submitted",
            source_id=source_id,
            link=link,
            addressees=staff,
            a=application,
            audience="office",
        )
        staff_emails = {normalize_email(a.email) for a in staff}
        if normalize_email(data.contact.email) not in staff_emails:
            await self.notifier.notify(
                session,
                kind="application_submitted",
                source_id=source_id,
                link=link,
                addressees=[_contact(data)],
                a=application,
                audience="applicant",
            )

    async def _decided(
        self, session: AsyncSession, data: o.DecisionData, source_id: str, kind: str
    ) -> None:
        application = data.model_dump(mode="json")
        await self.notifier.notify(
            session,
            kind=kind,
            source_id=source_id,
            link=f"/applications/{data.id}",
            addressees=[*await directory.school_persons(session, data.school_ids), _contact(data)],
            a=application,
        )
        if isinstance(data, o.ApplicationApproved):
            now = self.notifier.signals.now()
            await reminders.schedule_report(
                session,
                application=application,
                report_due=data.report_due,
                due_at=reminders.report_reminder_at(
                    data.report_due,
                    days_before=self.notifier.settings.report_reminder_days,
                    now=now,
                ),
            )

    # ----------------------------------------------------------------- meetings

    async def meetings(self, session: AsyncSession, event: CloudEvent[Any]) -> None:
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
            await reminders.schedule_meeting(session, meeting, now=self.notifier.signals.now())
            changed = set(getattr(data, "changed", ()))
            if changed and not changed & NOTEWORTHY_CHANGES:
                return
            await self.notifier.notify(
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
                await self.notifier.notify(
                    session,
                    kind=REGISTRATION_NEWS[type(data)],
                    source_id=source_id,
                    link=f"/meetings/{data.meeting_id}",
                    addressees=[Addressee.of_registration(data)],
                    reg=data.model_dump(mode="json"),
                )
