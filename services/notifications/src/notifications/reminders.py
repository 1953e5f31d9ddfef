"""Reminders stored with their due time: 7 and 1 days before a meeting, and the report due.

Due reminders are claimed in one transaction that creates their notifications and marks them
``done`` (on PostgreSQL with ``FOR UPDATE SKIP LOCKED``, so replicas never fire one twice).
A reminder whose time passed while the service was down fires when it is back, once.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.directory import repository as directory
from notifications.dispatch import Addressee, Notifier, normalize_email
from notifications.german import BERLIN
from notifications.models import Meeting, Reminder
from schulerfolg.db import utcnow

log = structlog.get_logger("notifications.reminders")

MEETING_REMINDERS = {"meeting_7d": 7, "meeting_1d": 1}
REPORT_DUE = "report_due"
REPORT_REMINDER_HOUR = 8  # Berlin time


async def _held(session: AsyncSession, kind: str, subject_id: str) -> Reminder | None:
    statement = select(Reminder).where(Reminder.kind == kind, Reminder.subject_id == subject_id)
    if session.bind.dialect.name == "postgresql":
        statement = statement.with_for_update()
    return (await session.scalars(statement)).first()


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
    held = await _held(session, kind, subject_id)
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
    await session.execute(
        update(Reminder)
        .where(
            Reminder.kind.in_(kinds),
            Reminder.subject_id == subject_id,
            Reminder.status == "pending",
        )
        .values(status="cancelled", updated_at=utcnow())
    )


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
    statement = (
        select(Reminder)
        .where(Reminder.status == "pending", Reminder.due_at <= now)
        .order_by(Reminder.due_at, Reminder.id)
        .limit(limit)
    )
    if session.bind.dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    due = list((await session.scalars(statement)).all())
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
