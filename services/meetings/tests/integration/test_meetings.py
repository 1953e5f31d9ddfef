"""Meetings and events: scheduling, visibility, paging, rescheduling and cancelling."""

from __future__ import annotations

from datetime import timedelta

from meetings_support import OFFICE, create_committee, create_meeting, create_session, in_days

from schulerfolg_dev.testing.events import EventTap

URL = "/api/v1/meetings"


async def test_anyone_sees_public_meetings_and_the_region_sees_the_rest_page_by_page(meetings):
    committee = await create_committee(meetings)
    public = [
        await create_meeting(meetings, title=f"Fachtag {i}", starts_at=in_days(20 + 2 * i))
        for i in range(3)
    ]
    internal = await create_session(meetings, committee["id"], days=23)

    async def walk(headers=None, **query):
        seen, cursor = [], None
        while True:
            response = await meetings.client.get(
                URL,
                params={"limit": 1, "region": "boerde", "starts_after": in_days(19).isoformat()}
                | query
                | ({"cursor": cursor} if cursor else {}),
                headers=headers or {},
            )
            assert response.status_code == 200, response.text
            page = response.json()
            seen += [m["id"] for m in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return seen

    assert await walk() == [m["id"] for m in public]
    expected = [public[0]["id"], public[1]["id"], internal["id"], public[2]["id"]]
    assert await walk(meetings.auth("steering_member", "boerde")) == expected
    assert await walk(meetings.auth("steering_member", "harz")) == [m["id"] for m in public]
    assert (await meetings.client.get(f"{URL}/{internal['id']}")).status_code == 401
    bad = await meetings.client.get(URL, params={"cursor": "kaputt"})
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"


async def test_bad_schedules_are_refused_with_a_reason(meetings):
    office = meetings.auth(*OFFICE)
    start = in_days(10)
    body = {"kind": "training", "title": "X", "region": "boerde", "starts_at": start.isoformat()}
    cases = [
        body | {"ends_at": (start - timedelta(hours=1)).isoformat()},
        body
        | {
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "starts_at": "9999-01-01T00:00:00+14:00",
        },
        body | {"ends_at": (start + timedelta(hours=1)).isoformat(), "kind": "committee_session"},
        body
        | {"ends_at": (start + timedelta(hours=1)).isoformat(), "starts_at": "2027-01-01T10:00:00"},
    ]
    for case in cases:
        response = await meetings.client.post(URL, json=case, headers=office)
        assert response.status_code == 422, (case, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"]
    committee = await create_committee(meetings)
    response = await meetings.client.post(
        URL,
        json=body
        | {
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "kind": "committee_session",
            "committee_id": committee["id"],
            "region": "harz",
        },
        headers=meetings.auth("state_coordinator"),
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "region"
    response = await meetings.client.post(
        URL,
        json=body | {"ends_at": (start + timedelta(hours=1)).isoformat()},
        headers=meetings.auth("network_office", "harz"),
    )
    assert response.status_code == 403


async def test_rescheduling_names_the_changes_and_cancelling_happens_once(meetings, nats_url):
    meeting = await create_meeting(meetings)
    url = f"{URL}/{meeting['id']}"
    office = meetings.auth(*OFFICE)
    later = in_days(15)
    async with EventTap(nats_url, stream="MEETINGS", subject="sfs.*.meetings.meeting.>") as tap:
        stale = await meetings.client.patch(
            url, json={"location": "Haldensleben"}, headers=office | {"If-Match": '"2"'}
        )
        assert stale.status_code == 412
        response = await meetings.client.patch(
            url,
            json={
                "starts_at": later.isoformat(),
                "ends_at": (later + timedelta(hours=3)).isoformat(),
                "location": "Haldensleben, Rathaus",
            },
            headers=office | {"If-Match": '"1"'},
        )
        assert response.status_code == 200 and response.headers["ETag"] == '"2"'
        unchanged = await meetings.client.patch(
            url, json={"location": "Haldensleben, Rathaus"}, headers=office
        )
        assert unchanged.json()["version"] == 2
        inconsistent = await meetings.client.patch(
            url, json={"ends_at": in_days(1).isoformat()}, headers=office
        )
        assert inconsistent.status_code == 422
        cancelled = await meetings.client.post(
            f"{url}/cancel",
            json={"reason": "Zu wenige Anmeldungen"},
            headers=office | {"If-Match": '"2"'},
        )
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert (await meetings.client.post(f"{url}/cancel", headers=office)).status_code == 409
        assert (
            await meetings.client.patch(url, json={"title": "Neu"}, headers=office)
        ).status_code == 409
        # The tap sees events published after it started; the creation's meeting.scheduled
        # may still leave the outbox after that, so only the changes are waited for.
        events = await tap.wait_for(
            lambda e: str(e.data.id) == meeting["id"] and not e.type.endswith(".scheduled.v1"),
            count=2,
        )
    updated, cancel = events[0][0], events[1][0]
    assert updated.type == "de.schulerfolg.meetings.meeting.updated.v1"
    assert set(updated.data.changed) == {"starts_at", "ends_at", "location"}
    assert updated.data.starts_at == later
    assert cancel.data.status == "cancelled" and cancel.data.reason == "Zu wenige Anmeldungen"
    assert cancel.nats_subject() == "sfs.boerde.meetings.meeting.cancelled"
