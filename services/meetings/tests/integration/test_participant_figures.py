"""ESF+ participant figures of an event (issue 19) on PostgreSQL with a real NATS server: an
event says whether it collects them, organisers record them (validated, refused for a cancelled
meeting or one that does not collect them), and every change of the attendance list or the
figures announces ``meetings.meeting.attendance_recorded`` with the count and the figures."""

from __future__ import annotations

import uuid

from meetings_support import OFFICE, create_meeting

from schulerfolg_dev.testing.events import EventTap

URL = "/api/v1/meetings"
FIGURES = {"female": {"18_29": 7, "30_54": 5}, "diverse": {"18_29": 1}}


async def test_organisers_record_the_figures_and_each_change_is_announced(meetings, nats_url):
    meeting = await create_meeting(meetings, collects_participant_figures=True)
    assert meeting["collects_participant_figures"] is True
    url = f"{URL}/{meeting['id']}"
    office = meetings.auth(*OFFICE)
    blank = await meetings.client.get(f"{url}/participant-figures", headers=office)
    assert blank.status_code == 200, blank.text
    assert (blank.json()["version"], blank.json()["participants"]) == (0, None)

    async with EventTap(
        nats_url, stream="MEETINGS", subject="sfs.*.meetings.meeting.attendance_recorded"
    ) as tap:
        people = [str(uuid.uuid4()) for _ in range(3)]
        attended = await meetings.client.post(
            f"{url}/attendance", json={"person_ids": people}, headers=office
        )
        assert attended.status_code == 200, attended.text
        saved = await meetings.client.put(
            f"{url}/participant-figures", json=FIGURES, headers=office | {"If-Match": '"1"'}
        )
        assert saved.status_code == 200, saved.text
        assert saved.headers["ETag"] == '"2"'
        assert saved.json()["participants"] == FIGURES and saved.json()["present"] == 3
        stale = await meetings.client.put(
            f"{url}/participant-figures", json=FIGURES, headers=office | {"If-Match": '"1"'}
        )
        assert stale.status_code == 412
        fewer = await meetings.client.post(
            f"{url}/attendance", json={"person_ids": people[:2]}, headers=office
        )
        assert fewer.status_code == 200, fewer.text
        events = await tap.wait_for(lambda e: str(e.data.meeting_id) == meeting["id"], count=3)
    data = [event.data for event, _ in events]
    assert [(d.version, d.present) for d in data] == [(1, 3), (2, 3), (3, 2)]
    assert data[0].participants is None
    assert data[1].participants is not None and data[1].participants.root == FIGURES
    assert data[2].participants is not None and data[2].participants.total() == 13
    assert data[2].kind == "training" and data[2].region == "boerde"

    shown = await meetings.client.get(f"{url}/participant-figures", headers=office)
    assert (shown.json()["version"], shown.json()["present"]) == (3, 2)
    assert shown.json()["participants"] == FIGURES
    outsider = await meetings.client.put(
        f"{url}/participant-figures", json=FIGURES, headers=meetings.auth("school")
    )
    assert outsider.status_code == 403


async def test_bad_figures_and_meetings_that_cannot_take_them_are_refused(meetings):
    office = meetings.auth(*OFFICE)
    meeting = await create_meeting(meetings, collects_participant_figures=True)
    url = f"{URL}/{meeting['id']}/participant-figures"
    for bad in (
        {"female": {"18_29": -1}},
        {"female": {"18_29": 100_001}},
        {"alien": {"18_29": 1}},
        {"female": {"ancient": 1}},
        [1, 2],
    ):
        response = await meetings.client.put(url, json=bad, headers=office)
        assert response.status_code == 422, (bad, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")

    plain = await create_meeting(meetings)
    assert plain["collects_participant_figures"] is False
    refused = await meetings.client.put(
        f"{URL}/{plain['id']}/participant-figures", json=FIGURES, headers=office
    )
    assert refused.status_code == 409 and refused.json()["rule"] == (
        "participant-figures-not-collected"
    )
    switched = await meetings.client.patch(
        f"{URL}/{plain['id']}", json={"collects_participant_figures": True}, headers=office
    )
    assert switched.status_code == 200 and switched.json()["collects_participant_figures"]
    accepted = await meetings.client.put(
        f"{URL}/{plain['id']}/participant-figures", json=FIGURES, headers=office
    )
    assert accepted.status_code == 200, accepted.text

    cancelled = await meetings.client.post(f"{URL}/{meeting['id']}/cancel", headers=office)
    assert cancelled.status_code == 200, cancelled.text
    refused = await meetings.client.put(url, json=FIGURES, headers=office)
    assert refused.status_code == 409 and refused.json()["rule"] == "meeting-cancelled"
