"""Personal data in meetings through its whole life (CONTRACT.md, "privacy"): erasure of a
registry person and by e-mail address reaches the tables, the stored copies and the MEETINGS
stream; registrations are anonymised after their retention; changes and reads are audited once;
``GET /me/data`` answers the caller's own data only. Real NATS and databases."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import nats
import nats.js.errors
from meetings_support import (
    OFFICE,
    add_member,
    create_committee,
    create_meeting,
    create_session,
    in_days,
    known_person,
    person_event,
)
from sqlalchemy import select

from meetings.models import Registration
from schulerfolg.events.privacy import ErasureRequested
from schulerfolg.events.registry import PersonErased
from schulerfolg_dev.testing.events import EventTap, Received
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import ServiceUnderTest, publish_events, wrap


async def stream_bodies(nats_url: str, stream: str = "MEETINGS") -> list[bytes]:
    """Every message body the stream still holds (erased ones are gone)."""
    connection = await nats.connect(nats_url)
    try:
        js = connection.jetstream()
        state = (await js.stream_info(stream)).state
        bodies = []
        for sequence in range(state.first_seq, state.last_seq + 1):
            try:
                message = await js.get_msg(stream, sequence)
            except nats.js.errors.NotFoundError:
                continue
            bodies.append(message.data or b"")
        return bodies
    finally:
        await connection.close()


async def stream_mentions(nats_url: str, text: str) -> int:
    """How many MEETINGS messages mention ``text`` (case-insensitively)."""
    return sum(text.lower().encode() in body.lower() for body in await stream_bodies(nats_url))


async def register(
    meetings: ServiceUnderTest, meeting_id: str, email: str, name: str = "Erika Muster", **token
) -> dict[str, Any]:
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    if token:
        headers |= meetings.auth("partner", **token)
    response = await meetings.client.post(
        f"/api/v1/meetings/{meeting_id}/registrations",
        json={"name": name, "email": email, "organization": "Verein Muster e. V."},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def registration_row(meetings: ServiceUnderTest, registration_id: str) -> Registration:
    async with meetings.runtime.db.transaction(readonly=True) as session:
        row = await session.get(Registration, uuid.UUID(registration_id))
    assert row is not None
    return row


async def counts(meetings: ServiceUnderTest, meeting_id: str) -> tuple[int, int]:
    response = await meetings.client.get(
        f"/api/v1/meetings/{meeting_id}", headers=meetings.auth(*OFFICE)
    )
    assert response.status_code == 200, response.text
    return response.json()["confirmed"], response.json()["waitlisted"]


async def all_published(meetings: ServiceUnderTest) -> bool:
    outbox = meetings.runtime.tables.outbox
    async with meetings.runtime.db.transaction(readonly=True) as session:
        return not (
            await session.execute(select(outbox).where(outbox.c.published_at.is_(None)))
        ).all()


async def a_person(meetings: ServiceUnderTest, nats_url: str, **fields: Any) -> Any:
    """A registry person, once the persons read model holds her (her event)."""
    event = person_event(**fields)
    await publish_events(nats_url, [event])
    await known_person(meetings, str(event.data.id))
    return event


async def request_erasure(nats_url: str, email: str) -> Received:
    """Ask for an erasure as the registry does; meetings' answer (event and message)."""
    request_id = str(uuid.uuid4())
    request = wrap(ErasureRequested(id=request_id, email=email), entity_id=request_id, region=None)
    async with EventTap(nats_url, stream="MEETINGS", subject="sfs.*.meetings.erasure.>") as tap:
        await publish_events(nats_url, [request])
        (completed,) = await tap.wait_for(lambda e: str(e.data.request_id) == request_id)
    return completed


