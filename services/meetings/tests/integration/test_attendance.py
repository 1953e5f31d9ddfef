"""Attendance for every registrant (issue 20) on PostgreSQL with a real NATS server: organisers
mark confirmed registrants present — registry persons or not — once the meeting has begun; the
registrations show it, ``present`` of the attendance record counts them beside the attendance
list, and marking present announces ``meetings.registration.attended``."""

from __future__ import annotations

import uuid
from datetime import timedelta

from meetings_support import OFFICE, create_meeting, in_days

from schulerfolg_dev.testing.events import EventTap

URL = "/api/v1/meetings"


async def register(meetings, meeting_id: str, count: int) -> list[dict]:
    """``count`` registrants from outside the registry (no token)."""
    made = []
    for i in range(count):
        response = await meetings.client.post(
            f"{URL}/{meeting_id}/registrations",
            json={"name": f"Gast {i}", "email": f"gast{i}@example.org"},
        )
        assert response.status_code == 201, response.text
        made.append(response.json())
    return made


async def begin(meetings, meeting_id: str) -> None:
    """Move the meeting to yesterday: it has begun (and ended)."""
    starts = in_days(-1)
    response = await meetings.client.patch(
        f"{URL}/{meeting_id}",
        json={
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=6)).isoformat(),
        },
        headers=meetings.auth(*OFFICE),
    )
    assert response.status_code == 200, response.text


def attended_url(meeting_id: str, registration_id: str) -> str:
    return f"{URL}/{meeting_id}/registrations/{registration_id}/attended"


async def test_organisers_mark_registrants_present_once_the_meeting_began(meetings, nats_url):
    meeting = await create_meeting(meetings, capacity=3)
    office = meetings.auth(*OFFICE)
    guests = await register(meetings, meeting["id"], 4)
    assert [g["status"] for g in guests] == ["confirmed"] * 3 + ["waitlisted"]
    assert guests[0]["attended"] is False

    early = await meetings.client.post(
        attended_url(meeting["id"], guests[0]["id"]), json={"attended": True}, headers=office
    )
    assert early.status_code == 409, early.text
    assert early.json()["rule"] == "meeting-not-started"
    await begin(meetings, meeting["id"])

    async with EventTap(nats_url, stream="MEETINGS", subject="sfs.*.meetings.>") as tap:
        for guest in guests[:2]:
            marked = await meetings.client.post(
                attended_url(meeting["id"], guest["id"]), json={"attended": True}, headers=office
            )
            assert marked.status_code == 200, marked.text
            assert marked.json()["attended"] is True and marked.json()["attended_at"]
        again = await meetings.client.post(
            attended_url(meeting["id"], guests[0]["id"]), json={"attended": True}, headers=office
        )
        assert again.status_code == 200 and again.json()["version"] == marked.json()["version"]
        # A committee-member attendance list counts beside the registrants.
        listed = await meetings.client.post(
            f"{URL}/{meeting['id']}/attendance",
            json={"person_ids": [str(uuid.uuid4())]},
            headers=office,
        )
        assert listed.status_code == 200, listed.text
        undone = await meetings.client.post(
            attended_url(meeting["id"], guests[1]["id"]), json={"attended": False}, headers=office
        )
        assert undone.status_code == 200 and undone.json()["attended"] is False
        events = await tap.wait_for(
            lambda e: ".attendance_recorded." in e.type or ".registration.attended." in e.type,
            count=6,
        )
    attended_events = [e.data for e, _ in events if ".registration.attended." in e.type]
    assert len(attended_events) == 2
    assert {str(d.id) for d in attended_events} == {guests[0]["id"], guests[1]["id"]}
    assert all(d.certificate and d.email.endswith("@example.org") for d in attended_events)
    recorded = [e.data for e, _ in events if ".attendance_recorded." in e.type]
    assert [d.present for d in recorded] == [1, 2, 3, 2]

    shown = await meetings.client.get(f"{URL}/{meeting['id']}/registrations", headers=office)
    by_id = {r["id"]: r["attended"] for r in shown.json()["items"]}
    assert by_id == {
        guests[0]["id"]: True,
        guests[1]["id"]: False,
        guests[2]["id"]: False,
        guests[3]["id"]: False,
    }
    figures = await meetings.client.get(
        f"{URL}/{meeting['id']}/participant-figures", headers=office
    )
    assert figures.json()["present"] == 2


async def test_marking_is_refused_where_it_cannot_apply(meetings):
    meeting = await create_meeting(meetings, capacity=1)
    office = meetings.auth(*OFFICE)
    first, waiting = await register(meetings, meeting["id"], 2)
    await begin(meetings, meeting["id"])
    url = attended_url(meeting["id"], first["id"])

    anonymous = await meetings.client.post(url, json={"attended": True})
    assert anonymous.status_code == 401
    other_office = await meetings.client.post(
        url, json={"attended": True}, headers=meetings.auth("network_office", "harz")
    )
    assert other_office.status_code == 403
    waitlisted = await meetings.client.post(
        attended_url(meeting["id"], waiting["id"]), json={"attended": True}, headers=office
    )
    assert waitlisted.status_code == 409
    assert waitlisted.json()["rule"] == "registration-not-confirmed"
    unknown = await meetings.client.post(
        attended_url(meeting["id"], str(uuid.uuid4())), json={"attended": True}, headers=office
    )
    assert unknown.status_code == 404
    bad = await meetings.client.post(url, json={"attended": "vielleicht"}, headers=office)
    assert bad.status_code == 422 and "attended" in bad.text
    stale = await meetings.client.post(
        url, json={"attended": True}, headers=office | {"If-Match": '"99"'}
    )
    assert stale.status_code == 412
