"""Meeting and registration events notify committee members and registrants; reminders are
stored 7 and 1 days before, moved with the meeting and dropped when it is cancelled."""

from __future__ import annotations

from datetime import timedelta

from notifications_support import (
    BASE_URL,
    inbox,
    m,
    meeting_fields,
    member,
    person,
    publish,
    registration_fields,
    rows,
    text_of,
    wait_for_persons,
)
from sqlalchemy import select

from notifications.models import Reminder
from schulerfolg_dev.testing.plugin import eventually


async def reminders_of(service, meeting_id):
    found = await rows(
        service,
        select(Reminder.kind, Reminder.due_at, Reminder.status).where(
            Reminder.subject_id == meeting_id
        ),
    )
    return {kind: (due_at, status) for kind, due_at, status in found}


async def test_meeting_news_reach_members_and_registrants(notifications, mailbox, nats_url):
    chair = person(name="Dr. Käthe Brückner", email="kaethe@kreis.test", user_sub="sub-kaethe")
    deputy = person(name="Sören Lübke", email="soeren@kreis.test", function="other")
    outsider = person(name="Nicht Mitglied", email="nicht@kreis.test")
    await publish(nats_url, chair, deputy, outsider)
    await wait_for_persons(notifications, chair.id, deputy.id, outsider.id)
    fields = meeting_fields()
    committee = fields["committee_id"]
    await publish(
        nats_url,
        member(committee, chair.id, committee_version=2),
        member(committee, deputy.id, committee_version=3),
    )

    await publish(nats_url, m.MeetingScheduled(**fields), times=2)
    subject = "Einladung: Steuerungsgruppe Börde – Frühjahrssitzung am "
    for address in ("kaethe@kreis.test", "soeren@kreis.test"):
        (mail,) = await mailbox.wait_for(address, "Einladung")
        assert mail["Subject"].startswith(subject)
        assert f"{BASE_URL}/meetings/{fields['id']}" in text_of(mail)
        assert "Kreishaus Haldensleben, Raum 1.12" in text_of(mail)
    reminders = await eventually(lambda: reminders_of(notifications, fields["id"]))
    assert reminders == {
        "meeting_7d": (fields["starts_at"] - timedelta(days=7), "pending"),
        "meeting_1d": (fields["starts_at"] - timedelta(days=1), "pending"),
    }

    # Registrations: confirmation, waiting list, moving up.
    ute = registration_fields(fields)
    kai = registration_fields(
        fields,
        name="Kai Förster",
        email="kai@verein.test",
        status="waitlisted",
        waitlist_position=1,
    )
    await publish(
        nats_url, m.RegistrationConfirmed(**ute), m.RegistrationWaitlisted(**kai), times=2
    )
    (confirmed,) = await mailbox.wait_for("ute.koehler@verein.test", "Anmeldung bestätigt")
    assert confirmed["Subject"] == "Anmeldung bestätigt: Steuerungsgruppe Börde – Frühjahrssitzung"
    (waiting,) = await mailbox.wait_for("kai@verein.test", "Warteliste")
    assert "Platz 1" in text_of(waiting)
    await publish(nats_url, m.RegistrationPromoted(**kai | {"version": 2, "status": "confirmed"}))
    (promoted,) = await mailbox.wait_for("kai@verein.test", "Nachgerückt")
    assert (
        promoted["Subject"]
        == "Nachgerückt – Ihr Platz bei Steuerungsgruppe Börde – Frühjahrssitzung"
    )

    # Rescheduled: members and registrants hear of it, the reminders move.
    later = fields["starts_at"] + timedelta(days=3)
    await publish(
        nats_url,
        m.MeetingUpdated(
            **fields | {"version": 2, "starts_at": later, "ends_at": later + timedelta(hours=2)},
            changed=["starts_at"],
        ),
    )
    for address in (
        "kaethe@kreis.test",
        "soeren@kreis.test",
        "ute.koehler@verein.test",
        "kai@verein.test",
    ):
        (mail,) = await mailbox.wait_for(address, "Geändert")
        assert f"{BASE_URL}/meetings/{fields['id']}" in text_of(mail)
    reminders = await reminders_of(notifications, fields["id"])
    assert reminders["meeting_1d"] == (later - timedelta(days=1), "pending")
    assert reminders["meeting_7d"] == (later - timedelta(days=7), "pending")

    # A cancelled registration drops out; a cancellation reaches the rest and drops the reminders.
    await publish(nats_url, m.RegistrationCancelled(**ute | {"version": 2, "status": "cancelled"}))
    await publish(
        nats_url,
        m.MeetingCancelled(
            **fields
            | {
                "version": 3,
                "starts_at": later,
                "ends_at": later + timedelta(hours=2),
                "status": "cancelled",
            },
            reason="Krankheitsbedingt",
        ),
    )
    for address in ("kaethe@kreis.test", "soeren@kreis.test", "kai@verein.test"):
        (mail,) = await mailbox.wait_for(address, "Abgesagt")
        assert "Krankheitsbedingt" in text_of(mail)
    assert mailbox.to("ute.koehler@verein.test", "Abgesagt") == []
    assert mailbox.to("nicht@kreis.test") == []
    assert {status for _, status in (await reminders_of(notifications, fields["id"])).values()} == {
        "cancelled"
    }

    # A late, older update changes nothing and tells no one.
    await publish(nats_url, m.MeetingUpdated(**fields | {"version": 2}))
    marker = meeting_fields(committee_id=committee, title="Marker")
    await publish(nats_url, m.MeetingScheduled(**marker))
    await mailbox.wait_for("kaethe@kreis.test", "Marker")
    assert len(mailbox.to("kaethe@kreis.test", "Geändert")) == 1

    kinds = [
        e["kind"]
        for e in await inbox(
            notifications, notifications.auth("steering_member", "boerde", sub="sub-kaethe")
        )
    ]
    assert kinds == [
        "meeting_scheduled",
        "meeting_cancelled",
        "meeting_updated",
        "meeting_scheduled",
    ]
    registrant = notifications.auth("partner", sub="kai", email="kai@verein.test")
    assert len(await inbox(notifications, registrant)) == 4


async def test_a_removed_member_hears_nothing_more(notifications, mailbox, nats_url):
    leaving = person(name="Gudrun Weiß", email="gudrun@kreis.test")
    staying = person(name="Horst Öhler", email="horst@kreis.test")
    await publish(nats_url, leaving, staying)
    await wait_for_persons(notifications, leaving.id, staying.id)
    fields = meeting_fields()
    committee = fields["committee_id"]
    removed = m.CommitteeMemberRemoved(
        committee_id=committee,
        committee_version=4,
        person_id=leaving.id,
        role="member",
        voting=True,
    )
    # The removal overtakes an older addition: the addition stays without effect.
    await publish(nats_url, member(committee, staying.id, committee_version=2), removed)
    await publish(nats_url, member(committee, leaving.id, committee_version=3))
    await publish(nats_url, m.MeetingScheduled(**fields))
    await mailbox.wait_for("horst@kreis.test", "Einladung")
    assert mailbox.to("gudrun@kreis.test") == []

    # A change nobody plans around mails no one; a new place does.
    await publish(
        nats_url,
        m.MeetingUpdated(**fields | {"version": 2}, changed=["capacity"]),
        m.MeetingUpdated(
            **fields | {"version": 3, "location": "Rathaus Oschersleben"}, changed=["location"]
        ),
    )
    (changed,) = await mailbox.wait_for("horst@kreis.test", "Geändert")
    assert "Rathaus Oschersleben" in text_of(changed)
