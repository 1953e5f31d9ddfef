"""Reminders live in the database: one whose due time passes while the service is down is sent
once when it is back, and never again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from notifications_support import (
    m,
    meeting_fields,
    member,
    person,
    publish,
    rows,
    start_notifications,
    text_of,
    wait_for_persons,
)
from sqlalchemy import select

from notifications.models import Reminder
from schulerfolg_dev.testing.plugin import eventually


async def test_a_reminder_due_while_the_service_is_down_is_sent_exactly_once_after_restart(
    new_database, nats_url, tmp_path, mailbox
):
    url = await new_database("postgresql")
    starts = datetime.now(UTC) + timedelta(days=1, seconds=3)  # the 1-day reminder is 3 s away
    fields = meeting_fields(starts_at=starts, ends_at=starts + timedelta(hours=1))
    chair = person(name="Dörte Kühn", email="doerte@kreis.test")

    async with start_notifications(url, nats_url, tmp_path / "auth", smtp_port=mailbox.port) as svc:
        await publish(nats_url, chair)
        await wait_for_persons(svc, chair.id)
        await publish(nats_url, member(fields["committee_id"], chair.id, committee_version=2))
        await publish(nats_url, m.MeetingScheduled(**fields))
        await mailbox.wait_for("doerte@kreis.test", "Einladung")

        async def stored():
            return await rows(svc, select(Reminder.kind, Reminder.status, Reminder.due_at))

        (reminder,) = await eventually(stored)  # the 7-day one was already past: dropped
        assert reminder.kind == "meeting_1d" and reminder.status == "pending"

    # The service is down while the reminder comes due.
    await asyncio.sleep(max((reminder.due_at - datetime.now(UTC)).total_seconds(), 0) + 0.5)
    assert mailbox.to("doerte@kreis.test", "Erinnerung") == []

    async with start_notifications(url, nats_url, tmp_path / "auth", smtp_port=mailbox.port) as svc:
        (mail,) = await mailbox.wait_for("doerte@kreis.test", "Erinnerung")
        assert mail["Subject"] == (
            "Erinnerung: Steuerungsgruppe Börde – Frühjahrssitzung morgen, "
            + mail["Subject"].rsplit(", ", 1)[1]
        )
        assert "Kreishaus Haldensleben" in text_of(mail)
        state = svc.app.state.notifications
        assert await state.scheduler.run_due() == 0  # nothing left to fire
        assert await state.sender.send_due() == 0  # nothing left to send
        (done,) = await rows(svc, select(Reminder.status))
        assert done.status == "done"

    # A second restart repeats nothing either.
    async with start_notifications(url, nats_url, tmp_path / "auth", smtp_port=mailbox.port) as svc:
        state = svc.app.state.notifications
        assert await state.scheduler.run_due() == 0
        assert await state.sender.send_due() == 0
    assert len(mailbox.to("doerte@kreis.test", "Erinnerung")) == 1
