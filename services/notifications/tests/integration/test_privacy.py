"""Personal data in notifications through its whole life: an erasure request for an address
reaches everything held for it and is answered on the NOTIFICATIONS stream; a person's erasure
reaches their inbox, e-mails and the copies in the platform tables; retention on the moved
clock; the audit log; ``GET /me/data`` answers the caller's own data only."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import date, timedelta
from typing import Any

import nats
from notifications_support import (
    application_fields,
    everything_stored,
    inbox,
    lines_with,
    m,
    meeting_fields,
    o,
    person,
    publish,
    r,
    registration_fields,
    rows,
    text_of,
    wait_for_persons,
)
from sqlalchemy import func, insert, select

from notifications.models import (
    Delivery,
    Notification,
    Registration,
    Reminder,
    audit_log,
    metadata,
    platform,
)
from schulerfolg.db import utcnow
from schulerfolg.events import decode_event
from schulerfolg.events.privacy import ErasureRequested, NotificationsErasureCompleted
from schulerfolg.privacy.audit import flush_reads
from schulerfolg_dev.testing.plugin import eventually

CONTACT, CONTACT_NAME = "joerg.weiss@schule.test", "Jörg Weiß"
OTHER, OTHER_NAME = "ute.koehler@verein.test", "Ute Köhler"


async def count(service, statement) -> int:
    (row,) = await rows(service, statement)
    return row[0]


async def stream_answers(nats_url: str) -> list[tuple[bytes, Any]]:
    """The messages of the NOTIFICATIONS stream: raw bodies and decoded events."""
    connection = await nats.connect(nats_url)
    try:
        js = connection.jetstream()
        sub = await js.pull_subscribe("sfs.*.notifications.>", stream="NOTIFICATIONS")
        try:
            messages = await sub.fetch(100, timeout=1)
        except TimeoutError:
            return []
        return [(msg.data, decode_event(msg.data)) for msg in messages]
    finally:
        await connection.close()


async def contact_and_registrant_known(notifications, mailbox, nats_url) -> dict[str, Any]:
    """An office colleague, an application whose contact (not a registry person) is mailed and
    reminded, the contact's registration (not signed in) and their preferences (signed in); the
    same for another registrant, who must stay untouched."""
    office = person(name="Petra Amt", email="petra.amt@netzwerk.test")
    await publish(nats_url, office)
    await wait_for_persons(notifications, office.id)
    contact = notifications.auth("school", sub="sub-joerg", email=CONTACT)
    saved = await notifications.client.put(
        "/api/v1/preferences", json={"digest": "off"}, headers=contact
    )
    assert saved.status_code == 200
    submitted = o.ApplicationSubmitted(**application_fields())
    approved = o.ApplicationApproved(
        **application_fields(id=submitted.id, version=3, status="approved", decided_by="office"),
        approved_cents=180000,
        report_due=date.today() + timedelta(days=200),
    )
    meeting = meeting_fields(committee_id=None, kind="training")
    await publish(
        nats_url,
        submitted,
        approved,
        m.MeetingScheduled(**meeting),
        m.RegistrationConfirmed(**registration_fields(meeting, name=CONTACT_NAME, email=CONTACT)),
        m.RegistrationConfirmed(**registration_fields(meeting, name=OTHER_NAME, email=OTHER)),
    )
    (office_mail,) = await mailbox.wait_for("petra.amt@netzwerk.test", "Neuer Antrag")
    assert CONTACT_NAME in text_of(office_mail)  # the office's e-mail names the contact
    await mailbox.wait_for(CONTACT, "bewilligt")
    await mailbox.wait_for(CONTACT, "Anmeldung bestätigt")
    await mailbox.wait_for(OTHER, "Anmeldung bestätigt")

    async def all_sent() -> bool:
        unsent = select(func.count()).where(Delivery.status != "sent")
        return await count(notifications, unsent) == 0

    await eventually(all_sent)
    return {"office": office, "application": submitted, "meeting": meeting}


async def test_an_erasure_request_erases_everything_held_for_the_address(
    notifications, mailbox, nats_url
):
    await contact_and_registrant_known(notifications, mailbox, nats_url)
    stored = await everything_stored(notifications)
    assert lines_with(stored, CONTACT) and lines_with(stored, CONTACT_NAME)
    deliveries_before = await count(notifications, select(func.count()).select_from(Delivery))
    registrations_before = await count(
        notifications, select(func.count()).select_from(Registration)
    )
    contact = notifications.auth("school", sub="sub-joerg", email=CONTACT)
    assert await inbox(notifications, contact)

    request = ErasureRequested(id=uuid.uuid4(), email="  Joerg.Weiss@Schule.TEST ")
    await publish(nats_url, request)

    async def answered() -> list[tuple[bytes, Any]]:
        return [
            (body, e)
            for body, e in await stream_answers(nats_url)
            if isinstance(e.data, NotificationsErasureCompleted)
        ]

    ((body, answer),) = await eventually(answered)
    assert answer.data.request_id == request.id and answer.data.service == "notifications"
    counts = answer.data.counts
    assert counts["notifications"] >= 3  # submitted, approved, registration confirmed
    assert counts["deliveries"] >= 3
    assert counts["registrations"] == 1 and counts["reminders"] == 1
    assert counts["preferences"] == 1
    assert counts["mentions"] >= 1  # the office's e-mail named the contact
    assert b"joerg" not in body.lower() and "Weiß".encode() not in body

    stored = await everything_stored(notifications)
    assert lines_with(stored, CONTACT) == []
    assert lines_with(stored, CONTACT_NAME) == []
    assert lines_with(stored, "sub-joerg") == []
    assert await inbox(notifications, contact) == []
    # The other registrant and the office keep theirs; the office's e-mail without the name.
    assert lines_with(stored, OTHER) and lines_with(stored, OTHER_NAME)
    (office_mail,) = await rows(
        notifications,
        select(Delivery.text_body).where(Delivery.to_address == "petra.amt@netzwerk.test"),
    )
    assert "Ansprechperson: [gelöscht]" in office_mail.text_body
    # The figures stay: every e-mail and registration still counts, as sent and erased.
    assert await count(notifications, select(func.count()).select_from(Delivery)) == (
        deliveries_before
    )
    assert await count(notifications, select(func.count()).where(Delivery.status == "sent")) == (
        deliveries_before
    )
    assert await count(notifications, select(func.count()).select_from(Registration)) == (
        registrations_before
    )
    assert (
        await count(notifications, select(func.count()).where(Reminder.contact_email.is_not(None)))
        == 0
    )

    # A late replay of the registration event cannot bring the registrant back.
    (stale,) = await rows(
        notifications, select(Registration).where(Registration.status == "erased")
    )
    meeting = {
        "id": stale.Registration.meeting_id,
        "title": "x",
        "starts_at": utcnow(),
        "region": "boerde",
    }
    (replay,) = await publish(
        nats_url,
        m.RegistrationConfirmed(
            **registration_fields(
                meeting, id=stale.Registration.id, version=5, name=CONTACT_NAME, email=CONTACT
            )
        ),
    )

    async def processed() -> bool:
        inbox_table = metadata.tables["inbox"]
        found = await rows(
            notifications, select(inbox_table).where(inbox_table.c.event_id == replay.id)
        )
        return bool(found)

    await eventually(processed)
    assert lines_with(await everything_stored(notifications), CONTACT) == []


async def test_a_person_erasure_reaches_inbox_deliveries_and_the_copies(
    notifications, mailbox, nats_url
):
    name, address = "Hanna Löschner", "hanna.loeschner@netzwerk.test"
    hanna = person(name=name, email=address, user_sub="sub-hanna")
    colleague = person(name="Quirin Spaß", email="quirin@netzwerk.test")
    await publish(nats_url, colleague, hanna)
    await wait_for_persons(notifications, hanna.id, colleague.id)  # before the application
    await publish(nats_url, o.ApplicationSubmitted(**application_fields()))
    await mailbox.wait_for(address, "Neuer Antrag")
    token = notifications.auth("network_office", "boerde", sub="sub-hanna", email=address)

    async def entries() -> list[Any]:
        return await inbox(notifications, token)

    await eventually(entries)

    async def sent() -> bool:
        mine = select(func.count()).where(Delivery.to_address == address, Delivery.status == "sent")
        return await count(notifications, mine) == 1

    await eventually(sent)
    # A copy of the person's data in a dead letter (an event no consumer could process).
    async with notifications.runtime.db.transaction() as session:
        for payload in (json.dumps({"email": address.upper()}), json.dumps({"email": "x@y.test"})):
            await session.execute(
                insert(platform.dead_letters).values(
                    consumer="notifications-offers",
                    subject="sfs.boerde.offers.application.submitted",
                    reason="broken",
                    payload=payload,
                    attempts=1,
                    created_at=utcnow(),
                )
            )
    deliveries_before = await count(notifications, select(func.count()).select_from(Delivery))

    await publish(nats_url, r.PersonErased(id=hanna.id))

    async def erased() -> bool:
        return not lines_with(await everything_stored(notifications), address)

    await eventually(erased)
    stored = await everything_stored(notifications)
    assert lines_with(stored, name) == [] and lines_with(stored, "sub-hanna") == []
    assert await inbox(notifications, token) == []
    assert await count(notifications, select(func.count()).select_from(platform.dead_letters)) == 1
    # Her sent e-mail stays as a figure, without address, name or content.
    assert await count(notifications, select(func.count()).select_from(Delivery)) == (
        deliveries_before
    )
    (anonymous,) = await rows(notifications, select(Delivery).where(Delivery.to_address == ""))
    assert anonymous.Delivery.status == "sent" and anonymous.Delivery.text_body == ""
    assert anonymous.Delivery.person_id is None
    # The colleague keeps theirs.
    assert lines_with(stored, "quirin@netzwerk.test")


async def test_retention_deletes_inbox_entries_and_anonymises_on_the_moved_clock(
    notifications_on, mailbox, nats_url
):
    # 300 days on: nothing is due yet.
    notifications = await notifications_on(
        "sqlite", smtp_port=mailbox.port, retention_clock_offset_days=300
    )
    await contact_and_registrant_known(notifications, mailbox, nats_url)
    before = await everything_stored(notifications)
    figures = select(Delivery.status, func.count()).group_by(Delivery.status)
    deliveries_before = await rows(notifications, figures)
    registrations_before = await count(
        notifications, select(func.count()).select_from(Registration)
    )
    assert (await notifications.runtime.housekeeping.purge()).anonymised == {
        "notifications": 0,
        "deliveries": 0,
        "registrations": 0,
        "reminders": 0,
    }
    assert await everything_stored(notifications) == before

    # 400 days on: inbox entries, e-mails and the registrations of the meeting (ended 10 days
    # from now) are past their 12 months.
    housekeeping = notifications.runtime.housekeeping
    housekeeping.retention = dataclasses.replace(
        housekeeping.retention, clock_offset=timedelta(days=400)
    )
    purged = await housekeeping.purge()

    assert purged.anonymised["notifications"] >= 4
    assert purged.anonymised["deliveries"] == sum(n for _status, n in deliveries_before)
    assert purged.anonymised["registrations"] == 2
    assert purged.anonymised["reminders"] == 0  # the report reminder is still pending
    assert await count(notifications, select(func.count()).select_from(Notification)) == 0
    after = await everything_stored(notifications)
    for needle in (OTHER, OTHER_NAME, "Ansprechperson"):
        assert lines_with(after, needle) == [], needle
    addresses = select(func.count()).where(Delivery.to_address != "")
    assert await count(notifications, addresses) == 0
    # The figures stay the same.
    assert await rows(notifications, figures) == deliveries_before
    assert await count(notifications, select(func.count()).select_from(Registration)) == (
        registrations_before
    )
    assert (await housekeeping.purge()).anonymised["deliveries"] == 0  # done once


async def test_reads_of_deliveries_and_preference_changes_are_audited_once(notifications):
    coordinator = notifications.auth("state_coordinator", sub="sub-coordinator")
    admin = notifications.auth("admin", sub="sub-admin")
    me = notifications.auth("school", sub="sub-audit", email="audit.me@schule.test")

    assert (await notifications.client.get("/api/v1/deliveries", headers=coordinator)).is_success
    assert (await notifications.client.get("/api/v1/dead-letters", headers=admin)).is_success
    denied = await notifications.client.get("/api/v1/deliveries", headers=me)
    assert denied.status_code == 403
    saved = await notifications.client.put(
        "/api/v1/preferences", json={"digest": "weekly"}, headers=me | {"If-Match": '"0"'}
    )
    assert saved.status_code == 200
    stale = await notifications.client.put(
        "/api/v1/preferences", json={"digest": "off"}, headers=me | {"If-Match": '"0"'}
    )
    assert stale.status_code == 412  # refused: no change, no entry

    await flush_reads(notifications.runtime.db)  # reads are written in batches
    entries = [
        (row.actor, row.action, row.resource)
        for row in await rows(
            notifications, select(audit_log).order_by(audit_log.c.at, audit_log.c.id)
        )
    ]
    assert entries == [
        ("sub-coordinator", "deliveries.read", "deliveries"),
        ("sub-admin", "dead_letters.read", "dead-letters"),
        ("sub-audit", "preferences.updated", "preferences/sub-audit"),
    ]
    assert "audit.me" not in repr(entries)
    listed = await notifications.client.get(
        "/api/v1/audit", params={"resource": "preferences/sub-audit"}, headers=admin
    )
    assert [e["action"] for e in listed.json()["items"]] == ["preferences.updated"]


async def test_own_data_holds_the_callers_data_and_nothing_of_anyone_else(
    notifications, mailbox, nats_url
):
    mine = person(name="Mara Eigen", email="mara.eigen@netzwerk.test", user_sub="sub-mara")
    theirs = person(name="Otto Fremd", email="otto.fremd@netzwerk.test", user_sub="sub-otto")
    await publish(nats_url, mine, theirs)
    await wait_for_persons(notifications, mine.id, theirs.id)
    me = notifications.auth("network_office", "boerde", sub="sub-mara", email=mine.email)
    other = notifications.auth("network_office", "boerde", sub="sub-otto", email=theirs.email)
    for headers, digest in ((me, "off"), (other, "daily")):
        saved = await notifications.client.put(
            "/api/v1/preferences", json={"digest": digest}, headers=headers
        )
        assert saved.status_code == 200
    # Both are office staff of the region: both get the application's notification.
    contact = {"name": "Kai Kontakt", "email": "kai.kontakt@schule.test"}
    await publish(nats_url, o.ApplicationSubmitted(**application_fields(contact=contact)))
    await mailbox.wait_for(mine.email, "Neuer Antrag")

    async def entries() -> list[Any]:
        return await inbox(notifications, me)

    await eventually(entries)

    response = await notifications.client.get("/api/v1/me/data", headers=me)
    assert response.status_code == 200
    answer = response.json()
    assert answer["service"] == "notifications" and answer["sub"] == "sub-mara"
    data = answer["data"]
    assert [d["id"] for d in data["directory"]] == [str(mine.id)]
    assert data["directory"][0]["name"] == "Mara Eigen"
    assert [n["kind"] for n in data["notifications"]] == ["application_submitted"]
    assert [d["to"] for d in data["deliveries"]] == [mine.email]
    assert [p["digest"] for p in data["preferences"]] == ["off"]
    text = json.dumps(answer)
    for foreign in ("Otto Fremd", theirs.email, "sub-otto", "Kai Kontakt", contact["email"]):
        assert foreign not in text, foreign
    assert (await notifications.client.get("/api/v1/me/data")).status_code == 401
