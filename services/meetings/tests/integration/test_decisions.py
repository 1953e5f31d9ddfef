"""Decisions with quorum and recusal; the recorded decision is published exactly once.
PostgreSQL, real NATS; persons arrive as registry events."""

from __future__ import annotations

import uuid

from meetings_support import (
    OFFICE,
    add_member,
    agenda,
    create_committee,
    create_session,
    known_person,
    person_event,
    submitted_event,
)

from schulerfolg_dev.testing.events import EventTap
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import publish_events

APPLICANT = str(uuid.uuid4())
PARTNER = str(uuid.uuid4())
NEUTRAL = str(uuid.uuid4())


async def steering_group(meetings, nats_url):
    """A committee with three voting members (one from the applicant, one from a partner,
    one neutral), a non-voting guest, a session and one application on its agenda."""
    people = {
        "neutral": person_event(name="Nora Neutral", organization_id=NEUTRAL, user_sub="kc-nora"),
        "applicant": person_event(name="Anton Antrag", organization_id=APPLICANT),
        "partner": person_event(name="Paula Partner", organization_id=PARTNER),
        "second": person_event(name="Sven Zweit", organization_id=NEUTRAL),
        "guest": person_event(name="Gerd Gast"),
    }
    await publish_events(nats_url, people.values())
    ids = {key: str(event.data.id) for key, event in people.items()}
    for person_id in ids.values():
        await known_person(meetings, person_id)
    committee = await create_committee(meetings)
    for key in ("neutral", "applicant", "partner", "second"):
        await add_member(meetings, committee["id"], ids[key])
    await add_member(meetings, committee["id"], ids["guest"], role="guest", voting=False)
    session = await create_session(meetings, committee["id"])
    event = submitted_event(
        committee["id"], applicant_organization_id=APPLICANT, partner_organization_ids=[PARTNER]
    )
    await publish_events(nats_url, [event])
    (item,) = await eventually(lambda: agenda(meetings, session["id"]))
    return committee, session, item, ids, event


async def attend(meetings, session, *person_ids):
    response = await meetings.client.post(
        f"/api/v1/meetings/{session['id']}/attendance",
        json={"person_ids": list(person_ids)},
        headers=meetings.auth(*OFFICE),
    )
    assert response.status_code == 200, response.text
    return response.json()


async def decide(meetings, session, item, **body):
    return await meetings.client.post(
        f"/api/v1/meetings/{session['id']}/agenda/{item['id']}/decision",
        json={"outcome": "approved"} | body,
        headers=meetings.auth(*OFFICE),
    )


async def test_quorum_recusal_and_exactly_one_recorded_decision(meetings, nats_url):
    committee, session, item, ids, event = await steering_group(meetings, nats_url)
    # 4 voting members: the default quorum is 3 present who are not recused.
    response = await meetings.client.get(
        f"/api/v1/committees/{committee['id']}", headers=meetings.auth(*OFFICE)
    )
    assert response.json()["quorum_required"] == 3

    response = await decide(meetings, session, item)
    assert response.status_code == 409 and response.json()["rule"] == "no-quorum"

    # Four present, but two are recused (applicant and partner): 2 < 3, still no quorum.
    await attend(meetings, session, ids["neutral"], ids["applicant"], ids["partner"], ids["second"])
    response = await decide(meetings, session, item)
    assert response.status_code == 409 and response.json()["rule"] == "no-quorum"
    assert "2 voting member(s) present" in response.json()["detail"]

    # With a quorum of 2 configured, the two who are not recused can decide.
    response = await meetings.client.patch(
        f"/api/v1/committees/{committee['id']}", json={"quorum": 2}, headers=meetings.auth(*OFFICE)
    )
    assert response.status_code == 200

    # A recused member's vote is refused, and so is a guest's.
    recused = await decide(
        meetings,
        session,
        item,
        ballots=[
            {"person_id": ids["applicant"], "vote": "yes"},
            {"person_id": ids["neutral"], "vote": "yes"},
        ],
    )
    assert recused.status_code == 409 and recused.json()["rule"] == "member-recused"
    guest = await decide(
        meetings, session, item, ballots=[{"person_id": ids["guest"], "vote": "yes"}]
    )
    assert guest.status_code == 409 and guest.json()["rule"] == "not-a-voting-member"

    async with EventTap(nats_url, stream="MEETINGS", subject="sfs.*.meetings.decision.>") as tap:
        response = await decide(
            meetings,
            session,
            item,
            approved_cents=200_000,
            conditions="Nachweis der Teilnehmerzahlen",
            ballots=[
                {"person_id": ids["neutral"], "vote": "yes"},
                {"person_id": ids["second"], "vote": "abstain"},
            ],
        )
        assert response.status_code == 201, response.text
        decision = response.json()
        assert decision["votes"] == {"yes": 1, "no": 0, "abstain": 1}
        assert (decision["present_voting"], decision["quorum"]) == (2, 2)

        second = await decide(meetings, session, item, outcome="rejected")
        assert second.status_code == 409 and second.json()["rule"] == "already-decided"

        recorded = await tap.collect(
            where=lambda e: str(e.data.agenda_item_id) == item["id"], count=1, settle=1.5
        )
    assert len(recorded) == 1
    data = recorded[0][0].data
    assert str(data.id) == decision["id"]
    assert str(data.application_id) == str(event.data.id)
    assert (data.outcome, data.approved_cents, data.conditions) == (
        "approved",
        200_000,
        "Nachweis der Teilnehmerzahlen",
    )
    assert (data.votes.yes, data.votes.no, data.votes.abstain) == (1, 0, 1)
    assert recorded[0][0].region == "boerde"

    items = await agenda(meetings, session["id"])
    assert items[0]["status"] == "decided" and items[0]["decision"]["id"] == decision["id"]


