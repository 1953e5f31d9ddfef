"""Payment events (issue 16): an approved payment request and the money paid reach the
application's contact and the persons of its schools (as a decision does) with a German e-mail,
once however often the event comes."""

from __future__ import annotations

from notifications_support import (
    BASE_URL,
    OTHER_SCHOOL,
    TEACHER,
    a_school_with_a_teacher,
    html_of,
    new_id,
    o,
    publish,
    text_of,
)

CONTACT = {"name": "Jörg Weiß", "email": "joerg.weiss@schule.test"}


def payment(event: type, school_id: str, **fields: object) -> object:
    return event(
        **{
            "version": 2,
            "id": new_id(),
            "application_id": new_id(),
            "fund_id": new_id(),
            "region": "boerde",
            "title": "Zirkusprojekt Manege frei",
            "school_ids": [school_id],
            "status": "approved",
            "amount_cents": 123_450,
            "approved_cents": 900_000,
            "committed_cents": 123_450,
            "paid_cents": 0,
            "contact": CONTACT,
        }
        | fields
    )


async def test_approved_and_paid_payments_mail_the_contact_and_the_schools_persons_once(
    notifications, mailbox, nats_url
):
    school_id = await a_school_with_a_teacher(notifications, nats_url)
    approved = payment(o.PaymentApproved, school_id)
    paid = payment(
        o.PaymentPaid,
        school_id,
        application_id=approved.application_id,
        paid_on="2027-05-10",
        reference="KA-2027-0815",
    )
    await publish(nats_url, approved, times=2)
    await publish(nats_url, paid)

    for address in (TEACHER, CONTACT["email"]):
        received = await mailbox.wait_for(address, count=2)
        assert len(received) == 2  # the approval delivered twice is mailed once
        mails = {str(m["Subject"]): m for m in received}
        assert set(mails) == {
            "Mittelabruf bewilligt: Zirkusprojekt Manege frei",
            "Mittel ausgezahlt: Zirkusprojekt Manege frei",
        }
        first = mails["Mittelabruf bewilligt: Zirkusprojekt Manege frei"]
        link = f"{BASE_URL}/antraege/{approved.application_id}/mittelabruf"
        assert "1.234,50 €" in text_of(first) and link in text_of(first)
        assert f'href="{link}"' in html_of(first)
        second = mails["Mittel ausgezahlt: Zirkusprojekt Manege frei"]
        assert "KA-2027-0815" in text_of(second) and "10. Mai 2027" in text_of(second)
    assert "Guten Tag Jörg Weiß," in text_of(mailbox.to(CONTACT["email"])[0])
    assert mailbox.to(OTHER_SCHOOL) == []


async def test_a_payment_without_a_contact_reaches_the_schools_persons(
    notifications, mailbox, nats_url
):
    """An erased contact (or an event from before payments carried one): the schools alone."""
    school_id = await a_school_with_a_teacher(notifications, nats_url)
    approved = payment(o.PaymentApproved, school_id, contact=None, title="Ohne Kontakt")
    await publish(nats_url, approved)
    marker = payment(o.PaymentApproved, school_id, title="Marker")
    await publish(nats_url, marker)
    (mail,) = await mailbox.wait_for(TEACHER, "Ohne Kontakt")
    assert mail["Subject"] == "Mittelabruf bewilligt: Ohne Kontakt"
    await mailbox.wait_for(CONTACT["email"], "Marker")  # the consumer is past the first
    assert mailbox.to(CONTACT["email"], "Ohne Kontakt") == []
