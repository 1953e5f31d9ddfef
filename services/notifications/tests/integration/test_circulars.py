"""Circular decisions: the voting members who are not recused are asked to vote (with the link to
the vote page), those who have not voted are reminded, and the members hear the result; no one
outside the event's voters is written to."""

from __future__ import annotations

from datetime import UTC, datetime

from notifications_support import (
    BASE_URL,
    m,
    member,
    new_id,
    person,
    publish,
    rows,
    text_of,
    wait_for_persons,
)
from sqlalchemy import select

from notifications.models import CommitteeMember
from schulerfolg_dev.testing.plugin import eventually


async def _count(service, statement, count):
    return len(await rows(service, statement)) >= count


def circular(committee_id: str, **fields):
    return {
        "id": new_id(),
        "committee_id": committee_id,
        "region": "boerde",
        "title": "Zirkusprojekt Klasse 5",
        "application_id": new_id(),
        "deadline": datetime(2027, 3, 5, 17, 0, tzinfo=UTC),
    } | fields


async def test_members_are_asked_reminded_and_told_the_result(notifications, mailbox, nats_url):
    nora = person(name="Nora Neutral", email="nora@kreis.test")
    sven = person(name="Sven Zweit", email="sven@kreis.test")
    anton = person(name="Anton Antrag", email="anton@traeger.test")  # recused
    await publish(nats_url, nora, sven, anton)
    await wait_for_persons(notifications, nora.id, sven.id, anton.id)
    committee = new_id()
    await publish(
        nats_url,
        member(committee, nora.id, committee_version=2),
        member(committee, sven.id, committee_version=3),
        member(committee, anton.id, committee_version=4),
    )
    # the memberships come through another consumer: wait until they are known
    seated = select(CommitteeMember.person_id).where(CommitteeMember.committee_id == committee)
    await eventually(lambda: _count(notifications, seated, 3))
    fields = circular(committee)
    voters = [nora.id, sven.id]
    await publish(
        nats_url, m.CircularStarted(**fields, voter_ids=voters, recused_ids=[anton.id]), times=2
    )
    for address in ("nora@kreis.test", "sven@kreis.test"):
        (mail,) = await mailbox.wait_for(address, "Umlaufverfahren")
        assert mail["Subject"].startswith("Umlaufverfahren: Zirkusprojekt Klasse 5 – Ihre Stimme")
        assert f"{BASE_URL}/umlaufverfahren/{fields['id']}" in text_of(mail)
        assert "bis Freitag, 5. März 2027, 18:00 Uhr ab" in text_of(mail)

    await publish(nats_url, m.CircularReminded(**fields, voter_ids=[sven.id]))
    (reminder,) = await mailbox.wait_for("sven@kreis.test", "Erinnerung")
    assert "noch nicht abgestimmt" in text_of(reminder)

    await publish(
        nats_url,
        m.CircularDecided(
            **fields, outcome="approved", votes=m.Votes(yes=1, abstain=1), voter_ids=voters
        ),
    )
    (result,) = await mailbox.wait_for("nora@kreis.test", "angenommen")
    assert "1 Ja, 0 Nein, 1 Enthaltung" in text_of(result)

    other = circular(committee, title="Maitermin", application_id=None)
    await publish(
        nats_url,
        m.CircularFailed(**other, votes=m.Votes(yes=1), quorum=2, voter_ids=[nora.id]),
    )
    (failed,) = await mailbox.wait_for("nora@kreis.test", "nicht beschlussfähig")
    assert "nötige Zahl an Stimmen (2)" in text_of(failed)

    # the recused member got none of it, Nora had no reminder
    assert mailbox.to("anton@traeger.test") == []
    assert mailbox.to("nora@kreis.test", "Erinnerung") == []
    assert len(mailbox.to("sven@kreis.test", "Umlaufverfahren: Zirkusprojekt")) == 1
