"""Application events notify the right people with the right German e-mail and inbox entry,
exactly once however often the event is delivered."""

from __future__ import annotations

from datetime import date

from notifications_support import (
    BASE_URL,
    a_school_with_a_teacher,
    application_fields,
    html_of,
    inbox,
    new_id,
    o,
    person,
    publish,
    text_of,
    wait_for_persons,
)


async def test_a_submitted_application_mails_the_regions_office_staff_and_the_applicant_once(
    notifications, mailbox, nats_url
):
    staff = person(name="Anja Müller", email="anja.mueller@netzwerk.test", user_sub="sub-anja")
    colleague = person(name="Björn Groß", email="bjoern.gross@netzwerk.test")
    elsewhere = person(name="Harz Büro", email="buero@harz.test", region="harz")
    principal = person(name="Schulleitung", email="leitung@schule.test", function="principal")
    await publish(nats_url, staff, colleague, elsewhere, principal)
    await wait_for_persons(notifications, staff.id, colleague.id, elsewhere.id, principal.id)

    submitted = o.ApplicationSubmitted(**application_fields())
    marker = o.ApplicationSubmitted(
        **application_fields(contact={"name": "Marker", "email": "marker@schule.test"})
    )
    await publish(nats_url, submitted, times=3)
    await publish(nats_url, marker)
    await mailbox.wait_for("marker@schule.test")  # the consumer is past all three copies

    subject = "Neuer Antrag eingereicht: Streitschlichtung an der Grundschule Süd"
    link = f"{BASE_URL}/applications/{submitted.id}"
    for address in ("anja.mueller@netzwerk.test", "bjoern.gross@netzwerk.test"):
        (mail,) = [mail for mail in mailbox.to(address) if str(submitted.id) in text_of(mail)]
        assert mail["Subject"] == subject
        assert link in text_of(mail) and f'href="{link}"' in html_of(mail)
        assert "2.500,00 €" in text_of(mail)
    (receipt,) = mailbox.to("joerg.weiss@schule.test")
    assert (
        receipt["Subject"]
        == "Ihr Antrag wurde eingereicht: Streitschlichtung an der Grundschule Süd"
    )
    assert "Guten Tag Jörg Weiß," in text_of(receipt)
    assert mailbox.to("buero@harz.test") == [] and mailbox.to("leitung@schule.test") == []

    # Inbox: the staff member by token subject, the applicant by token e-mail.
    staff_token = notifications.auth("network_office", "boerde", sub="sub-anja")
    (entry,) = [
        e for e in await inbox(notifications, staff_token) if str(submitted.id) in e["link"]
    ]
    assert entry["kind"] == "application_submitted"
    assert entry["title"] == subject
    assert entry["link"] == f"/applications/{submitted.id}"
    assert entry["read"] is False
    assert entry["source_event_id"]
    applicant = notifications.auth("school", sub="someone", email="Joerg.Weiss@schule.test")
    (own,) = await inbox(notifications, applicant)
    assert own["title"].startswith("Ihr Antrag wurde eingereicht")


async def test_decisions_mail_the_applicant_and_the_schools_persons(
    notifications, mailbox, nats_url
):
    school_id = await a_school_with_a_teacher(notifications, nats_url)
    common = {"school_ids": [school_id], "decided_by": "office"}
    approved = o.ApplicationApproved(
        **application_fields(title="Medienkompetenz für Fünftklässler", **common),
        approved_cents=180000,
        conditions="Nachweis der Honorarverträge",
        report_due=date(2026, 7, 28),
    )
    rejected = o.ApplicationRejected(
        **application_fields(title="Erlebnispädagogik am Brocken", **common),
        reason="Der Fonds ist für dieses Jahr ausgeschöpft.",
    )
    returned = o.ApplicationReturned(
        **application_fields(title="Übergang Kita–Schule", **common), reason="Bitte Budget prüfen."
    )
    await publish(nats_url, approved, rejected, returned, times=2)

    expected = {
        "Antrag bewilligt: Medienkompetenz für Fünftklässler": approved.id,
        "Antrag abgelehnt: Erlebnispädagogik am Brocken": rejected.id,
        "Antrag zur Überarbeitung zurückgegeben: Übergang Kita–Schule": returned.id,
    }
    for address in ("joerg.weiss@schule.test", "schaefer@schule.test"):
        for subject, application_id in expected.items():
            (mail,) = await mailbox.wait_for(address, subject)
            assert mail["Subject"] == subject
            assert f"{BASE_URL}/applications/{application_id}" in text_of(mail)
    (approval,) = mailbox.to("schaefer@schule.test", "bewilligt")
    assert "1.800,00 €" in text_of(approval) and "Nachweis der Honorarverträge" in text_of(approval)
    assert "28. Juli 2026" in text_of(approval)
    # the documents: grant notice and rejection letter on the application's page
    assert f"{BASE_URL}/antraege/{approved.id}#dokumente" in text_of(approval)
    (rejection,) = mailbox.to("schaefer@schule.test", "abgelehnt")
    assert "Ablehnungsbescheid" in text_of(rejection)
    assert f"{BASE_URL}/antraege/{rejected.id}#dokumente" in text_of(rejection)
    assert "Der Fonds ist für dieses Jahr ausgeschöpft." in text_of(
        mailbox.to("schaefer@schule.test", "abgelehnt")[0]
    )
    assert mailbox.to("andere@schule.test") == []

    # The report is due on 28 July 2026, so the reminder (a week before, already past) comes now.
    (reminder,) = await mailbox.wait_for("joerg.weiss@schule.test", "Sachbericht")
    assert reminder["Subject"] == (
        "Erinnerung: Sachbericht fällig am 28. Juli 2026 – Medienkompetenz für Fünftklässler"
    )
    assert mailbox.to("schaefer@schule.test", "Sachbericht") == []
    applicant = notifications.auth("school", sub="x", email="joerg.weiss@schule.test")
    kinds = sorted(e["kind"] for e in await inbox(notifications, applicant))
    assert kinds == [
        "application_approved",
        "application_rejected",
        "application_returned",
        "report_due",
    ]


async def test_a_refused_committee_decision_tells_the_regions_office(
    notifications, mailbox, nats_url
):
    staff = person(name="Anja Müller", email="anja.mueller@netzwerk.test")
    await publish(nats_url, staff)
    await wait_for_persons(notifications, staff.id)
    refused = o.ApplicationDecisionRefused(
        application_id=new_id(),
        region="boerde",
        decision_id=new_id(),
        outcome="approved",
        approved_cents=900000,
        rule="fund-budget-exceeded",
        detail="Der Fonds hat nur noch 4.000,00 € verfügbar.",
        title="Schülerfirma Grünschnabel",
    )
    await publish(nats_url, refused, times=2)
    (mail,) = await mailbox.wait_for("anja.mueller@netzwerk.test")
    assert mail["Subject"] == "Beschluss konnte nicht übernommen werden: Schülerfirma Grünschnabel"
    assert "fund-budget-exceeded" in text_of(mail)
    assert f"{BASE_URL}/applications/{refused.application_id}" in text_of(mail)