async def test_a_person_erasure_removes_her_registration_messages_from_the_stream(
    meetings, nats_url
):
    event = await a_person(meetings, nats_url, name="Erika Muster", user_sub="kc-erika-1")
    person_id = str(event.data.id)
    meeting = await create_meeting(meetings, capacity=1)
    # Signed in, with another address than the registry's; then a stranger, waitlisted.
    mine = await register(meetings, meeting["id"], "erika.privat-1@example.org", sub="kc-erika-1")
    assert mine["person_id"] == person_id
    other = await register(meetings, meeting["id"], "bleibt.da-1@example.org", name="Bernd Bleibt")
    cancel = await meetings.client.delete(
        f"/api/v1/meetings/{meeting['id']}/registrations/{mine['id']}",
        headers=meetings.auth("partner", sub="kc-erika-1"),
    )
    assert cancel.status_code == 204
    await eventually(lambda: all_published(meetings))
    # confirmed, waitlisted, cancelled; Bernd's waitlisted and promoted.
    assert await eventually(lambda: stream_mentions(nats_url, "erika.privat-1@example.org")) == 2
    assert await stream_mentions(nats_url, "bleibt.da-1@example.org") == 2

    await publish_events(
        nats_url, [wrap(PersonErased(id=person_id), entity_id=person_id, region="boerde")]
    )

    async def erased() -> bool:
        return (await registration_row(meetings, mine["id"])).email == ""

    await eventually(erased)
    row = await registration_row(meetings, mine["id"])
    assert (row.name, row.organization, row.user_sub, row.status) == (
        "Gelöschte Person",
        None,
        None,
        "cancelled",
    )
    for needle in ("erika.privat-1@example.org", "kc-erika-1", "Erika Muster"):
        assert await stream_mentions(nats_url, needle) == 0, needle
    # Bernd's messages stay, and so do the member-free meeting events.
    assert await stream_mentions(nats_url, "bleibt.da-1@example.org") == 2
    assert (await registration_row(meetings, other["id"])).email == "bleibt.da-1@example.org"
    assert await counts(meetings, meeting["id"]) == (1, 0)


async def test_an_erasure_request_pseudonymises_registrations_made_without_signing_in(
    meetings_on, nats_url
):
    meetings = await meetings_on("sqlite")
    address = "Gast.Ohne.Konto-2@Example.org"
    meeting = await create_meeting(meetings, capacity=1)
    later = await create_meeting(meetings, title="Netzwerktreffen")
    guest = await register(meetings, meeting["id"], address, name="Gudrun Gast")
    waiting = await register(meetings, meeting["id"], "wartet-2@example.org", name="Willi Wartet")
    second = await register(meetings, later["id"], address.lower(), name="Gudrun Gast")
    assert (guest["status"], waiting["status"]) == ("confirmed", "waitlisted")
    before = (await counts(meetings, meeting["id"]), await counts(meetings, later["id"]))
    await eventually(lambda: all_published(meetings))
    assert await eventually(lambda: stream_mentions(nats_url, address)) == 2

    completed = await request_erasure(nats_url, address)
    answer = completed[0].data
    assert answer.service == "meetings"
    assert answer.counts["registrations"] == 2
    assert answer.counts["persons"] == 0
    assert answer.counts["stream_messages"] == 2
    assert answer.counts["stored_responses"] == 2
    assert address.lower().encode() not in completed[1].data.lower()

    for registration in (guest, second):
        row = await registration_row(meetings, registration["id"])
        assert (row.name, row.email, row.organization) == ("Gelöschte Person", "", None)
    assert (await registration_row(meetings, waiting["id"])).name == "Willi Wartet"
    assert await stream_mentions(nats_url, address) == 0
    assert await stream_mentions(nats_url, "Gudrun Gast") == 0
    assert await stream_mentions(nats_url, "wartet-2@example.org") == 1
    # Places, the waiting list and the figures are unchanged.
    assert (await counts(meetings, meeting["id"]), await counts(meetings, later["id"])) == before
    listed = await meetings.client.get(
        f"/api/v1/meetings/{meeting['id']}/registrations", headers=meetings.auth(*OFFICE)
    )
    assert [(r["status"], r["waitlist_position"]) for r in listed.json()["items"]] == [
        ("confirmed", None),
        ("waitlisted", 1),
    ]
    # Nothing of the address is left in the database's own files either.
    await meetings.runtime.housekeeping.checkpoint()
    database = meetings.settings.database_url.split("///", 1)[1]
    for path in (Path(database), Path(f"{database}-wal")):
        if not path.exists():
            continue
        content = path.read_bytes().lower()
        assert address.lower().encode() not in content, path
        assert b"gudrun gast" not in content, path


