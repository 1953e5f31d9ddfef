"""The one-machine set-up (SQLite): the same fairness, routing and calendar."""

from __future__ import annotations

import asyncio

from meetings_support import (
    agenda,
    create_committee,
    create_meeting,
    create_session,
    submitted_event,
)

from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import publish_events


async def test_registrations_routing_and_calendar_work_on_sqlite(meetings_on, nats_url):
    meetings = await meetings_on("sqlite")
    meeting = await create_meeting(meetings, capacity=5)
    url = f"/api/v1/meetings/{meeting['id']}/registrations"
    responses = await asyncio.gather(
        *(
            meetings.client.post(url, json={"name": "T", "email": f"t{i}@example.org"})
            for i in range(20)
        )
    )
    statuses = [r.json()["status"] for r in responses]
    assert (statuses.count("confirmed"), statuses.count("waitlisted")) == (5, 15)
    positions = sorted(
        r.json()["waitlist_position"] for r in responses if r.json()["waitlist_position"]
    )
    assert positions == list(range(1, 16))

    committee = await create_committee(meetings)
    session = await create_session(meetings, committee["id"])
    await publish_events(nats_url, [submitted_event(committee["id"])], times=3)
    items = await eventually(lambda: agenda(meetings, session["id"]))
    assert len(items) == 1

    response = await meetings.client.get("/api/v1/meetings.ics")
    assert response.status_code == 200 and "BEGIN:VTIMEZONE" in response.text


async def test_the_event_document_names_what_meetings_publishes(meetings_on):
    meetings = await meetings_on("sqlite")
    response = await meetings.client.get("/asyncapi", headers={"Accept": "application/json"})
    assert response.status_code == 200
    text = response.text
    for name in ("decision.recorded", "registration.promoted", "agenda.item_added"):
        assert f"de.schulerfolg.meetings.{name}.v1" in text
