"""Proof-of-use notifications: an approval stores the reminders (14 and 3 days before the
deadline, the overdue notice the day after) that still lie ahead — and no report reminder
besides —, a due one is mailed to the contact and the school's persons, a submission drops the
rest; returned (with the reasons), accepted and the reclaim are mailed to both in German."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from notifications_support import (
    OTHER_SCHOOL,
    TEACHER,
    a_school_with_a_teacher,
    application_fields,
    publish,
    rows,
    text_of,
)
from sqlalchemy import select, update

from notifications.models import Reminder
from schulerfolg.events import offers as o
from schulerfolg_dev.testing.plugin import eventually

CONTACT = "joerg.weiss@schule.test"


def proof_fields(app: dict, due_on: date) -> dict:
    return app | {"due_on": due_on, "approved_cents": 180000, "spent_cents": 190000}


async def test_reminders_returned_accepted_and_reclaim_reach_the_contact_and_the_school(
    notifications, mailbox, nats_url
):
    today = datetime.now(UTC).date()
    due = today + timedelta(days=10)  # the 14-day reminder lies behind: not stored
    school_id = await a_school_with_a_teacher(notifications, nats_url)
    app = application_fields(title="Theater für alle", status="approved", school_ids=[school_id])
    approved = o.ApplicationApproved(
        **app,
        decided_by="office",
        approved_cents=180000,
        report_due=today + timedelta(days=5),
        proof_of_use_due=due,
    )
    await publish(nats_url, approved)
    kinds = ("proof_of_use_14d", "proof_of_use_3d", "proof_of_use_overdue")

    async def stored():
        found = await rows(
            notifications,
            select(Reminder.kind, Reminder.status).where(Reminder.kind.in_(kinds)),
        )
        return sorted(found) if len(found) == 2 else None

    assert await eventually(stored) == [
        ("proof_of_use_3d", "pending"),
        ("proof_of_use_overdue", "pending"),
    ]
    # one reminder of the report: the proof of use's, not the plain report's besides (the
    # decision's e-mail is sent after the transaction that would have stored it)
    await mailbox.wait_for(CONTACT, "Antrag bewilligt")
    assert await rows(notifications, select(Reminder.id).where(Reminder.kind == "report_due")) == []

    # the 3-day reminder comes due: mailed to the contact
    async with notifications.runtime.db.transaction() as session:
        await session.execute(
            update(Reminder)
            .where(Reminder.kind == "proof_of_use_3d")
            .values(due_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    await notifications.app.state.notifications.scheduler.run_due()
    for address in (CONTACT, TEACHER):
        (reminder,) = await mailbox.wait_for(address, "Verwendungsnachweis fällig")
        assert "in 3 Tagen" in text_of(reminder)
        assert f"{due.day}. " in reminder["Subject"]

    returned = o.ProofOfUseReturned(**proof_fields(app, due), reasons="Beleg 2 fehlt.")
    submitted = o.ProofOfUseSubmitted(**proof_fields(app, due))
    accepted = o.ProofOfUseAccepted(
        **proof_fields(app, due),
        accepted_cents=150000,
        paid_cents=170000,
        final_payment_cents=0,
        reclaim_cents=20000,
    )
    reclaim = o.ReclaimDue(
        **proof_fields(app, due), accepted_cents=150000, paid_cents=170000, reclaim_cents=20000
    )
    await publish(nats_url, returned, submitted, accepted, reclaim)
    for address in (CONTACT, TEACHER):
        (back,) = await mailbox.wait_for(address, "zur Korrektur zurückgegeben")
        assert "Beleg 2 fehlt." in text_of(back)
        (ok,) = await mailbox.wait_for(address, "Verwendungsnachweis anerkannt")
        assert "1.500,00 €" in text_of(ok) and "200,00 €" in text_of(ok)
        (money,) = await mailbox.wait_for(address, "Rückforderung")
        assert money["Subject"] == "Rückforderung 200,00 €: Theater für alle"
    assert mailbox.to(OTHER_SCHOOL) == []

    async def dropped():
        found = await rows(
            notifications,
            select(Reminder.status).where(Reminder.kind == "proof_of_use_overdue"),
        )
        return found if found and found[0].status == "cancelled" else None

    assert await eventually(dropped)  # submitted: no overdue notice any more
