"""Committee decisions from meetings (``meetings.decision.recorded``) applied by offers' durable
consumer against a real NATS server: once per decision, with the same checks as a manual one;
refused ones are kept and announced; unknown applications go to the dead letters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from offers_support import World
from sqlalchemy import select

from schulerfolg.events.meetings import DecisionRecorded, Votes
from schulerfolg.events.offers import GrantNoticeIssued
from schulerfolg_dev.testing.events import about, collect_events
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import publish_events, wrap


def decision(world: World, app: dict[str, Any], **fields: Any) -> Any:
    payload = DecisionRecorded(
        **{
            "id": str(uuid.uuid4()),
            "meeting_id": str(uuid.uuid4()),
            "agenda_item_id": str(uuid.uuid4()),
            "committee_id": world.committee_id,
            "region": "boerde",
            "application_id": app["id"],
            "outcome": "approved",
            "approved_cents": 70_000,
            "conditions": "Mit Elternabend",
            "votes": Votes(yes=5, no=1, abstain=0),
            "decided_at": datetime(2026, 12, 1, 17, tzinfo=UTC),
            **fields,
        }
    )
    return wrap(payload, entity_id=payload.id, region="boerde")


async def _app(world: World, app: dict[str, Any]) -> dict[str, Any]:
    response = await world.client.get(f"/api/v1/applications/{app['id']}", headers=world.office())
    return response.json()


async def _decisions(world: World, app: dict[str, Any]) -> list[dict[str, Any]]:
    response = await world.client.get(
        f"/api/v1/applications/{app['id']}/decisions", headers=world.office()
    )
    return response.json()["items"]


async def test_a_decision_delivered_three_times_is_applied_once(world: World):
    fund = await world.fund()
    app = await world.submitted(fund)
    event = decision(world, app)
    await publish_events(world.nats_url, [event], times=3)

    async def approved() -> Any:
        return (await _app(world, app))["status"] == "approved"

    await eventually(approved)
    events = await collect_events(
        world.nats_url,
        stream="OFFERS",
        subject="sfs.*.offers.application.>",
        count=2,
        where=lambda e: (
            about(f"applications/{app['id']}")(e) and not isinstance(e.data, GrantNoticeIssued)
        ),  # its document comes on its own
        settle=1.0,
    )
    assert [e.type.split(".")[-2] for e, _ in events] == ["submitted", "approved"]
    approved_event = events[1][0].data
    assert approved_event.decided_by == "committee"
    assert str(approved_event.decision_id) == str(event.data.id)
    now = await _app(world, app)
    assert (now["approved_cents"], now["conditions"]) == (70_000, "Mit Elternabend")
    fund_now = (
        await world.client.get(f"/api/v1/funds/{fund['id']}", headers=world.office())
    ).json()
    assert fund_now["approved_cents"] == 70_000
    taken = await _decisions(world, app)
    assert [(d["source"], d["applied"]) for d in taken] == [("committee", True)]
    history = (
        await world.client.get(f"/api/v1/applications/{app['id']}/history", headers=world.office())
    ).json()["items"]
    assert [h["to_status"] for h in history].count("approved") == 1
    assert history[-1]["actor"] == f"committee:{world.committee_id}"

    # the same decision again under a new message id (a republishing producer) changes nothing
    await publish_events(world.nats_url, [event])
    await collect_events(
        world.nats_url,
        stream="OFFERS",
        subject="sfs.*.offers.application.>",
        count=2,
        where=lambda e: (
            about(f"applications/{app['id']}")(e) and not isinstance(e.data, GrantNoticeIssued)
        ),  # its document comes on its own
        settle=1.0,
    )
    assert len(await _decisions(world, app)) == 1


async def test_an_unknown_application_goes_to_the_dead_letters_and_the_consumer_goes_on(
    world: World,
):
    fund = await world.fund()
    app = await world.submitted(fund)
    ghost = decision(world, {"id": str(uuid.uuid4())})
    good = decision(world, app, outcome="rejected", approved_cents=None, reason="Kein Bedarf")
    await publish_events(world.nats_url, [ghost, good])

    async def rejected() -> Any:
        return (await _app(world, app))["status"] == "rejected"

    await eventually(rejected)
    tables = world.service.runtime.tables

    async def dead_letters() -> Any:
        async with world.service.runtime.db.transaction(readonly=True) as session:
            return (await session.execute(select(tables.dead_letters))).mappings().all()

    letters = await eventually(dead_letters)
    assert [(row["event_id"], row["consumer"]) for row in letters] == [
        (str(ghost.id), "offers-committee-decisions")
    ]
    assert "unknown application" in letters[0]["reason"]


async def test_a_decision_that_cannot_be_applied_is_recorded_and_announced(world: World):
    fund = await world.fund(budget_cents=100_000, requires_consultation=False)
    app = await world.submitted(
        fund, budget_lines=[{"category": "fees", "description": "Honorar", "amount_cents": 150_000}]
    )
    withdrawn = await world.submitted(fund)
    await world.act(withdrawn, "withdraw", world.school())
    stranger = await world.submitted(fund)

    too_much = decision(world, app, approved_cents=150_000)
    too_late = decision(world, withdrawn)
    wrong_committee = decision(world, stranger, committee_id=str(uuid.uuid4()))
    await publish_events(world.nats_url, [too_much, too_late, wrong_committee])

    refused = await collect_events(
        world.nats_url,
        stream="OFFERS",
        subject="sfs.*.offers.application.decision_refused",
        count=3,
        where=lambda e: (
            str(e.data.decision_id)
            in {str(too_much.data.id), str(too_late.data.id), str(wrong_committee.data.id)}
        ),
        timeout=20,
    )
    rules = {str(e.data.decision_id): e.data.rule for e, _ in refused}
    assert rules == {
        str(too_much.data.id): "fund-budget-exceeded",
        str(too_late.data.id): "decide-only-when-submitted",
        str(wrong_committee.data.id): "not-the-deciding-committee",
    }
    assert all(e.region == "boerde" and e.data.title for e, _ in refused)
    assert (await _app(world, app))["status"] == "submitted"
    assert (await _app(world, withdrawn))["status"] == "withdrawn"
    taken = await _decisions(world, app)
    assert [(d["applied"], d["refused_rule"]) for d in taken] == [(False, "fund-budget-exceeded")]
    assert taken[0]["approved_cents"] == 150_000
    fund_now = (
        await world.client.get(f"/api/v1/funds/{fund['id']}", headers=world.office())
    ).json()
    assert fund_now["approved_cents"] == 0

    # the office can still decide: a reduced approval fits
    response = await world.client.post(
        f"/api/v1/applications/{app['id']}/decision",
        json={"outcome": "approved", "approved_cents": 100_000},
        headers=world.office(),
    )
    assert response.status_code == 200, response.text


async def test_a_fund_without_a_deciding_committee_takes_no_committee_decision(world: World):
    """Only the fund's deciding committee decides; without one, the office does (no committee
    of any region can decide on such an application)."""
    fund = await world.fund(deciding_committee_id=None, requires_consultation=False)
    app = await world.submitted(fund)
    event = decision(world, app, outcome="rejected", approved_cents=None, reason="x")
    await publish_events(world.nats_url, [event])
    (refused,) = await collect_events(
        world.nats_url,
        stream="OFFERS",
        subject="sfs.*.offers.application.decision_refused",
        where=lambda e: str(e.data.decision_id) == str(event.data.id),
    )
    assert refused[0].data.rule == "no-deciding-committee"
    assert (await _app(world, app))["status"] == "submitted"
