"""Minutes: written in Markdown, published once, then read-only."""

from __future__ import annotations

from meetings_support import OFFICE, create_committee, create_meeting, create_session

from schulerfolg_dev.testing.events import EventTap


async def test_published_minutes_cannot_be_changed(meetings, nats_url):
    meeting = await create_meeting(meetings)
    url = f"/api/v1/meetings/{meeting['id']}/minutes"
    office = meetings.auth(*OFFICE)
    response = await meetings.client.put(
        url, json={"text": "# Protokoll\n\n- TOP 1"}, headers=office
    )
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == '"1"'
    response = await meetings.client.put(
        url, json={"text": "# Protokoll\n\n- TOP 1\n- TOP 2"}, headers=office | {"If-Match": '"1"'}
    )
    assert response.status_code == 200 and response.json()["version"] == 2
    stale = await meetings.client.put(
        url, json={"text": "alt"}, headers=office | {"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    # A draft is for the organisers (and members), not for the public.
    assert (await meetings.client.get(url)).status_code == 404

    async with EventTap(nats_url, stream="MEETINGS", subject="sfs.*.meetings.minutes.>") as tap:
        response = await meetings.client.post(f"{url}/publish", headers=office)
        assert response.status_code == 200 and response.json()["published"] is True
        again = await meetings.client.post(f"{url}/publish", headers=office)
        assert again.status_code == 409
        published = await tap.collect(
            where=lambda e: str(e.data.meeting_id) == meeting["id"], count=1, settle=1.0
        )
    assert len(published) == 1

    change = await meetings.client.put(url, json={"text": "geändert"}, headers=office)
    assert change.status_code == 409 and change.json()["rule"] == "minutes-published"
    public = await meetings.client.get(url)
    assert public.status_code == 200
    assert public.json()["text"] == "# Protokoll\n\n- TOP 1\n- TOP 2"


async def test_only_organisers_write_minutes(meetings):
    committee = await create_committee(meetings)
    session = await create_session(meetings, committee["id"])
    url = f"/api/v1/meetings/{session['id']}/minutes"
    assert (await meetings.client.put(url, json={"text": "x"})).status_code == 401
    steering = meetings.auth("steering_member", "boerde")
    assert (await meetings.client.put(url, json={"text": "x"}, headers=steering)).status_code == 403
    assert (
        await meetings.client.post(f"{url}/publish", headers=meetings.auth(*OFFICE))
    ).status_code == 409
