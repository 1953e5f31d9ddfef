"""Agendas that fill themselves from submitted applications (events published to a real NATS
server as offers sends them), on PostgreSQL."""

from __future__ import annotations

import uuid

from meetings_support import (
    OFFICE,
    agenda,
    create_committee,
    create_meeting,
    create_session,
    in_days,
    pending,
    submitted_event,
)

from schulerfolg.events.offers import ApplicationWithdrawn
from schulerfolg_dev.testing.events import EventTap
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import publish_events, wrap


async def test_a_submission_delivered_three_times_puts_one_item_on_the_next_session(
    meetings, nats_url
):
    committee = await create_committee(meetings)
    later = await create_session(meetings, committee["id"], days=30)
    nearest = await create_session(meetings, committee["id"], days=10)
    cancelled = await create_session(meetings, committee["id"], days=5)
    await meetings.client.post(
        f"/api/v1/meetings/{cancelled['id']}/cancel", headers=meetings.auth(*OFFICE)
    )
    # A meeting of another kind is no session.
    await create_meeting(
        meetings, committee_id=committee["id"], kind="network_meeting", starts_at=in_days(3)
    )

    event = submitted_event(committee["id"])
    async with EventTap(nats_url, stream="MEETINGS", subject="sfs.*.meetings.agenda.>") as tap:
        await publish_events(nats_url, [event], times=3)
        await eventually(lambda: agenda(meetings, nearest["id"]))
        # Wait a while longer, so a second item from a redelivery would have shown up too.
        added = await tap.collect(
            where=lambda e: str(e.data.application_id) == str(event.data.id), count=1, settle=1.5
        )
    items = await agenda(meetings, nearest["id"])
    assert len(items) == 1
    item = items[0]
    assert item["application_id"] == str(event.data.id)
    assert (item["kind"], item["status"], item["position"]) == ("decision", "open", 1)
    assert item["requested_cents"] == 250_000
    assert item["title"] == "Zirkusprojekt Klasse 5"
    assert await agenda(meetings, later["id"]) == []
    assert await pending(meetings, committee["id"]) == []
    assert len(added) == 1
    assert str(added[0][0].data.meeting_id) == nearest["id"]

    # A resubmission after a return is a new submission: a new item.
    again = submitted_event(
        committee["id"], application_id=str(event.data.id), version=5, resubmission=True
    )
    await publish_events(nats_url, [again], times=2)

    async def two_items():
        items = await agenda(meetings, nearest["id"])
        return items if len(items) == 2 else None

    items = await eventually(two_items)
    assert [i["position"] for i in items] == [1, 2]


async def test_without_a_session_the_application_waits_and_joins_the_next_session_created(
    meetings, nats_url
):
    committee = await create_committee(meetings)
    await create_session(meetings, committee["id"], days=-2)  # in the past: no longer scheduled
    first, second = submitted_event(committee["id"]), submitted_event(committee["id"])
    await publish_events(nats_url, [first], times=3)
    await publish_events(nats_url, [second])

    async def both_waiting():
        items = await pending(meetings, committee["id"])
        return items if len(items) == 2 else None

    waiting = await eventually(both_waiting)
    assert [i["application_id"] for i in waiting] == [str(first.data.id), str(second.data.id)]
    assert all(i["meeting_id"] is None for i in waiting)

    async with EventTap(nats_url, stream="MEETINGS", subject="sfs.*.meetings.agenda.>") as tap:
        session = await create_session(meetings, committee["id"], days=7)
        added = await tap.wait_for(lambda e: str(e.data.meeting_id) == session["id"], count=2)
    items = await agenda(meetings, session["id"])
    assert [i["application_id"] for i in items] == [str(first.data.id), str(second.data.id)]
    assert [i["position"] for i in items] == [1, 2]
    assert [e.data.position for e, _ in added] == [1, 2]
    assert await pending(meetings, committee["id"]) == []

    # Cancelling the session sends its undecided applications back to wait.
    response = await meetings.client.post(
        f"/api/v1/meetings/{session['id']}/cancel", headers=meetings.auth(*OFFICE)
    )
    assert response.status_code == 200
    assert len(await pending(meetings, committee["id"])) == 2
    replacement = await create_session(meetings, committee["id"], days=9)
    assert len(await agenda(meetings, replacement["id"])) == 2


async def test_a_withdrawn_application_leaves_the_agenda(meetings, nats_url):
    committee = await create_committee(meetings)
    session = await create_session(meetings, committee["id"])
    event = submitted_event(committee["id"])
    await publish_events(nats_url, [event])
    await eventually(lambda: agenda(meetings, session["id"]))
    withdrawn = ApplicationWithdrawn(
        **(event.data.model_dump() | {"status": "withdrawn", "version": 3})
    )
    await publish_events(nats_url, [wrap(withdrawn, entity_id=str(event.data.id), region="boerde")])

    async def withdrawn_item():
        items = await agenda(meetings, session["id"])
        return items[0]["status"] == "withdrawn"

    await eventually(withdrawn_item)
    item = (await agenda(meetings, session["id"]))[0]
    response = await meetings.client.post(
        f"/api/v1/meetings/{session['id']}/agenda/{item['id']}/decision",
        json={"outcome": "approved"},
        headers=meetings.auth(*OFFICE),
    )
    assert response.status_code == 409 and response.json()["rule"] == "application-withdrawn"


async def test_an_unknown_committee_goes_to_the_dead_letters(meetings, nats_url):
    event = submitted_event(str(uuid.uuid4()))
    await publish_events(nats_url, [event])
    table = meetings.runtime.tables.dead_letters

    async def parked():
        async with meetings.runtime.db.transaction(readonly=True) as session:
            rows = (
                await session.execute(table.select().where(table.c.event_id == str(event.id)))
            ).all()
        return rows

    rows = await eventually(parked)
    assert "does not exist" in rows[0].reason


async def test_items_can_be_added_by_hand_and_members_read_the_agenda(meetings):
    committee = await create_committee(meetings)
    session = await create_session(meetings, committee["id"])
    url = f"/api/v1/meetings/{session['id']}/agenda"
    body = {"kind": "information", "title": "Bericht der Netzwerkstelle"}
    response = await meetings.client.post(
        url, json=body, headers=meetings.auth(*OFFICE) | {"Idempotency-Key": "item-1"}
    )
    assert response.status_code == 201, response.text
    replay = await meetings.client.post(
        url, json=body, headers=meetings.auth(*OFFICE) | {"Idempotency-Key": "item-1"}
    )
    assert replay.json()["id"] == response.json()["id"]
    assert len(await agenda(meetings, session["id"])) == 1
    assert (await meetings.client.get(url)).status_code == 401
    assert (
        await meetings.client.get(url, headers=meetings.auth("network_office", "harz"))
    ).status_code == 403
    assert (
        await meetings.client.get(url, headers=meetings.auth("steering_member", "boerde"))
    ).status_code == 200
    assert (
        await meetings.client.post(
            url, json=body, headers=meetings.auth("steering_member", "boerde")
        )
    ).status_code == 403
