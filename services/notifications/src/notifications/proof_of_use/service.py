"""Notifications about the proof of use (Verwendungsnachweis), to the application's contact and
the persons of its schools (as a decision, ``directory.application_audience``):

- approved → reminders stored for 14 and 3 days before the proof of use is due, and a notice
  the day after it was due (overdue); a submitted proof drops them, a returned one (before the
  deadline) stores those still ahead again;
- returned for correction (with the reasons), accepted (the accepted amount, the final payment
  or the reclaim), and the reclaim due (the amount).

Reminders are stored in the shared reminders table and fired by the scheduler (``fire``). They
are the one reminder of the report: an approval with a proof-of-use deadline stores no
``report_due`` reminder (``applications.service``), and the plain report (``POST …/report``)
fills the proof of use and announces ``offers.proof_of_use.submitted``, which drops these.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.common import normalize_email
from notifications.directory import repository as directory
from notifications.dispatch.service import Notifier
from notifications.models import Reminder
from notifications.reminders import repository as reminders
from schulerfolg.db import utcnow
from schulerfolg.events import CloudEvent
from schulerfolg.events import offers as o
from schulerfolg.local_time import BERLIN

REMINDERS = {"proof_of_use_14d": 14, "proof_of_use_3d": 3, "proof_of_use_overdue": -1}
"""Reminder kind → days before the deadline (-1: the day after it, the overdue notice)."""
REMINDER_HOUR = 8  # Berlin time
NOTICES: dict[type[Any], str] = {
    o.ProofOfUseReturned: "proof_of_use_returned",
    o.ProofOfUseAccepted: "proof_of_use_accepted",
    o.ReclaimDue: "reclaim_due",
}


def reminder_at(due_on: date, days_before: int) -> datetime:
    """``days_before`` days before ``due_on`` at 8:00 Berlin time."""
    return datetime.combine(due_on - timedelta(days=days_before), time(REMINDER_HOUR), BERLIN)


async def schedule(
    session: AsyncSession, application: dict[str, Any], due_on: date, *, now: datetime
) -> None:
    """Store the reminders of a proof of use due on ``due_on`` that still lie ahead."""
    for kind, days in REMINDERS.items():
        at = reminder_at(due_on, days)
        held = await reminders.held(session, kind, application["id"])
        if at <= now:
            continue
        reminder = held or Reminder(kind=kind, subject_id=application["id"], due_at=at)
        reminder.due_at = at
        reminder.status = "pending"
        reminder.done_at = None
        reminder.contact_email = normalize_email(application["contact"]["email"])
        reminder.data = {"application": application, "due_on": due_on.isoformat()}
        reminder.updated_at = utcnow()
        session.add(reminder)


async def cancel(session: AsyncSession, application_id: str) -> None:
    """Drop the pending proof-of-use reminders of the application."""
    await reminders.cancel(session, kinds=tuple(REMINDERS), subject_id=application_id)


async def handle(notifier: Notifier, session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Approved (store reminders), submitted (drop them), returned, accepted, reclaim due."""
    data = event.data
    application = data.model_dump(mode="json")
    now = notifier.signals.now()
    if isinstance(data, o.ApplicationApproved):
        if data.proof_of_use_due is not None:
            await schedule(session, application, data.proof_of_use_due, now=now)
        return
    if isinstance(data, (o.ProofOfUseSubmitted, o.ProofOfUseAccepted)):
        await cancel(session, str(data.id))
    if isinstance(data, o.ProofOfUseReturned):
        await schedule(session, application, data.due_on, now=now)
    kind = NOTICES.get(type(data))
    if kind is not None:
        await notifier.notify(
            session,
            kind=kind,
            source_id=str(event.id),
            link=f"/applications/{data.id}",
            addressees=await directory.application_audience(session, data.school_ids, data.contact),
            a=application,
        )


async def fire(session: AsyncSession, notifier: Notifier, reminder: Reminder) -> None:
    """A due proof-of-use reminder or overdue notice, to the application's contact and the
    persons of its schools."""
    application = reminder.data["application"]
    overdue = REMINDERS[reminder.kind] < 0
    await notifier.notify(
        session,
        kind="proof_of_use_overdue" if overdue else "proof_of_use_due",
        source_id=f"reminder:{reminder.id}:{reminder.due_at.isoformat()}",
        link=f"/applications/{application['id']}",
        addressees=await directory.application_audience(
            session, application.get("school_ids", []), application.get("contact")
        ),
        a=application | {"due_on": reminder.data["due_on"]},
        days=REMINDERS[reminder.kind],
    )
