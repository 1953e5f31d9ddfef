"""Erasure requests by e-mail address through the public HTTP API, on PostgreSQL with a real
NATS server: filed, answered by the registry itself and by the other services (their answers
published onto their streams as they would), completed, and the address forgotten."""

from __future__ import annotations

import uuid

import pytest
from registry_support import (
    ERASURE_REQUESTS,
    all_published,
    answer_erasure,
    answered,
    erasure_request,
    stream_bytes,
)
from sqlalchemy import select

from registry.models import ErasureRequest
from schulerfolg.events.privacy import ErasureRequested
from schulerfolg_dev.testing.events import collect_events
from schulerfolg_dev.testing.plugin import eventually

PERSONS = "/api/v1/persons"
SERVICES = ["registry", "offers", "meetings", "notifications"]


def address(name: str) -> str:
    """An address no other test uses (the NATS server is shared by the test session)."""
    return f"{name}.{uuid.uuid4().hex[:10]}@example.org"


async def add_person(registry, email: str | None, **fields) -> str:
    body = {"name": "Klara Kontakt", "function": "teacher", "region": "boerde", "email": email}
    response = await registry.client.post(
        PERSONS, json=body | fields, headers=registry.auth("state_coordinator")
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def file(registry, email: str, reason: str = "Die Person hat darum gebeten.", **headers):
    return await registry.client.post(
        ERASURE_REQUESTS,
        json={"email": email, "reason": reason},
        headers=registry.auth("state_coordinator", sub="kc-koordination") | headers,
    )


async def stored_rows(registry, model, **where):
    async with registry.runtime.db.sessions() as session:
        statement = select(model).filter_by(**where)
        return list((await session.scalars(statement)).all())


async def outbox_text(registry) -> str:
    table = registry.runtime.tables.outbox
    async with registry.runtime.db.sessions() as session:
        return "\n".join((await session.execute(select(table.c.payload))).scalars().all())


async def test_a_request_is_pending_until_every_service_answered_then_forgets_the_address(
    registry, nats_url
):
    email = address("klara")
    klara = await add_person(registry, email)
    other = await add_person(registry, address("otto"), name="Otto Bleibt")
    await all_published(registry)

    response = await file(registry, email.upper())

    assert response.status_code == 202, response.text
    request = response.json()
    request_id = request["id"]
    assert response.headers["Location"] == f"{ERASURE_REQUESTS}/{request_id}"
    assert request["email_hint"] == f"{email[0]}…@example.org"
    assert email not in response.text and email.split("@")[0] not in response.text
    assert request["status"] == "pending" and request["completed_at"] is None
    assert request["origin"] == "request" and request["requested_by"] == "kc-koordination"
    assert request["reason"] == "Die Person hat darum gebeten."
    assert [s["service"] for s in request["services"]] == SERVICES
    assert all(s["status"] == "pending" and s["counts"] == {} for s in request["services"])

    # The request carries the address to every service (the one event that does).
    (event, _), *_ = await collect_events(
        nats_url,
        stream="REGISTRY",
        subject="sfs.state.registry.erasure.requested",
        where=lambda e: e.subject == f"erasures/{request_id}",
    )
    assert isinstance(event.data, ErasureRequested) and event.data.email == email

    # The registry answers by erasing its persons with that address.
    registry_done = await eventually(lambda: answered(registry, request_id, "registry"), timeout=30)
    (registry_answer,) = [s for s in registry_done["services"] if s["service"] == "registry"]
    assert registry_answer["counts"]["persons"] == 1 and registry_answer["completed_at"]
    assert registry_done["status"] == "pending"
    state = registry.auth("state_coordinator")
    assert (await registry.client.get(f"{PERSONS}/{klara}", headers=state)).status_code == 410
    assert (await registry.client.get(f"{PERSONS}/{other}", headers=state)).status_code == 200

    # Two more services answer (one of them twice): still pending.
    await answer_erasure(nats_url, request_id, "offers", times=2, applications=2)
    await answer_erasure(nats_url, request_id, "meetings", registrations=1)
    waiting = await eventually(
        lambda: answered(registry, request_id, "offers", "meetings"), timeout=30
    )
    assert waiting["status"] == "pending" and waiting["completed_at"] is None
    (row,) = await stored_rows(registry, ErasureRequest, id=uuid.UUID(request_id))
    assert row.email == email  # kept while a service still needs it

    await answer_erasure(nats_url, request_id, "notifications", deliveries=3)

    async def completed():
        request = await erasure_request(registry, request_id)
        return request if request["status"] == "completed" else None

    done = await eventually(completed, timeout=30)
    assert done["completed_at"] is not None
    assert {s["service"]: s["counts"] for s in done["services"] if s["service"] != "registry"} == {
        "offers": {"applications": 2},
        "meetings": {"registrations": 1},
        "notifications": {"deliveries": 3},
    }
    assert all(s["status"] == "completed" for s in done["services"])
    (row,) = await stored_rows(registry, ErasureRequest, id=uuid.UUID(request_id))
    assert row.email is None and row.email_hint == f"{email[0]}…@example.org"
    # Neither the stream nor the outbox keeps the address: the request's message is erased.
    registry_stream = await stream_bytes(nats_url, "REGISTRY", "sfs.*.registry.>")
    assert f"erasures/{request_id}".encode() in registry_stream  # the answer is still there
    assert email.encode() not in registry_stream
    requested = await stream_bytes(nats_url, "REGISTRY", "sfs.*.registry.erasure.requested")
    assert f"erasures/{request_id}".encode() not in requested
    assert email not in await outbox_text(registry)


async def test_an_answer_for_an_unknown_request_is_ignored(registry, nats_url):
    response = await file(registry, address("ida"))
    request_id = response.json()["id"]
    await eventually(lambda: answered(registry, request_id, "registry"), timeout=30)
    unknown = str(uuid.uuid4())

    await answer_erasure(nats_url, unknown, "offers", applications=1)
    await answer_erasure(nats_url, request_id, "offers", applications=1)
    await eventually(lambda: answered(registry, request_id, "offers"), timeout=30)

    assert await stored_rows(registry, ErasureRequest, id=uuid.UUID(unknown)) == []
    dead = registry.runtime.tables.dead_letters
    async with registry.runtime.db.sessions() as session:
        assert (await session.execute(select(dead))).all() == []
    assert (await erasure_request(registry, request_id))["status"] == "pending"


async def test_only_the_services_configured_are_waited_for(registry_on, nats_url):
    registry = await registry_on("postgresql", erasure_services=["registry"])
    response = await file(registry, address("jana"))
    request = response.json()
    assert [s["service"] for s in request["services"]] == ["registry"]

    async def completed():
        found = await erasure_request(registry, request["id"])
        return found["status"] == "completed"

    await eventually(completed, timeout=30)


async def test_deleting_a_person_files_a_request_for_their_address(registry, nats_url):
    email = address("paula")
    paula = await add_person(registry, email)
    nobody = await add_person(registry, None, name="Ohne Adresse")
    office = registry.auth("network_office", "boerde", sub="kc-buero")

    assert (await registry.client.delete(f"{PERSONS}/{paula}", headers=office)).status_code == 204
    assert (await registry.client.delete(f"{PERSONS}/{paula}", headers=office)).status_code == 204
    assert (await registry.client.delete(f"{PERSONS}/{nobody}", headers=office)).status_code == 204

    listed = await registry.client.get(
        ERASURE_REQUESTS, headers=registry.auth("admin"), params={"status": "pending"}
    )
    assert listed.status_code == 200
    (request,) = listed.json()["items"]  # one: not for the person without address, not twice
    assert request["origin"] == "person_erased"
    assert request["reason"] == "Person im Register gelöscht"
    assert request["requested_by"] == "kc-buero"
    assert request["email_hint"] == f"{email[0]}…@example.org"
    # The registry's own answer finds her already erased and files nothing new (no loop).
    done = await eventually(lambda: answered(registry, request["id"], "registry"), timeout=30)
    (mine,) = [s for s in done["services"] if s["service"] == "registry"]
    assert mine["counts"]["persons"] == 0
    await all_published(registry)
    everything = await registry.client.get(ERASURE_REQUESTS, headers=registry.auth("admin"))
    assert [r["id"] for r in everything.json()["items"]] == [request["id"]]


async def test_requests_are_listed_newest_first_by_status_with_a_cursor(registry, nats_url):
    ids = [(await file(registry, address(f"n{n}"))).json()["id"] for n in range(3)]
    admin = registry.auth("admin")

    first = await registry.client.get(ERASURE_REQUESTS, headers=admin, params={"limit": 2})
    rest = await registry.client.get(
        ERASURE_REQUESTS,
        headers=admin,
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
    )
    completed = await registry.client.get(
        ERASURE_REQUESTS, headers=admin, params={"status": "completed"}
    )
    bad_cursor = await registry.client.get(
        ERASURE_REQUESTS, headers=admin, params={"cursor": "bm90LW91cnM"}
    )

    assert [r["id"] for r in first.json()["items"] + rest.json()["items"]] == ids[::-1]
    assert rest.json()["next_cursor"] is None
    assert completed.json()["items"] == []
    assert bad_cursor.status_code == 400


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"reason": "x"}, {"email"}),
        ({"email": "keine-adresse", "reason": "x"}, {"email"}),
        ({"email": "Klara <klara@example.org>", "reason": "x"}, {"email"}),
        ({"email": "a" * 320 + "@example.org", "reason": "x"}, {"email"}),
        ({"email": "klara@example.org"}, {"reason"}),
        ({"email": "klara@example.org", "reason": "   "}, {"reason"}),
        ({"email": "klara@example.org", "reason": "x" * 501}, {"reason"}),
        ({"email": "klara@example.org", "reason": "x", "name": "Klara"}, {"name"}),
    ],
)
async def test_a_bad_address_or_reason_is_a_422_naming_the_field(registry, body, fields):
    response = await registry.client.post(
        ERASURE_REQUESTS, json=body, headers=registry.auth("state_coordinator")
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert {error["field"] for error in response.json()["errors"]} == fields
    assert await stored_rows(registry, ErasureRequest) == []


async def test_only_the_state_coordination_and_admins_handle_requests(registry):
    request_id = (await file(registry, address("lena"))).json()["id"]
    body = {"email": address("lena"), "reason": "x"}

    for headers, status in (
        (registry.auth("network_office", "boerde"), 403),
        (registry.auth("school", school_id=str(uuid.uuid4())), 403),
        ({}, 401),
    ):
        assert (
            await registry.client.post(ERASURE_REQUESTS, json=body, headers=headers)
        ).status_code == status
        assert (await registry.client.get(ERASURE_REQUESTS, headers=headers)).status_code == status
        assert (
            await registry.client.get(f"{ERASURE_REQUESTS}/{request_id}", headers=headers)
        ).status_code == status
    assert len(await stored_rows(registry, ErasureRequest)) == 1
    admin = registry.auth("admin")
    assert (
        await registry.client.post(ERASURE_REQUESTS, json=body, headers=admin)
    ).status_code == 202
    unknown = await registry.client.get(f"{ERASURE_REQUESTS}/{uuid.uuid4()}", headers=admin)
    assert unknown.status_code == 404
    assert unknown.json()["type"].endswith("erasure-request-not-found")


async def test_a_replayed_request_stores_and_answers_no_full_address(registry):
    email = address("mia")
    key = {"Idempotency-Key": "erase-mia"}

    first = await file(registry, email, **key)
    again = await file(registry, email, **key)

    assert first.status_code == again.status_code == 202
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and again.headers["Location"] == first.headers["Location"]
    assert len(await stored_rows(registry, ErasureRequest)) == 1
    keys = registry.runtime.tables.idempotency_keys
    async with registry.runtime.db.sessions() as session:
        stored = (await session.execute(select(keys))).all()
    assert len(stored) == 1
    assert email not in (stored[0].response_body or "") + (stored[0].response_headers or "")
    assert email.split("@")[0] not in (stored[0].response_body or "")
    assert "@example.org" in stored[0].response_body  # the hint is what it keeps
