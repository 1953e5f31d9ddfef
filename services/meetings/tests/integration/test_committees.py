"""Committees, members and the persons read model (registry events), on PostgreSQL with a real
NATS server."""

from __future__ import annotations

import uuid

from meetings_support import (
    OFFICE,
    add_member,
    create_committee,
    create_meeting,
    known_person,
    person_event,
)
from sqlalchemy import func, select

from meetings.models import Registration
from schulerfolg.events.registry import PersonErased
from schulerfolg_dev.testing.events import EventTap
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import publish_events, wrap

URL = "/api/v1/committees"


async def rows_mentioning(meetings, text: str) -> int:
    """Outbox rows and stored responses that hold ``text``."""
    tables = meetings.runtime.tables
    async with meetings.runtime.db.transaction(readonly=True) as session:
        outbox = await session.scalar(
            select(func.count()).where(tables.outbox.c.payload.contains(text))
        )
        keys = await session.scalar(
            select(func.count()).where(tables.idempotency_keys.c.response_body.contains(text))
        )
    return outbox + keys


async def test_committees_are_managed_by_their_region_and_read_by_its_members(meetings, nats_url):
    async with EventTap(nats_url, stream="MEETINGS", subject="sfs.*.meetings.committee.>") as tap:
        committee = await create_committee(meetings, quorum=None)
        assert committee["quorum"] is None and committee["quorum_required"] == 1
        created = await tap.wait_for(lambda e: str(e.data.id) == committee["id"])
        assert created[0][0].region == "boerde"
        assert created[0][0].nats_subject() == "sfs.boerde.meetings.committee.created"

    body = {"name": "AK Gewaltprävention", "kind": "working_group", "region": "boerde"}
    harz = meetings.auth("network_office", "harz")
    assert (await meetings.client.post(URL, json=body, headers=harz)).status_code == 403
    assert (await meetings.client.post(URL, json=body)).status_code == 401
    state = {"name": "Begleitausschuss", "kind": "other", "region": "state"}
    assert (
        await meetings.client.post(URL, json=state, headers=meetings.auth(*OFFICE))
    ).status_code == 403
    response = await meetings.client.post(
        URL, json=state, headers=meetings.auth("state_coordinator")
    )
    assert response.status_code == 201 and response.json()["region"] is None
    bad = await meetings.client.post(
        URL, json=body | {"region": "atlantis"}, headers=meetings.auth(*OFFICE)
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "region"

    url = f"{URL}/{committee['id']}"
    response = await meetings.client.get(url, headers=meetings.auth(*OFFICE))
    assert response.headers["ETag"] == '"1"'
    stale = await meetings.client.patch(
        url, json={"quorum": 3}, headers=meetings.auth(*OFFICE) | {"If-Match": '"7"'}
    )
    assert stale.status_code == 412
    response = await meetings.client.patch(
        url, json={"quorum": 3}, headers=meetings.auth(*OFFICE) | {"If-Match": '"1"'}
    )
    assert response.status_code == 200 and response.json()["quorum_required"] == 3

    listed = await meetings.client.get(URL, headers=meetings.auth("steering_member", "boerde"))
    assert committee["id"] in [c["id"] for c in listed.json()["items"]]
    listed = await meetings.client.get(URL, headers=harz)
    assert committee["id"] not in [c["id"] for c in listed.json()["items"]]
    assert (await meetings.client.get(URL)).status_code == 401


async def test_members_show_registry_names_until_the_person_is_erased(meetings, nats_url):
    organization = str(uuid.uuid4())
    event = person_event(name="Anna Müller", organization_id=organization, user_sub="kc-anna")
    await publish_events(nats_url, [event])
    person_id = str(event.data.id)
    await known_person(meetings, person_id)
    committee = await create_committee(meetings)
    member = await add_member(meetings, committee["id"], person_id, role="chair")
    assert (member["name"], member["organization_id"]) == ("Anna Müller", organization)
    # Seating the same person again changes role and vote, it adds no second seat.
    again = await add_member(meetings, committee["id"], person_id, role="deputy", voting=False)
    assert again["id"] == member["id"] and again["role"] == "deputy"

    # An older update arriving late is ignored; a newer one applies.
    stale = person_event(person_id=person_id, name="Alter Name", version=1, created=False)
    newer = person_event(
        person_id=person_id, name="Anna Schmidt", version=2, created=False, user_sub="kc-anna"
    )
    await publish_events(nats_url, [newer, stale])
    members_url = f"{URL}/{committee['id']}/members"

    async def name_is(expected: str):
        response = await meetings.client.get(members_url, headers=meetings.auth(*OFFICE))
        return response.json()["items"][0]["name"] == expected

    await eventually(lambda: name_is("Anna Schmidt"))

    # Anna registers for a public meeting while signed in: the registration names her person.
    meeting = await create_meeting(meetings)
    response = await meetings.client.post(
        f"/api/v1/meetings/{meeting['id']}/registrations",
        json={"name": "Anna Schmidt", "email": "anna@example.org"},
        headers=meetings.auth("partner", sub="kc-anna") | {"Idempotency-Key": "anna-1"},
    )
    assert response.json()["person_id"] == person_id
    assert await rows_mentioning(meetings, "anna@example.org") > 0

    await publish_events(
        nats_url, [wrap(PersonErased(id=person_id), entity_id=person_id, region="boerde")]
    )
    await eventually(lambda: name_is(None))
    response = await meetings.client.get(members_url, headers=meetings.auth(*OFFICE))
    assert response.json()["items"][0]["organization_id"] is None
    async with meetings.runtime.db.transaction(readonly=True) as session:
        registration = (
            await session.scalars(
                select(Registration).where(Registration.person_id == uuid.UUID(person_id))
            )
        ).one()
    assert (registration.name, registration.email, registration.user_sub) == (
        "Gelöschte Person",
        "",
        None,
    )
    assert await rows_mentioning(meetings, "anna@example.org") == 0
    # A late copy of an earlier event does not bring the data back.
    late = person_event(person_id=person_id, name="Anna Schmidt", version=3, created=False)
    await publish_events(nats_url, [late])
    marker = person_event(name="Marker")
    await publish_events(nats_url, [marker])
    await known_person(meetings, str(marker.data.id))
    person = await known_person(meetings, person_id)
    assert person.name is None and person.erased_at is not None

    response = await meetings.client.delete(
        f"{members_url}/{person_id}", headers=meetings.auth(*OFFICE)
    )
    assert response.status_code == 204
    response = await meetings.client.delete(
        f"{members_url}/{person_id}", headers=meetings.auth(*OFFICE)
    )
    assert response.status_code == 404


async def test_creating_with_an_idempotency_key_twice_creates_one_committee(meetings):
    headers = meetings.auth(*OFFICE) | {"Idempotency-Key": "steuergruppe-2027"}
    body = {"name": "Steuergruppe", "kind": "steering_group", "region": "boerde"}
    first = await meetings.client.post(URL, json=body, headers=headers)
    second = await meetings.client.post(URL, json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers.get("Idempotent-Replayed") == "true"