async def test_a_decision_needs_votes_that_fit_the_present_members_and_the_request(
    meetings, nats_url
):
    committee, session, item, ids, _ = await steering_group(meetings, nats_url)
    await attend(meetings, session, ids["neutral"], ids["second"], ids["guest"])
    await meetings.client.patch(
        f"/api/v1/committees/{committee['id']}", json={"quorum": 2}, headers=meetings.auth(*OFFICE)
    )
    too_many = await decide(meetings, session, item, votes={"yes": 2, "no": 1, "abstain": 0})
    assert too_many.status_code == 409 and too_many.json()["rule"] == "too-many-votes"
    too_much = await decide(meetings, session, item, approved_cents=250_001)
    assert too_much.status_code == 409 and too_much.json()["rule"] == "more-than-requested"
    absent = await decide(
        meetings, session, item, ballots=[{"person_id": ids["partner"], "vote": "no"}]
    )
    assert absent.status_code == 409 and absent.json()["rule"] == "member-recused"
    mismatch = await decide(
        meetings,
        session,
        item,
        votes={"yes": 2, "no": 0, "abstain": 0},
        ballots=[{"person_id": ids["neutral"], "vote": "yes"}],
    )
    assert mismatch.status_code == 422
    conditions = await decide(meetings, session, item, outcome="rejected", conditions="x")
    assert conditions.status_code == 422
    response = await decide(meetings, session, item, votes={"yes": 2})
    assert response.status_code == 201, response.text
    assert response.json()["approved_cents"] == 250_000  # the requested amount by default


async def test_members_read_what_their_committee_decides_on(meetings, nats_url):
    committee, session, item, ids, _ = await steering_group(meetings, nats_url)
    member = meetings.auth("school", sub="kc-nora")  # Nora's token: role aside, she sits there
    for url in (
        f"/api/v1/committees/{committee['id']}",
        f"/api/v1/committees/{committee['id']}/members",
        f"/api/v1/meetings/{session['id']}",
        f"/api/v1/meetings/{session['id']}/agenda",
    ):
        assert (await meetings.client.get(url, headers=member)).status_code == 200, url
        assert (
            await meetings.client.get(url, headers=meetings.auth("school", sub="kc-other"))
        ).status_code == 403, url
    members = (
        await meetings.client.get(f"/api/v1/committees/{committee['id']}/members", headers=member)
    ).json()["items"]
    assert {m["name"] for m in members} >= {"Nora Neutral", "Anton Antrag"}
    response = await decide(meetings, session, item)
    assert response.status_code == 409
    # A member without an office role cannot decide.
    response = await meetings.client.post(
        f"/api/v1/meetings/{session['id']}/agenda/{item['id']}/decision",
        json={"outcome": "approved"},
        headers=member,
    )
    assert response.status_code == 403
