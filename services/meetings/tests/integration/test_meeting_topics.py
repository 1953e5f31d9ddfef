"""The topics an event is about (issue 19): set and changed through the API, checked against the
topic vocabulary, and carried by ``meetings.meeting.*`` so planning sets events per topic against
the needs surveys' demand."""

from __future__ import annotations

from meetings_support import OFFICE, create_meeting

from schulerfolg_dev.testing.events import EventTap

URL = "/api/v1/meetings"


async def test_an_events_topics_are_kept_checked_and_announced(meetings, nats_url):
    office = meetings.auth(*OFFICE)
    async with EventTap(nats_url, stream="MEETINGS", subject="sfs.*.meetings.meeting.*") as tap:
        meeting = await create_meeting(meetings, topics=["bullying", "mediation", "bullying"])
        assert meeting["topics"] == ["bullying", "mediation"]  # once each, in the order given
        url = f"{URL}/{meeting['id']}"
        changed = await meetings.client.patch(
            url, json={"topics": ["transition"]}, headers=office | {"If-Match": '"1"'}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["topics"] == ["transition"]
        events = await tap.wait_for(lambda e: str(e.data.id) == meeting["id"], count=2)
    assert [list(event.data.topics) for event, _ in events] == [
        ["bullying", "mediation"],
        ["transition"],
    ]

    unknown = await meetings.client.patch(url, json={"topics": ["astrology"]}, headers=office)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"].startswith("topics")
    cleared = await meetings.client.patch(url, json={"topics": None}, headers=office)
    assert cleared.status_code == 422  # null is no list of topics; [] clears them
    emptied = await meetings.client.patch(url, json={"topics": []}, headers=office)
    assert emptied.status_code == 200 and emptied.json()["topics"] == []
