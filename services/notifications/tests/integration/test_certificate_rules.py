"""A registrant marked present at a training (meetings.registration.attended with a
certificate) gets „Ihre Teilnahmebescheinigung“ with the link to the web's download page, once;
at an event without certificates nobody is written to."""

from __future__ import annotations

import asyncio

from notifications_support import (
    BASE_URL,
    m,
    meeting_fields,
    publish,
    registration_fields,
    text_of,
)


async def test_the_registrant_present_gets_the_certificate_link(notifications, mailbox, nats_url):
    training = meeting_fields(kind="training", committee_id=None, title="Fortbildung Mediation")
    anna = registration_fields(training, name="Anna Außenstehend", email="anna@gast.test")
    quiet = registration_fields(
        meeting_fields(kind="network_meeting", committee_id=None, title="Netzwerktreffen"),
        name="Ben Gast",
        email="ben@gast.test",
    )
    await publish(
        nats_url,
        m.RegistrationAttended(**quiet, certificate=False),  # handled before Anna's (one consumer)
        m.RegistrationAttended(**anna, certificate=True),
        times=2,
    )
    (mail,) = await mailbox.wait_for("anna@gast.test", "Teilnahmebescheinigung")
    assert mail["Subject"] == "Ihre Teilnahmebescheinigung: Fortbildung Mediation"
    link = (
        f"{BASE_URL}/veranstaltungen/{training['id']}/anmeldungen/{anna['id']}"
        "/teilnahmebescheinigung"
    )
    assert link in text_of(mail)
    assert "Guten Tag Anna Außenstehend" in text_of(mail)
    await asyncio.sleep(1)
    assert len(mailbox.to("anna@gast.test")) == 1  # the repeated event: once
    assert mailbox.to("ben@gast.test") == []
