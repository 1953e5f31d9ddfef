"""The registry's personal data through its life: the audit log of person changes, reads of
non-public persons and erasure requests; ``GET /me/data``; and, on the embedded SQLite database,
no file of the registry or of NATS keeps an erased address, name or phone number."""

from __future__ import annotations

import uuid
from pathlib import Path

from registry_support import ERASURE_REQUESTS, REGISTRY, all_published, erasure_request

from schulerfolg_dev.testing.plugin import eventually

PERSONS = "/api/v1/persons"
AUDIT = "/api/v1/audit"


def unique(name: str) -> str:
    return f"{name}.{uuid.uuid4().hex[:10]}@example.org"


async def add_person(registry, headers, **fields) -> str:
    body = {"name": "Nora Nichtöffentlich", "function": "teacher", "region": "boerde"}
    response = await registry.client.post(PERSONS, json=body | fields, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def audit(registry, **params) -> list[tuple[str, str]]:
    """(action, actor) of the audit entries, newest first."""
    response = await registry.client.get(AUDIT, params=params, headers=registry.auth("admin"))
    assert response.status_code == 200, response.text
    return [(entry["action"], entry["actor"]) for entry in response.json()["items"]]


async def test_every_change_and_every_non_public_read_of_a_person_leaves_one_entry(registry):
    office = registry.auth("network_office", "boerde", sub="kc-buero")
    state = registry.auth("state_coordinator", sub="kc-land")
    email = unique("nora")
    nora = await add_person(registry, office, email=email, phone="03904 4711")
    public = await add_person(registry, office, name="Paul Öffentlich", public=True)

    changed = await registry.client.patch(
        f"{PERSONS}/{nora}", json={"phone": "03904 1"}, headers=office
    )
    unchanged = await registry.client.patch(
        f"{PERSONS}/{nora}", json={"phone": "03904 1"}, headers=office
    )
    for headers in (office, state):
        assert (await registry.client.get(f"{PERSONS}/{nora}", headers=headers)).status_code == 200
    for headers in (office, {}):
        assert (
            await registry.client.get(f"{PERSONS}/{public}", headers=headers)
        ).status_code == 200
    listed_all = await registry.client.get(PERSONS, headers=office)
    listed_region = await registry.client.get(PERSONS, headers=state, params={"region": "boerde"})
    anonymous = await registry.client.get(PERSONS)
    only_public = await registry.client.get(PERSONS, headers=office, params={"public": "true"})
    organization = await registry.client.post(
        "/api/v1/organizations",
        json={"name": "Träger e.V.", "kind": "free_youth_welfare", "region": "boerde"},
        headers=office,
    )
    erased = await registry.client.delete(f"{PERSONS}/{nora}", headers=office)

    assert changed.status_code == unchanged.status_code == 200
    assert len(listed_all.json()["items"]) == 2 and len(anonymous.json()["items"]) == 1
    assert listed_region.status_code == only_public.status_code == 200
    assert organization.status_code == 201 and erased.status_code == 204
    assert await audit(registry, resource=f"persons/{nora}") == [
        ("person.erased", "kc-buero"),
        ("person.read", "kc-land"),
        ("person.read", "kc-buero"),
        ("person.updated", "kc-buero"),
        ("person.created", "kc-buero"),
    ]
    assert await audit(registry, resource=f"persons/{public}") == [("person.created", "kc-buero")]
    assert await audit(registry, resource="persons?region=all") == [("persons.listed", "kc-buero")]
    assert await audit(registry, resource="persons?region=boerde") == [
        ("persons.listed", "kc-land")
    ]
    assert await audit(registry, resource=f"organizations/{organization.json()['id']}") == []
    (request,) = (
        await registry.client.get(ERASURE_REQUESTS, headers=registry.auth("admin"))
    ).json()["items"]
    assert await audit(registry, resource=f"erasure-requests/{request['id']}") == [
        ("erasure.requested", "kc-buero")
    ]
    # The log names who, what and when, never the data.
    everything = await registry.client.get(
        AUDIT, params={"limit": 500}, headers=registry.auth("admin")
    )
    assert email not in everything.text and "Nora" not in everything.text
    assert "4711" not in everything.text


async def test_a_completed_request_is_audited_as_the_systems_with_the_persons_it_erased(
    registry_on,
):
    registry = await registry_on("postgresql", erasure_services=["registry"])
    state = registry.auth("state_coordinator", sub="kc-land")
    email = unique("olga")
    olga = await add_person(registry, state, email=email)

    response = await registry.client.post(
        ERASURE_REQUESTS, json={"email": email, "reason": "Auf Wunsch"}, headers=state
    )
    request_id = response.json()["id"]

    async def completed():
        return (await erasure_request(registry, request_id))["status"] == "completed"

    await eventually(completed, timeout=30)
    assert await audit(registry, resource=f"erasure-requests/{request_id}") == [
        ("erasure.completed", "system"),
        ("erasure.requested", "kc-land"),
    ]
    assert await audit(registry, resource=f"persons/{olga}") == [
        ("person.erased", "system"),
        ("person.created", "kc-land"),
    ]


async def test_own_data_holds_the_callers_person_records_and_nothing_of_anyone_else(registry):
    state = registry.auth("state_coordinator")
    email = unique("ich")
    by_sub = await add_person(
        registry, state, name="Ich Selbst", user_sub="kc-ich", phone="0391 12345", public=True
    )
    by_email = await add_person(registry, state, name="Ich Anders", email=email.upper())
    await add_person(registry, state, name="Fremde Person", email=unique("fremd"), user_sub="kc-x")
    erased = await add_person(registry, state, name="Ich Gelöscht", user_sub="kc-ich")
    assert (await registry.client.delete(f"{PERSONS}/{erased}", headers=state)).status_code == 204

    mine = await registry.client.get(
        "/api/v1/me/data", headers=registry.auth("school", sub="kc-ich", email=email)
    )
    nothing = await registry.client.get(
        "/api/v1/me/data", headers=registry.auth("school", sub="kc-niemand")
    )
    anonymous = await registry.client.get("/api/v1/me/data")

    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["service"] == "registry" and body["sub"] == "kc-ich" and body["email"] == email
    records = {record["id"]: record for record in body["data"]["persons"]}
    assert set(records) == {by_sub, by_email}
    assert records[by_sub] | {"created_at": None, "updated_at": None} == {
        "id": by_sub,
        "name": "Ich Selbst",
        "email": None,
        "phone": "0391 12345",
        "function": "teacher",
        "function_label": "Lehrkraft",
        "region": "boerde",
        "organization_id": None,
        "school_id": None,
        "public": True,
        "created_at": None,
        "updated_at": None,
    }
    assert records[by_email]["email"].lower() == email
    assert "Fremde" not in mine.text and "kc-x" not in mine.text and "Gelöscht" not in mine.text
    assert nothing.json()["data"] == {"persons": []}
    assert anonymous.status_code == 401


async def test_no_file_keeps_an_erased_address_name_or_phone(new_database, nats_server, tmp_path):
    database_url = await new_database("sqlite")
    database_dir = Path(database_url.split(":///", 1)[1]).parent
    email = unique("rosa")
    secrets = [email.encode(), b"Rosa Geheimnis", b"0391 9876543"]
    kept = unique("karl").encode()
    async with REGISTRY.start(
        database_url, nats_server.url, tmp_path / "auth", erasure_services=["registry"]
    ) as registry:
        state = registry.auth("state_coordinator")
        rosa = await add_person(
            registry, state, name="Rosa Geheimnis", email=email, phone="0391 9876543"
        )
        await add_person(registry, state, name="Karl Bleibt", email=kept.decode())
        patched = await registry.client.patch(
            f"{PERSONS}/{rosa}", json={"function": "principal"}, headers=state
        )
        assert patched.status_code == 200
        await all_published(registry)

        response = await registry.client.post(
            ERASURE_REQUESTS,
            json={"email": email, "reason": "Auf Wunsch"},
            headers=state | {"Idempotency-Key": "rosa"},
        )
        request_id = response.json()["id"]

        async def completed():
            return (await erasure_request(registry, request_id))["status"] == "completed"

        await eventually(completed, timeout=30)
        await all_published(registry)
        assert await registry.runtime.db.checkpoint()
    nats_server.stop()

    def files_containing(directory: Path, needle: bytes) -> list[str]:
        return [
            str(path)
            for path in directory.rglob("*")
            if path.is_file() and needle in path.read_bytes()
        ]

    assert files_containing(database_dir, kept)  # the search finds what is there
    assert files_containing(nats_server.store_dir, kept)
    for secret in secrets:
        assert files_containing(database_dir, secret) == [], secret
        assert files_containing(nats_server.store_dir, secret) == [], secret
