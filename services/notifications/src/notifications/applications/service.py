"""Which application event notifies whom (offers' events):

- application submitted → network office staff of the region and the applicant contact;
- decided (approved / rejected / returned) → the applicant contact and the schools' persons
  (``directory.application_audience``, also for the money after it: payments, proof of use, reclaim);
  approved stores the report-due reminder only when it carries no proof-of-use deadline — the
  proof-of-use reminders (``notifications.proof_of_use``) replace it, so nobody is reminded
  twice of one report;
- a committee decision offers refused → network office staff of the region;
- reported, completed or withdrawn → the report-due reminder is dropped.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.common import normalize_email
from notifications.directory import repository as directory
from notifications.dispatch.service import Addressee, Notifier
from notifications.reminders import service as reminders
from schulerfolg.events import CloudEvent
from schulerfolg.events import offers as o
from schulerfolg.events.base import EventPayload

DECISIONS: dict[type[EventPayload], str] = {
    o.ApplicationApproved: "application_approved",
    o.ApplicationRejected: "application_rejected",
    o.ApplicationReturned: "application_returned",
}
REPORT_SETTLED = (o.ApplicationReported, o.ApplicationCompleted, o.ApplicationWithdrawn)


def _contact(data: o.ApplicationData) -> Addressee:
    return Addressee(data.contact.name, data.contact.email)


async def handle(notifier: Notifier, session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Applications submitted, decided or refused; report reminders."""
    data = event.data
    source_id = str(event.id)
    if isinstance(data, o.ApplicationSubmitted):
        await _submitted(notifier, session, data, source_id)
    elif isinstance(data, o.ApplicationDecisionRefused):
        await notifier.notify(
            session,
            kind="decision_refused",
            source_id=source_id,
            link=f"/applications/{data.application_id}",
            addressees=await directory.office_staff(session, data.region),
            r=data.model_dump(mode="json"),
        )
    elif type(data) in DECISIONS:
        await _decided(notifier, session, data, source_id, DECISIONS[type(data)])
    elif isinstance(data, REPORT_SETTLED):
        await reminders.cancel(session, kinds=(reminders.REPORT_DUE,), subject_id=str(data.id))


async def _submitted(
    notifier: Notifier, session: AsyncSession, data: o.ApplicationSubmitted, source_id: str
) -> None:
    staff = await directory.office_staff(session, data.region)
    application = data.model_dump(mode="json")
    link = f"/applications/{data.id}"
    await notifier.notify(
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
        await notifier.notify(
            session,
            kind="application_submitted",
            source_id=source_id,
            link=link,
            addressees=[_contact(data)],
            a=application,
            audience="applicant",
        )


async def _decided(
    notifier: Notifier, session: AsyncSession, data: o.DecisionData, source_id: str, kind: str
) -> None:
    application = data.model_dump(mode="json")
    await notifier.notify(
        session,
        kind=kind,
        source_id=source_id,
        link=f"/applications/{data.id}",
        addressees=await directory.application_audience(session, data.school_ids, data.contact),
        a=application,
    )
    if isinstance(data, o.ApplicationApproved) and data.proof_of_use_due is not None:
        # the proof-of-use reminders stand for the report's (a held one from before goes)
        await reminders.cancel(session, kinds=(reminders.REPORT_DUE,), subject_id=str(data.id))
    elif isinstance(data, o.ApplicationApproved):
        now = notifier.signals.now()
        await reminders.schedule_report(
            session,
            application=application,
            report_due=data.report_due,
            due_at=reminders.report_reminder_at(
                data.report_due,
                days_before=notifier.settings.report_reminder_days,
                now=now,
            ),
        )
