"""Circular decisions (Umlaufverfahren): started for an application waiting for the committee or
a question, voted on by the members (recused ones refused, one vote each, concurrent votes
counted once), closed when all votes are in or at the deadline (the housekeeping, with its clock
moved instead of waiting). PostgreSQL, real NATS; persons and applications arrive as events."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

from meetings_support import (
    OFFICE,
    add_member,
    create_committee,
    known_person,
    pending,
    person_event,
    submitted_event,
)

from schulerfolg.events.offers import ApplicationDecisionRefused
from schulerfolg_dev.testing.events import EventTap
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import publish_events, wrap

APPLICANT = str(uuid.uuid4())
PARTNER = str(uuid.uuid4())
NEUTRAL = str(uuid.uuid4())
KINDS = {"CircularStarted", "CircularDecided", "DecisionRecorded"}


def soon(hours: float = 48) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


async def committee_with_application(meetings, nats_url, *, quorum=None):
    """Four voting members (Anton from the applicant, Paula from a partner, Nora and Sven
    neutral), a guest without a vote, no session: a submitted application waits on the queue."""
    people = {
        "nora": person_event(name="Nora Neutral", organization_id=NEUTRAL, user_sub="kc-nora"),
        "sven": person_event(name="Sven Zweit", organization_id=NEUTRAL, user_sub="kc-sven"),
        "anton": person_event(name="Anton Antrag", organization_id=APPLICANT, user_sub="kc-anton"),
        "paula": person_event(name="Paula Partner", organization_id=PARTNER, user_sub="kc-paula"),
        "gerd": person_event(name="Gerd Gast", user_sub="kc-gerd"),
    }
    await publish_events(nats_url, people.values())
    ids = {key: str(event.data.id) for key, event in people.items()}
    for person_id in ids.values():
        await known_person(meetings, person_id)
    committee = await create_committee(meetings, **({"quorum": quorum} if quorum else {}))
    for key in ("nora", "sven", "anton", "paula"):
        await add_member(meetings, committee["id"], ids[key])
    await add_member(meetings, committee["id"], ids["gerd"], role="guest", voting=False)
    event = submitted_event(
        committee["id"], applicant_organization_id=APPLICANT, partner_organization_ids=[PARTNER]
    )
    await publish_events(nats_url, [event])
    await eventually(lambda: pending(meetings, committee["id"]))
    return committee, ids, event


async def start(meetings, committee_id, role=OFFICE, **body):
    return await meetings.client.post(
        f"/api/v1/committees/{committee_id}/circulars",
        json={"deadline": soon()} | body,
        headers=meetings.auth(*role),
    )


async def vote(meetings, circular_id, sub, choice="yes"):
    return await meetings.client.post(
        f"/api/v1/circulars/{circular_id}/votes",
        json={"vote": choice},
        headers=meetings.auth("school", sub=sub),
    )


async def record(meetings, circular_id, sub=None):
    headers = meetings.auth("school", sub=sub) if sub else meetings.auth(*OFFICE)
    response = await meetings.client.get(f"/api/v1/circulars/{circular_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_circular_decides_an_application_and_a_recused_vote_is_refused(meetings, nats_url):
    committee, ids, event = await committee_with_application(meetings, nats_url, quorum=2)
    application_id = str(event.data.id)

    # Only organisers start; one subject; the deadline in the future; a pending application.
    response = await start(meetings, committee["id"], ("school",), application_id=application_id)
    assert response.status_code == 403
    response = await start(
        meetings, committee["id"], application_id=application_id, question="Beides?"
    )
    assert response.status_code == 422
    response = await start(
        meetings,
        committee["id"],
        application_id=application_id,
        deadline=(datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "deadline"
    response = await start(meetings, committee["id"], application_id=str(uuid.uuid4()))
    assert response.status_code == 409 and response.json()["rule"] == "application-not-pending"

    async with EventTap(nats_url, stream="MEETINGS", subject="sfs.*.meetings.>") as tap:
        response = await start(meetings, committee["id"], application_id=application_id)
        assert response.status_code == 201, response.text
        circular = response.json()
        assert (circular["status"], circular["voters"], circular["quorum"]) == ("open", 2, 2)
        assert circular["title"] == "Zirkusprojekt Klasse 5"
        again = await start(meetings, committee["id"], application_id=application_id)
        assert again.status_code == 409 and again.json()["rule"] == "circular-running"

        recused = await vote(meetings, circular["id"], "kc-anton")
        assert recused.status_code == 409 and recused.json()["rule"] == "member-recused"
        guest = await vote(meetings, circular["id"], "kc-gerd")
        assert guest.status_code == 403
        stranger = await vote(meetings, circular["id"], "kc-nobody")
        assert stranger.status_code == 403

        assert (await vote(meetings, circular["id"], "kc-nora", "yes")).status_code == 201
        again = await vote(meetings, circular["id"], "kc-nora", "no")
        assert again.status_code == 409 and again.json()["rule"] == "already-voted"
        mine = await record(meetings, circular["id"], "kc-nora")
        assert mine["my_state"] == "yes" and mine["status"] == "open"
        last = await vote(meetings, circular["id"], "kc-sven", "abstain")
        assert last.status_code == 201, last.text
        assert (last.json()["status"], last.json()["outcome"]) == ("decided", "approved")

        seen = await tap.collect(
            where=lambda e: type(e.data).__name__ in KINDS, count=3, settle=1.0
        )
    by_type = {type(e.data).__name__: e for e, _ in seen}
    started = by_type["CircularStarted"].data
    assert {str(p) for p in started.voter_ids} == {ids["nora"], ids["sven"]}
    assert {str(p) for p in started.recused_ids} == {ids["anton"], ids["paula"]}
    decision = by_type["DecisionRecorded"].data
    assert (str(decision.id), decision.meeting_id, str(decision.application_id)) == (
        circular["id"],
        None,
        application_id,
    )
    assert (decision.outcome, decision.approved_cents) == ("approved", 250_000)
    assert (decision.votes.yes, decision.votes.no, decision.votes.abstain) == (1, 0, 1)
    assert await pending(meetings, committee["id"]) == []  # decided: off the queue

    lines = {line["person_id"]: line for line in (await record(meetings, circular["id"]))["record"]}
    assert {k: lines[ids[k]]["state"] for k in ("nora", "sven", "anton", "paula")} == {
        "nora": "yes",
        "sven": "abstain",
        "anton": "recused",
        "paula": "recused",
    }
    assert lines[ids["nora"]]["name"] == "Nora Neutral"
    closed = await vote(meetings, circular["id"], "kc-nora")
    assert closed.status_code == 409

    # offers could not apply it (say the fund ran dry): the circular shows the refusal.
    refusal = ApplicationDecisionRefused(
        application_id=application_id,
        region="boerde",
        decision_id=circular["id"],
        committee_id=committee["id"],
        outcome="approved",
        approved_cents=250_000,
        rule="fund-budget-exceeded",
        detail="Der Fonds hat nicht genug Mittel.",
    )
    await publish_events(nats_url, [wrap(refusal, entity_id=application_id, region="boerde")])

    async def refused():
        body = await record(meetings, circular["id"])
        return body if body["status"] == "refused" else None

    assert (await eventually(refused))["refused_rule"] == "fund-budget-exceeded"


async def test_without_quorum_at_the_deadline_the_circular_fails(meetings, nats_url):
    committee, ids, event = await committee_with_application(meetings, nats_url, quorum=2)
    response = await start(
        meetings, committee["id"], application_id=str(event.data.id), deadline=soon(30)
    )
    circular = response.json()
    assert (await vote(meetings, circular["id"], "kc-nora", "yes")).status_code == 201
    housekeeping = meetings.runtime.housekeeping
    async with EventTap(nats_url, stream="MEETINGS", subject="sfs.*.meetings.circular.>") as tap:
        # Ten hours on: less than a day before the deadline, Sven (who has not voted) is
        # reminded — once.
        housekeeping.retention = dataclasses.replace(
            housekeeping.retention, clock_offset=timedelta(hours=10)
        )
        await housekeeping.purge()
        await housekeeping.purge()
        assert (await record(meetings, circular["id"]))["status"] == "open"
        # Past the deadline: one vote of the two needed — failed; nothing decided.
        housekeeping.retention = dataclasses.replace(
            housekeeping.retention, clock_offset=timedelta(hours=31)
        )
        await housekeeping.purge()
        seen = await tap.collect(count=2, settle=1.0)
    types = [type(e.data).__name__ for e, _ in seen]
    assert types == ["CircularReminded", "CircularFailed"]
    assert [str(p) for p in seen[0][0].data.voter_ids] == [ids["sven"]]
    failed = await record(meetings, circular["id"])
    assert (failed["status"], failed["outcome"], failed["votes_yes"]) == ("failed", None, 1)
    # the application still waits for the next session
    assert [i["application_id"] for i in await pending(meetings, committee["id"])] == [
        str(event.data.id)
    ]
    late = await vote(meetings, circular["id"], "kc-sven")
    assert late.status_code == 409


async def test_concurrent_votes_are_counted_once_each(meetings, nats_url):
    people = [
        person_event(name=f"Mitglied {n}", organization_id=NEUTRAL, user_sub=f"kc-m{n}")
        for n in range(10)
    ]
    await publish_events(nats_url, people)
    for person in people:
        await known_person(meetings, str(person.data.id))
    committee = await create_committee(meetings, name="Jugendjury Börde", kind="youth_jury")
    for person in people:
        await add_member(meetings, committee["id"], str(person.data.id))
    response = await start(
        meetings, committee["id"], question="Soll die Jury im Mai tagen?", title="Maitermin"
    )
    assert response.status_code == 201, response.text
    circular = response.json()
    assert circular["quorum"] == 6  # more than half of ten

    # every member votes twice at once: ten votes are counted, ten are refused
    ballots = [
        vote(meetings, circular["id"], f"kc-m{n}", "no" if n < 3 else "yes") for n in range(10)
    ]
    answers = await asyncio.gather(
        *ballots, *[vote(meetings, circular["id"], f"kc-m{n}") for n in range(10)]
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * 10 + [409] * 10
    final = await record(meetings, circular["id"])
    assert (final["votes_yes"] + final["votes_no"], final["status"]) == (10, "decided")
    assert final["outcome"] == "approved"
    assert sum(1 for line in final["record"] if line["state"] != "not_voted") == 10
