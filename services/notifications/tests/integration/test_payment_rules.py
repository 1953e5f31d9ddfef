"""Payment events (issue 16): an approved payment request and the money paid reach the persons
of the application's schools with a German e-mail, once however often the event comes."""

from __future__ import annotations

from notifications_support import (
    BASE_URL,
    html_of,
    new_id,
    o,
    person,
    publish,
    text_of,
    wait_for_persons,
)


def payment(event: type, school_id: str, **fields: object) -> object:
    app_id = new_id()
    return event(
        version=2,
        id=new_id(),
        application_id=app_id,
        fund_id=new_id(),
        region="boerde",
        title="Zirkusprojekt Manege frei",
        school_ids=[school_id],
        status="approved",
        amount_cents=123_450,
        approved_cents=900_000,
        committed_cents=123_450,
        paid_cents=0,
        **fields,
    )


async def test_approved_and_paid_payments_mail_the_schools_persons_once(
    notifications, mailbox, nats_url
):
    school_id, other_school = new_id(), new_id()
    teacher = person(
        name="Lehrerin Schäfer",
        email="schaefer@schule.test",
        function="teacher",
        school_id=school_id,
    )
    unrelated = person(
        name="Andere Schule",
        email="andere@schule.test",
        function="teacher",
        school_id=other_school,
    )
    await publish(nats_url, teacher, unrelated)
    await wait_for_persons(notifications, teacher.id, unrelated.id)

    approved = payment(o.PaymentApproved, str(school_id))
    paid = payment(o.PaymentPaid, str(school_id), paid_on="2027-05-10", reference="KA-2027-0815")
    await publish(nats_url, approved, times=2)
    await publish(nats_url, paid)
    await mailbox.wait_for("schaefer@schule.test", count=2)

    received = mailbox.to("schaefer@schule.test")
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
    assert mailbox.to("andere@schule.test") == []
