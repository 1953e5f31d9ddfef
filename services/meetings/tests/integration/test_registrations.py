"""Registrations with a fair waiting list, on PostgreSQL with a real NATS server."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from meetings_support import OFFICE, create_committee, create_meeting, in_days

from schulerfolg_dev.testing.events import EventTap


def registrations_url(meeting_id: str) -> str:
    return f"/api/v1/meetings/{meeting_id}/registrations"


async def all_registrations(meetings, meeting_id: str) -> list[dict]:
    response = await meetings.client.get(
        registrations_url(meeting_id), params={"limit": 500}, headers=meetings.auth(*OFFICE)
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_fifty_concurrent_registrations_get_ten_places_and_a_waiting_list_in_arrival_order(
    meetings, nats_url
):
    meeting = await create_meeting(meetings, capacity=10)
    url = registrations_url(meeting["id"])
    async with EventTap(
        nats_url, stream="MEETINGS", subject="sfs.*.meetings.registration.>"
    ) as tap:
        responses = await asyncio.gather(
            *(
                meetings.client.post(
                    url, json={"name": f"Teilnehmer {i}", "email": f"person{i}@example.org"}
                )
                for i in range(50)
            )
        )
        assert [r.status_code for r in responses] == [201] * 50
        answered = [r.json() for r in responses]
        assert sum(r["status"] == "confirmed" for r in answered) == 10
        assert sum(r["status"] == "waitlisted" for r in answered) == 40

        # Arrival order is the order in which the meeting's lock was taken: the registrations
        # in that order are 10 confirmed, then waitlisted with positions 1..40.
        listed = await all_registrations(meetings, meeting["id"])
        assert [r["status"] for r in listed] == ["confirmed"] * 10 + ["waitlisted"] * 40
        assert [r["waitlist_position"] for r in listed[10:]] == list(range(1, 41))
        created = [r["created_at"] for r in listed]
        assert created == sorted(created)
        # What each caller was told matches the list.
        told = {r["id"]: (r["status"], r["waitlist_position"]) for r in answered}
        assert told == {r["id"]: (r["status"], r["waitlist_position"]) for r in listed}

        events = await tap.wait_for(lambda e: str(e.data.meeting_id) == meeting["id"], count=50)
        kinds = [e.type.split(".")[-2] for e, _ in events]
        assert kinds.count("confirmed") == 10 and kinds.count("waitlisted") == 40
        assert sorted(
            e.data.waitlist_position for e, _ in events if e.data.waitlist_position
        ) == list(range(1, 41))

        first_waitlisted = listed[10]
        cancelled = listed[3]
        response = await meetings.client.delete(f"{url}/{cancelled['id']}")
        assert response.status_code == 204
        # Cancelling again changes nothing (and promotes nobody else).
        response = await meetings.client.delete(f"{url}/{cancelled['id']}")
        assert response.status_code == 204

        after = {r["id"]: r for r in await all_registrations(meetings, meeting["id"])}
        assert after[cancelled["id"]]["status"] == "cancelled"
        assert after[first_waitlisted["id"]]["status"] == "confirmed"
        assert after[first_waitlisted["id"]]["promoted_at"] is not None
        assert sum(r["status"] == "confirmed" for r in after.values()) == 10
        waiting = sorted(
            (r for r in after.values() if r["status"] == "waitlisted"),
            key=lambda r: r["waitlist_position"],
        )
        assert [r["id"] for r in waiting] == [r["id"] for r in listed[11:]]
        assert [r["waitlist_position"] for r in waiting] == list(range(1, 40))

        changes = await tap.collect(
            where=lambda e: (
                str(e.data.meeting_id) == meeting["id"]
                and e.type.split(".")[-2] in ("promoted", "cancelled")
            ),
            count=2,
            settle=1.0,
        )
        kinds = sorted(e.type.split(".")[-2] for e, _ in changes)
        assert kinds == ["cancelled", "promoted"]
        promoted = next(e for e, _ in changes if e.type.split(".")[-2] == "promoted")
        assert str(promoted.data.id) == first_waitlisted["id"]

    response = await meetings.client.get(f"/api/v1/meetings/{meeting['id']}")
    assert (response.json()["confirmed"], response.json()["waitlisted"]) == (10, 39)


async def test_a_meeting_without_capacity_confirms_everyone(meetings):
    meeting = await create_meeting(meetings, capacity=None)
    for i in range(3):
        response = await meetings.client.post(
            registrations_url(meeting["id"]), json={"name": "X", "email": f"x{i}@example.org"}
        )
        assert response.json()["status"] == "confirmed"


async def test_registration_is_refused_after_the_deadline_for_cancelled_meetings_and_twice(
    meetings,
):
    late = await create_meeting(
        meetings, registration_deadline=(in_days(0) - timedelta(days=1)).isoformat()
    )
    response = await meetings.client.post(
        registrations_url(late["id"]), json={"name": "Zu Spät", "email": "late@example.org"}
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["rule"] == "registration-deadline-passed"

    meeting = await create_meeting(meetings)
    body = {"name": "Erika Muster", "email": "erika@example.org"}
    assert (
        await meetings.client.post(registrations_url(meeting["id"]), json=body)
    ).status_code == 201
    again = await meetings.client.post(
        registrations_url(meeting["id"]), json=body | {"email": "ERIKA@example.org"}
    )
    assert again.status_code == 409 and again.json()["rule"] == "already-registered"

    response = await meetings.client.post(
        f"/api/v1/meetings/{meeting['id']}/cancel",
        json={"reason": "Referentin erkrankt"},
        headers=meetings.auth(*OFFICE),
    )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    response = await meetings.client.post(
        registrations_url(meeting["id"]), json={"name": "Neu", "email": "neu@example.org"}
    )
    assert response.status_code == 409 and response.json()["rule"] == "meeting-cancelled"


async def test_non_public_meetings_take_registrations_only_from_those_who_may_see_them(meetings):
    committee = await create_committee(meetings)
    meeting = await create_meeting(
        meetings, public=False, committee_id=committee["id"], kind="network_meeting"
    )
    url = registrations_url(meeting["id"])
    body = {"name": "Bernd", "email": "bernd@example.org"}
    assert (await meetings.client.post(url, json=body)).status_code == 401
    other_region = meetings.auth("steering_member", "harz")
    assert (await meetings.client.post(url, json=body, headers=other_region)).status_code == 403
    own_region = meetings.auth("steering_member", "boerde", sub="kc-bernd")
    response = await meetings.client.post(url, json=body, headers=own_region)
    assert response.status_code == 201, response.text
    registration = response.json()
    # Only the registrant or the organisers cancel a signed-in registration.
    assert (await meetings.client.delete(f"{url}/{registration['id']}")).status_code == 401
    assert (
        await meetings.client.delete(f"{url}/{registration['id']}", headers=other_region)
    ).status_code == 403
    assert (
        await meetings.client.delete(f"{url}/{registration['id']}", headers=own_region)
    ).status_code == 204


async def test_more_places_move_the_waiting_list_up_and_fewer_than_confirmed_are_refused(meetings):
    meeting = await create_meeting(meetings, capacity=1)
    url = registrations_url(meeting["id"])
    ids = []
    for i in range(3):
        response = await meetings.client.post(url, json={"name": "P", "email": f"p{i}@example.org"})
        ids.append(response.json()["id"])
    response = await meetings.client.patch(
        f"/api/v1/meetings/{meeting['id']}", json={"capacity": 0}, headers=meetings.auth(*OFFICE)
    )
    assert response.status_code == 409 and response.json()["rule"] == "capacity-below-confirmed"
    response = await meetings.client.patch(
        f"/api/v1/meetings/{meeting['id']}",
        json={"capacity": 2},
        headers=meetings.auth(*OFFICE) | {"If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    assert (response.json()["confirmed"], response.json()["waitlisted"]) == (2, 1)
    listed = await all_registrations(meetings, meeting["id"])
    assert [r["status"] for r in listed] == ["confirmed", "confirmed", "waitlisted"]


async def test_the_locked_meeting_is_read_fresh_after_waiting_for_the_lock(meetings):
    """A registration first reads the meeting (visibility), then locks it; what another
    registration committed in between must be seen, or two would take the same arrival number."""
    import uuid as _uuid

    from meetings.schedule.lookup import load_meeting

    meeting = await create_meeting(meetings, capacity=10)
    meeting_id = _uuid.UUID(meeting["id"])
    async with meetings.runtime.db.transaction() as session:
        before = await load_meeting(session=session, meeting_id=meeting_id)
        assert before.registration_seq == 0
        response = await meetings.client.post(
            registrations_url(meeting["id"]), json={"name": "A", "email": "a@example.org"}
        )
        assert response.status_code == 201
        locked = await load_meeting(session=session, meeting_id=meeting_id, for_update=True)
        assert locked.registration_seq == 1
