"""Youth micro-projects (issue 20): the adult sponsor named on a micro-project gets one German
e-mail with the link to confirm or decline it, however often the event comes; nobody else."""

from __future__ import annotations

import asyncio

from notifications_support import BASE_URL, TEACHER, html_of, new_id, o, publish, text_of

SPONSOR = {"name": "Frau Sommer", "email": "sommer@schulsozialarbeit.test"}


async def test_the_sponsor_gets_the_confirmation_link_once(notifications, mailbox, nats_url):
    event = o.YouthProjectReceived(
        id=new_id(),
        fund_id=new_id(),
        fund_name="Jugendfonds Börde 2027",
        region="boerde",
        school_id=new_id(),
        title="Wir bauen ein Hochbeet",
        requested_cents=30_000,
        sponsor=SPONSOR,
        token="geheimes-token-123",
        confirm_by="2027-03-15",
    )
    await publish(nats_url, event, times=2)

    (mail,) = await mailbox.wait_for(SPONSOR["email"], count=1)
    assert str(mail["Subject"]) == "Bitte bestätigen: Jugendprojekt „Wir bauen ein Hochbeet“"
    link = f"{BASE_URL}/jugendprojekte/bestaetigen/geheimes-token-123"
    text = text_of(mail)
    assert link in text and "300,00 €" in text and "15. März 2027" in text
    assert "Guten Tag Frau Sommer," in text
    assert f'href="{link}"' in html_of(mail)
    await asyncio.sleep(1)  # the event delivered twice is mailed once
    assert len(mailbox.to(SPONSOR["email"])) == 1
    assert mailbox.to(TEACHER) == []