async def test_an_erasure_request_for_a_registry_persons_address_erases_the_person(
    meetings, nats_url
):
    event = await a_person(meetings, nats_url, name="Rita Registry", user_sub="kc-rita-3")
    person_id = str(event.data.id)
    committee = await create_committee(meetings)
    await add_member(meetings, committee["id"], person_id)
    meeting = await create_meeting(meetings)
    mine = await register(meetings, meeting["id"], "rita.anders-3@example.org", sub="kc-rita-3")
    await eventually(lambda: all_published(meetings))
    assert await eventually(lambda: stream_mentions(nats_url, "rita.anders-3@example.org")) == 1

    completed = await request_erasure(nats_url, event.data.email)
    assert completed[0].data.counts["persons"] == 1
    assert completed[0].data.counts["registrations"] == 1
    person = await known_person(meetings, person_id)
    assert (person.name, person.email, person.user_sub) == (None, None, None)
    assert person.erased_at is not None
    assert (await registration_row(meetings, mine["id"])).email == ""
    assert await stream_mentions(nats_url, "rita.anders-3@example.org") == 0
    # The seat stays (a person id); the member event, which carries only the id, stays too.
    members = await meetings.client.get(
        f"/api/v1/committees/{committee['id']}/members", headers=meetings.auth(*OFFICE)
    )
    assert [(m["person_id"], m["name"]) for m in members.json()["items"]] == [(person_id, None)]
    assert await stream_mentions(nats_url, person_id) == 1


async def test_registrations_are_anonymised_twelve_months_after_the_event(meetings_on, nats_url):
    # 400 days on: the event in two weeks ended more than 12 months ago, the one in 60 days not.
    meetings = await meetings_on("postgresql", retention_clock_offset_days=400)
    past = await create_meeting(meetings, starts_at=in_days(14), capacity=1)
    recent = await create_meeting(meetings, starts_at=in_days(60))
    signed_in = await register(meetings, past["id"], "alt-4@example.org", sub="kc-alt-4")
    guest = await register(meetings, past["id"], "gast-4@example.org", name="Gerda Gast")
    kept = await register(meetings, recent["id"], "neu-4@example.org", name="Nina Neu")
    before = (await counts(meetings, past["id"]), await counts(meetings, recent["id"]))
    assert before == ((1, 1), (1, 0))

    purged = await meetings.runtime.housekeeping.purge()

    assert purged.anonymised == {"registrations": 2}
    for registration in (signed_in, guest):
        row = await registration_row(meetings, registration["id"])
        assert (row.name, row.email, row.organization, row.user_sub, row.person_id) == (
            "Gelöschte Person",
            "",
            None,
            None,
            None,
        )
    row = await registration_row(meetings, kept["id"])
    assert (row.name, row.email) == ("Nina Neu", "neu-4@example.org")
    assert (await counts(meetings, past["id"]), await counts(meetings, recent["id"])) == before
    # The next round finds nothing left to do.
    assert (await meetings.runtime.housekeeping.purge()).anonymised == {"registrations": 0}


async def test_the_default_retention_leaves_todays_registrations_alone(meetings):
    meeting = await create_meeting(meetings)
    registration = await register(meetings, meeting["id"], "heute-5@example.org")
    assert meetings.settings.retention_registration_months == 12
    assert (await meetings.runtime.housekeeping.purge()).anonymised == {"registrations": 0}
    assert (await registration_row(meetings, registration["id"])).email == "heute-5@example.org"


