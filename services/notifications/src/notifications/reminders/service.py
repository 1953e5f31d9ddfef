"""Reminders stored with their due time: 7 and 1 days before a meeting, and the report due;
the scheduler that fires due reminders and sends due digests.

Due reminders are claimed in one transaction that creates their notifications and marks them
``done`` (on PostgreSQL with ``FOR UPDATE SKIP LOCKED``, so replicas never fire one twice).
A reminder whose time passed while the service was down fires when it is back, once.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.common import normalize_email
from notifications.deliveries.service import send_digests
from notifications.directory import repository as directory
from notifications.dispatch.service import Addressee, Notifier
from notifications.models import Meeting, Reminder
from notifications.proof_of_use import service as proof_of_use
from notifications.reminders import repository
from schulerfolg.db import Database, utcnow
from schulerfolg.local_time import BERLIN

log = structlog.get_logger("notifications.reminders")

MEETING_REMINDERS = {"meeting_7d": 7, "meeting_1d": 1}
REPORT_DUE = "report_due"
REPORT_REMINDER_HOUR = 8  # Berlin time


async def _put(
    session: AsyncSession,
    *,
    kind: str,
    subject_id: str,
    due_at: datetime,
    contact_email: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Store a pending reminder, or move a held one to ``due_at`` (a moved reminder fires
    again even if it fired for the old time)."""
    held = await repository.held(session, kind, subject_id)
    reminder = held or Reminder(kind=kind, subject_id=subject_id, due_at=due_at)
    if held is not None and held.due_at == due_at and held.status != "cancelled":
        if data is not None:
            reminder.data = data
            reminder.contact_email = contact_email
            session.add(reminder)
        return
    reminder.due_at = due_at
    reminder.status = "pending"
    reminder.done_at = None
    reminder.contact_email = contact_email
    reminder.data = data or {}
    reminder.updated_at = utcnow()
    session.add(reminder)


async def cancel(session: AsyncSession, *, kinds: tuple[str, ...], subject_id: str) -> None:
    """Drop the pending reminders of ``kinds`` about ``subject_id``."""
    await repository.cancel(session, kinds=kinds, subject_id=subject_id)


async def schedule_meeting(session: AsyncSession, meeting: Meeting, *, now: datetime) -> None:
    """Reminders 7 and 1 days before the meeting; those whose time has already passed when the
    meeting is (re)scheduled are dropped rather than sent late; a cancelled meeting has none."""
    if meeting.status == "cancelled":
        await cancel(session, kinds=tuple(MEETING_REMINDERS), subject_id=meeting.id)
        return
    for kind, days in MEETING_REMINDERS.items():
        due = meeting.starts_at - timedelta(days=days)
        if due > now:
            await _put(session, kind=kind, subject_id=meeting.id, due_at=due)
        else:
            await cancel(session, kinds=(kind,), subject_id=meeting.id)


def report_reminder_at(report_due: date, *, days_before: int, now: datetime) -> datetime:
    """When to remind of a report due on ``report_due``: ``days_before`` days earlier at 8:00
    Berlin time, or now if that has passed."""
    day = report_due - timedelta(days=days_before)
    at = datetime.combine(day, time(REPORT_REMINDER_HOUR), tzinfo=BERLIN).astimezone(now.tzinfo)
    return max(at, now)


async def schedule_report(
    session: AsyncSession, *, application: dict[str, Any], report_due: date, due_at: datetime
) -> None:
    """Remind the applicant contact of the report due for an approved application."""
    await _put(
        session,
        kind=REPORT_DUE,
        subject_id=application["id"],
        due_at=due_at,
        contact_email=normalize_email(application["contact"]["email"]),
        data={"application": application, "report_due": report_due.isoformat()},
    )


async def fire_due(session: AsyncSession, notifier: Notifier, *, now: datetime, limit: int) -> int:
    """Claim the reminders due at ``now``, create their notifications and mark them done;
    return how many were claimed."""
    due = await repository.claim_due(session, now=now, limit=limit)
    for reminder in due:
        await _fire(session, notifier, reminder, now=now)
        reminder.status = "done"
        reminder.done_at = utcnow()
        reminder.updated_at = reminder.done_at
        session.add(reminder)
    return len(due)


async def _fire(
    session: AsyncSession, notifier: Notifier, reminder: Reminder, *, now: datetime
) -> None:
    if reminder.kind in proof_of_use.REMINDERS:
        await proof_of_use.fire(session, notifier, reminder)
        return
    source_id = f"reminder:{reminder.id}:{reminder.due_at.isoformat()}"
    if reminder.kind == REPORT_DUE:
        application = reminder.data["application"]
        contact = application["contact"]
        await notifier.notify(
            session,
            kind="report_due",
            source_id=source_id,
            link=f"/applications/{application['id']}",
            addressees=[Addressee(contact.get("name"), contact.get("email"))],
            a=application | {"report_due": reminder.data["report_due"]},
        )
        return
    meeting = await directory.get_meeting(session, reminder.subject_id)
    if meeting is None or meeting.status == "cancelled" or meeting.starts_at <= now:
        log.info("notifications.reminder_skipped", reminder_id=str(reminder.id))
        return
    await notifier.notify(
        session,
        kind="meeting_reminder",
        source_id=source_id,
        link=f"/meetings/{meeting.id}",
        addressees=await directory.meeting_audience(
            session, meeting, directory.RECEIVING_REGISTRATIONS
        ),
        m=meeting,
        days=MEETING_REMINDERS[reminder.kind],
    )


class Scheduler:
    """Fires due reminders and sends due digests, each in one transaction with its claim."""

    def __init__(self, db: Database, notifier: Notifier, *, batch_size: int = 100) -> None:
        self.db = db
        self.notifier = notifier
        self.batch_size = batch_size

    async def run_due(self) -> int:
        """Fire one batch of due reminders and due digests; return how many were handled."""
        now = self.notifier.signals.now()
        async with self.db.transaction() as session:
            fired = await fire_due(session, self.notifier, now=now, limit=self.batch_size)
        async with self.db.transaction() as session:
            digests = await send_digests(session, self.notifier, now=now, limit=self.batch_size)
        return fired + digests