async def audit_entries(meetings: ServiceUnderTest, resource: str) -> list[tuple[str, str]]:
    response = await meetings.client.get(
        "/api/v1/audit",
        params={"resource": resource, "limit": 100},
        headers=meetings.auth("admin"),
    )
    assert response.status_code == 200, response.text
    return [(e["action"], e["actor"]) for e in reversed(response.json()["items"])]


async def test_every_change_and_read_of_registrations_is_audited_once(meetings):
    meeting = await create_meeting(meetings, capacity=1)
    first = await register(meetings, meeting["id"], "eins-6@example.org", sub="kc-eins-6")
    second = await register(meetings, meeting["id"], "zwei-6@example.org")
    url = f"/api/v1/meetings/{meeting['id']}/registrations"
    office = meetings.token(*OFFICE, sub="kc-office-6")
    for _ in range(2):
        response = await meetings.client.delete(
            f"{url}/{first['id']}", headers={"Authorization": f"Bearer {office}"}
        )
        assert response.status_code == 204  # the second time changes nothing
    for _ in range(2):
        response = await meetings.client.get(url, headers={"Authorization": f"Bearer {office}"})
        assert response.status_code == 200
    refused = await meetings.client.get(url, headers=meetings.auth("partner", sub="kc-eins-6"))
    assert refused.status_code == 403

    assert await audit_entries(meetings, f"registrations/{first['id']}") == [
        ("registration.created", "kc-eins-6"),
        ("registration.cancelled", "kc-office-6"),
    ]
    assert await audit_entries(meetings, f"registrations/{second['id']}") == [
        ("registration.created", "anonymous"),
        ("registration.promoted", "kc-office-6"),
    ]
    assert await audit_entries(meetings, f"meetings/{meeting['id']}") == [
        ("registrations.read", "kc-office-6"),
        ("registrations.read", "kc-office-6"),
    ]
    # The audit log names no one's data.
    everything = await meetings.client.get(
        "/api/v1/audit", params={"limit": 100}, headers=meetings.auth("admin")
    )
    assert "example.org" not in everything.text
    forbidden = await meetings.client.get("/api/v1/audit", headers=meetings.auth(*OFFICE))
    assert forbidden.status_code == 403


async def test_members_agenda_decisions_and_minutes_are_audited_once(meetings, nats_url):
    event = await a_person(meetings, nats_url, name="Marta Mitglied")
    person_id = str(event.data.id)
    office = meetings.auth(*OFFICE, sub="kc-office-7")
    committee = await create_committee(meetings)
    members_url = f"/api/v1/committees/{committee['id']}/members"
    body = {"person_id": person_id, "role": "member", "voting": True}
    for changed in (body, body, body | {"role": "chair"}):  # added, unchanged, changed
        response = await meetings.client.post(members_url, json=changed, headers=office)
        assert response.status_code in (200, 201), response.text
    session = await create_session(meetings, committee["id"])
    base = f"/api/v1/meetings/{session['id']}"
    item = await meetings.client.post(
        f"{base}/agenda", json={"kind": "decision", "title": "Jahresplanung"}, headers=office
    )
    assert item.status_code == 201, item.text
    item_id = item.json()["id"]
    response = await meetings.client.post(
        f"{base}/attendance", json={"person_ids": [person_id]}, headers=office
    )
    assert response.status_code == 200, response.text
    decision = await meetings.client.post(
        f"{base}/agenda/{item_id}/decision",
        json={"outcome": "approved", "ballots": [{"person_id": person_id, "vote": "yes"}]},
        headers=office,
    )
    assert decision.status_code == 201, decision.text
    again = await meetings.client.post(
        f"{base}/agenda/{item_id}/decision", json={"outcome": "rejected"}, headers=office
    )
    assert again.status_code == 409
    response = await meetings.client.put(
        f"{base}/minutes", json={"text": "# Protokoll"}, headers=office
    )
    assert response.status_code in (200, 201), response.text
    published = await meetings.client.post(
        f"{base}/minutes/publish", headers=office | {"If-Match": response.headers["ETag"]}
    )
    assert published.status_code == 200, published.text
    response = await meetings.client.delete(f"{members_url}/{person_id}", headers=office)
    assert response.status_code == 204

    assert await audit_entries(meetings, f"committees/{committee['id']}") == [
        ("committee.member_added", "kc-office-7"),
        ("committee.member_changed", "kc-office-7"),
        ("committee.member_removed", "kc-office-7"),
    ]
    assert await audit_entries(meetings, f"agenda_items/{item_id}") == [
        ("agenda.item_added", "kc-office-7")
    ]
    assert await audit_entries(meetings, f"decisions/{decision.json()['id']}") == [
        ("decision.recorded", "kc-office-7")
    ]
    assert await audit_entries(meetings, f"meetings/{session['id']}") == [
        ("minutes.published", "kc-office-7")
    ]


async def test_my_data_holds_my_registrations_and_seats_and_nothing_of_anyone_else(
    meetings, nats_url
):
    me = person_event(name="Ida Ich", user_sub="kc-ida-8")
    other = person_event(name="Otto Anders", user_sub="kc-otto-8")
    await publish_events(nats_url, [me, other])
    my_id, other_id = str(me.data.id), str(other.data.id)
    await known_person(meetings, my_id)
    await known_person(meetings, other_id)
    committee = await create_committee(meetings, name="Steuergruppe Ida")
    await add_member(meetings, committee["id"], my_id)
    await add_member(meetings, committee["id"], other_id)
    training = await create_meeting(meetings, title="Fortbildung Ida")
    conference = await create_meeting(meetings, title="Fachtag Ida", starts_at=in_days(20))
    signed_in = await register(meetings, training["id"], "ida.dienst-8@example.org", sub="kc-ida-8")
    # Without a token, with the address her token carries (another case).
    by_address = await register(meetings, conference["id"], "IDA.PRIVAT-8@example.org")
    await register(
        meetings, training["id"], "otto-8@example.org", name="Otto Anders", sub="kc-otto-8"
    )
    await register(meetings, conference["id"], "fremd-8@example.org", name="Fritz Fremd")

    response = await meetings.client.get(
        "/api/v1/me/data",
        headers=meetings.auth("partner", sub="kc-ida-8", email="ida.privat-8@example.org"),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["service"], body["sub"]) == ("meetings", "kc-ida-8")
    data = body["data"]
    registrations = {r["id"]: r for r in data["registrations"]}
    assert set(registrations) == {signed_in["id"], by_address["id"]}
    assert registrations[signed_in["id"]]["meeting_title"] == "Fortbildung Ida"
    assert registrations[by_address["id"]]["meeting_title"] == "Fachtag Ida"
    assert registrations[signed_in["id"]]["meeting_starts_at"].startswith(
        (in_days(0) + timedelta(days=14)).date().isoformat()
    )
    assert [(s["committee_id"], s["committee_name"]) for s in data["committee_seats"]] == [
        (committee["id"], "Steuergruppe Ida")
    ]
    assert [p["id"] for p in data["persons"]] == [my_id]
    for stranger in ("Otto", "otto-8", other_id, "kc-otto-8", "Fritz", "fremd-8"):
        assert stranger not in response.text, stranger
    assert response.headers["Cache-Control"] == "no-store"
    assert (await meetings.client.get("/api/v1/me/data")).status_code == 401

    # Someone known nowhere gets empty lists.
    nobody = await meetings.client.get(
        "/api/v1/me/data", headers=meetings.auth("partner", sub="kc-niemand-8")
    )
    assert all(records == [] for records in nobody.json()["data"].values())
