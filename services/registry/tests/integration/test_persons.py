"""Persons, their GDPR erasure and the regional contact list through the public HTTP API,
on PostgreSQL with a real NATS server."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from registry.models import Person, School
from schulerfolg.events.registry import PersonCreated, PersonErased, PersonUpdated
from schulerfolg_dev.testing.events import about, collect_events
from schulerfolg_dev.testing.plugin import eventually

URL = "/api/v1/persons"
ORGANIZATIONS = "/api/v1/organizations"

ANNA = {
    "name": "Anna Müller",
    "function": "network_office_staff",
    "email": "anna.mueller@awo-boerde.example",
    "phone": "+49 3904 123456",
    "region": "boerde",
    "public": True,
}
BERND = {
    "name": "Bernd Schulze",
    "function": "school_social_worker",
    "email": "bernd.schulze@awo-boerde.example",
    "phone": "03904 777",
    "region": "boerde",
    "user_sub": "kc-bernd",
}


async def organization(registry, **fields: Any) -> dict[str, Any]:
    body = {"name": "AWO Kreisverband Börde e.V.", "kind": "free_youth_welfare", "region": "boerde"}
    response = await registry.client.post(
        ORGANIZATIONS, json=body | fields, headers=registry.auth("state_coordinator")
    )
    assert response.status_code == 201, response.text
    return response.json()


async def school(registry, *, region: str = "boerde", deleted: bool = False) -> str:
    row = School(
        school_number=str(uuid.uuid4().int)[:8],
        name="Gymnasium Haldensleben",
        school_type="gymnasium",
        region=region,
    )
    if deleted:
        row.deleted_at = row.created_at
    async with registry.app.state.runtime.db.transaction() as session:
        session.add(row)
    return str(row.id)


async def create(registry, body: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    response = await registry.client.post(
        URL, json=(body or ANNA) | changes, headers=registry.auth("state_coordinator")
    )
    assert response.status_code == 201, response.text
    return response.json()


async def outbox_payloads(registry) -> list[tuple[str, str]]:
    table = registry.app.state.runtime.tables.outbox
    async with registry.app.state.runtime.db.sessions() as session:
        rows = await session.execute(
            select(table.c.event_type, table.c.payload).order_by(table.c.seq)
        )
    return [(row.event_type, row.payload) for row in rows]


# ----------------------------------------------------------------------------- CRUD and events


async def test_a_person_is_created_read_and_changed_with_an_event_for_each(registry, nats_url):
    org = await organization(registry)
    headers = registry.auth("network_office", "boerde")
    created = await registry.client.post(
        URL,
        json=BERND | {"organization_id": org["id"], "region": None},
        headers=headers,
    )

    assert created.status_code == 201, created.text
    person = created.json()
    person_id = person["id"]
    assert person["region"] == "boerde"  # from the organisation
    assert person["public"] is False and person["user_sub"] == "kc-bernd"
    assert person["version"] == 1
    assert created.headers["location"] == f"{URL}/{person_id}"
    assert created.headers["etag"] == '"1"'

    read = await registry.client.get(f"{URL}/{person_id}", headers=headers)
    assert read.status_code == 200 and read.json() == person and read.headers["etag"] == '"1"'

    changed = await registry.client.patch(
        f"{URL}/{person_id}",
        json={"phone": "03904 888", "public": True},
        headers=headers | {"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert changed.json()["phone"] == "03904 888" and changed.json()["name"] == BERND["name"]

    events = [
        event
        for event, _ in await collect_events(
            nats_url,
            stream="REGISTRY",
            subject="sfs.boerde.registry.person.>",
            where=about(f"persons/{person_id}"),
            count=2,
        )
    ]
    assert [type(e.data) for e in events] == [PersonCreated, PersonUpdated]
    assert events[0].type == "de.schulerfolg.registry.person.created.v1"
    assert events[0].data.model_dump(mode="json") == {
        "id": person_id,
        "version": 1,
        "name": "Bernd Schulze",
        "function": "school_social_worker",
        "email": "bernd.schulze@awo-boerde.example",
        "organization_id": org["id"],
        "school_id": None,
        "region": "boerde",
        "public": False,
        "user_sub": "kc-bernd",
    }
    assert events[1].data.public is True and events[1].region == "boerde"
    assert events[1].data.version == 2


async def test_the_region_of_a_person_follows_the_school_then_the_organization(registry):
    org = await organization(registry, region="magdeburg")
    school_id = await school(registry, region="harz")
    state_org = await organization(registry, name="Landesjugendamt", region=None)

    at_school = await create(
        registry, BERND | {"region": None}, school_id=school_id, organization_id=org["id"]
    )
    at_org = await create(registry, BERND | {"region": None}, organization_id=org["id"])
    agreeing = await create(registry, BERND | {"region": "magdeburg"}, organization_id=org["id"])
    at_state_org = await create(registry, BERND | {"region": None}, organization_id=state_org["id"])
    on_its_own = await create(registry, BERND | {"region": "stendal"})
    state_level = await create(registry, BERND | {"region": "state"})

    assert at_school["region"] == "harz"
    assert at_org["region"] == agreeing["region"] == "magdeburg"
    assert at_state_org["region"] is None
    assert on_its_own["region"] == "stendal"
    assert state_level["region"] is None

    moved = await registry.client.patch(
        f"{URL}/{at_org['id']}",
        json={"school_id": school_id},
        headers=registry.auth("state_coordinator"),
    )
    assert moved.status_code == 200 and moved.json()["region"] == "harz"


async def test_a_region_contradicting_the_school_or_organization_is_a_422(registry):
    org = await organization(registry)
    school_id = await school(registry, region="harz")
    headers = registry.auth("state_coordinator")

    against_org = await registry.client.post(
        URL, json=BERND | {"organization_id": org["id"], "region": "harz"}, headers=headers
    )
    against_school = await registry.client.post(
        URL, json=BERND | {"school_id": school_id, "region": "boerde"}, headers=headers
    )
    state_against_org = await registry.client.post(
        URL, json=BERND | {"organization_id": org["id"], "region": "state"}, headers=headers
    )

    for response in (against_org, against_school, state_against_org):
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "region"
    assert "school (harz)" in against_school.json()["detail"]
    assert (await registry.client.get(URL, headers=headers)).json()["items"] == []


async def test_an_unknown_or_deleted_school_or_organization_is_a_422_naming_the_field(registry):
    deleted_school = await school(registry, deleted=True)
    org = await organization(registry)
    headers = registry.auth("state_coordinator")
    assert (
        await registry.client.delete(f"{ORGANIZATIONS}/{org['id']}", headers=headers)
    ).status_code == 204

    cases = {
        "school_id": [str(uuid.uuid4()), deleted_school],
        "organization_id": [str(uuid.uuid4()), org["id"]],
    }
    for field, ids in cases.items():
        for missing in ids:
            response = await registry.client.post(
                URL, json=BERND | {field: missing}, headers=headers
            )
            assert response.status_code == 422, response.text
            assert [e["field"] for e in response.json()["errors"]] == [field]

    person = await create(registry, BERND)
    patched = await registry.client.patch(
        f"{URL}/{person['id']}", json={"school_id": deleted_school}, headers=headers
    )
    assert patched.status_code == 422 and patched.json()["errors"][0]["field"] == "school_id"


# ----------------------------------------------------------------------------- who sees whom


async def test_anonymous_callers_read_public_persons_only(registry):
    anna = await create(registry, ANNA)
    bernd = await create(registry, BERND)

    listed = await registry.client.get(URL)
    public = await registry.client.get(f"{URL}/{anna['id']}")
    hidden = await registry.client.get(f"{URL}/{bernd['id']}")
    unknown = await registry.client.get(f"{URL}/{uuid.uuid4()}")

    assert [p["id"] for p in listed.json()["items"]] == [anna["id"]]
    assert public.status_code == 200 and public.json()["email"] == ANNA["email"]
    assert hidden.status_code == unknown.status_code == 404
    # Exactly what an id that never existed answers: nothing tells that the person exists.
    assert hidden.json()["detail"] == f"There is no person {bernd['id']}."
    assert hidden.json()["type"] == unknown.json()["type"]
    assert (await registry.client.get(URL, params={"public": "false"})).json()["items"] == []


async def test_a_network_office_sees_its_regions_persons_and_only_public_ones_elsewhere(registry):
    anna = await create(registry, ANNA)
    bernd = await create(registry, BERND)
    harz_staff = await create(registry, BERND | {"name": "Clara Harz", "region": "harz"})
    state_staff = await create(
        registry,
        BERND | {"name": "Dora Land", "region": None, "function": "state_coordination_staff"},
    )
    boerde = registry.auth("network_office", "boerde")
    harz = registry.auth("network_office", "harz")
    steering = registry.auth("steering_member", "boerde")
    state = registry.auth("state_coordinator")

    async def ids(headers: dict[str, str]) -> set[str]:
        return {p["id"] for p in (await registry.client.get(URL, headers=headers)).json()["items"]}

    assert await ids(boerde) == {anna["id"], bernd["id"]}
    assert await ids(harz) == {anna["id"], harz_staff["id"]}
    assert await ids(steering) == {anna["id"]}
    assert await ids(state) == {anna["id"], bernd["id"], harz_staff["id"], state_staff["id"]}

    assert (await registry.client.get(f"{URL}/{bernd['id']}", headers=harz)).status_code == 404
    assert (await registry.client.get(f"{URL}/{bernd['id']}", headers=steering)).status_code == 404
    assert (
        await registry.client.get(f"{URL}/{state_staff['id']}", headers=boerde)
    ).status_code == 404
    assert (await registry.client.get(f"{URL}/{bernd['id']}", headers=boerde)).status_code == 200
    assert (
        await registry.client.get(f"{URL}/{state_staff['id']}", headers=state)
    ).status_code == 200


async def test_the_identity_provider_subject_is_shown_only_to_those_who_manage_the_person(registry):
    anna = await create(registry, ANNA | {"user_sub": "kc-anna"})

    anonymous = (await registry.client.get(f"{URL}/{anna['id']}")).json()
    other_office = (
        await registry.client.get(URL, headers=registry.auth("network_office", "harz"))
    ).json()["items"][0]
    own_office = (
        await registry.client.get(
            f"{URL}/{anna['id']}", headers=registry.auth("network_office", "boerde")
        )
    ).json()

    assert anonymous["user_sub"] is None and other_office["user_sub"] is None
    assert own_office["user_sub"] == "kc-anna"


# ----------------------------------------------------------------------------- lists


async def test_persons_are_filtered_by_region_function_organization_school_and_public(registry):
    org = await organization(registry)
    school_id = await school(registry)
    anna = await create(registry, ANNA)
    bernd = await create(registry, BERND | {"region": None}, organization_id=org["id"])
    carla = await create(
        registry,
        BERND | {"name": "Carla Rektor", "function": "principal", "region": None},
        school_id=school_id,
    )
    dirk = await create(registry, BERND | {"name": "Dirk Harz", "region": "harz"})
    erna = await create(registry, BERND | {"name": "Erna Land", "region": None})
    headers = registry.auth("state_coordinator")

    async def ids(**params: Any) -> list[str]:
        response = await registry.client.get(URL, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()["items"]]

    assert await ids(region="boerde") == [anna["id"], bernd["id"], carla["id"]]
    assert await ids(region="harz") == [dirk["id"]]
    assert await ids(region="state") == [erna["id"]]
    assert await ids(function="principal") == [carla["id"]]
    assert await ids(organization_id=org["id"]) == [bernd["id"]]
    assert await ids(school_id=school_id) == [carla["id"]]
    assert await ids(public="true") == [anna["id"]]
    assert await ids(public="false", region="boerde") == [bernd["id"], carla["id"]]
    bad = await registry.client.get(URL, params={"function": "janitor", "region": "mars"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"function"}
    assert (await registry.client.get(URL, params={"region": "mars"})).status_code == 422


@pytest.mark.parametrize("query", ["muller", "MÜLLER", "mueller", "anna m"])
async def test_persons_are_found_by_name_ignoring_case_and_umlauts(registry, query):
    anna = await create(registry, ANNA)
    await create(registry, BERND | {"public": True})

    response = await registry.client.get(URL, params={"q": query})

    assert [p["id"] for p in response.json()["items"]] == [anna["id"]]


async def test_persons_page_through_by_name_with_a_cursor(registry):
    names = [f"Person {i:02d}" for i in range(6)]
    for name in reversed(names):
        await create(registry, ANNA | {"name": name})
    erased = await create(registry, ANNA | {"name": "Person 99"})
    headers = registry.auth("state_coordinator")
    assert (
        await registry.client.delete(f"{URL}/{erased['id']}", headers=headers)
    ).status_code == 204

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 4} | ({"cursor": cursor} if cursor else {})
        body = (await registry.client.get(URL, params=params, headers=headers)).json()
        assert "items" in body, body
        seen += [p["name"] for p in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert pages == 2
    assert seen == names  # the erased person is not listed


# ----------------------------------------------------------------------------- writes


async def test_a_stale_if_match_is_412_and_an_unchanged_patch_changes_nothing(registry):
    anna = await create(registry, ANNA)
    url = f"{URL}/{anna['id']}"
    headers = registry.auth("network_office", "boerde")

    unchanged = await registry.client.patch(
        url, json={"name": ANNA["name"], "region": "boerde", "public": True}, headers=headers
    )
    first = await registry.client.patch(url, json={"phone": "0391 1"}, headers=headers)
    stale = await registry.client.patch(
        url, json={"phone": "0391 2"}, headers=headers | {"If-Match": '"1"'}
    )

    assert unchanged.status_code == 200 and unchanged.headers["etag"] == '"1"'
    assert first.headers["etag"] == '"2"'
    assert stale.status_code == 412 and stale.headers["etag"] == '"2"'
    assert (await registry.client.get(url)).json()["phone"] == "0391 1"
    types = [
        t.split(".")[-2] for t, payload in await outbox_payloads(registry) if anna["id"] in payload
    ]
    assert types == ["created", "updated"]


async def test_a_retry_with_the_same_idempotency_key_returns_the_first_person(registry):
    headers = registry.auth("network_office", "boerde") | {"Idempotency-Key": "anna-1"}

    first = await registry.client.post(URL, json=ANNA, headers=headers)
    retry = await registry.client.post(URL, json=ANNA, headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    listed = (await registry.client.get(URL, headers=headers)).json()["items"]
    assert [p["id"] for p in listed] == [first.json()["id"]]


async def test_a_network_office_may_not_write_another_regions_persons(registry):
    anna = await create(registry, ANNA)  # public: the office of harz may know it exists
    bernd = await create(registry, BERND)  # not public: it may not
    harz = registry.auth("network_office", "harz")
    own = await create(registry, BERND | {"region": "harz", "name": "Clara Harz"})

    responses = [
        await registry.client.post(URL, json=ANNA, headers=harz),
        await registry.client.post(URL, json=ANNA | {"region": None}, headers=harz),
        await registry.client.patch(f"{URL}/{anna['id']}", json={"name": "X"}, headers=harz),
        await registry.client.delete(f"{URL}/{anna['id']}", headers=harz),
        await registry.client.patch(f"{URL}/{own['id']}", json={"region": "boerde"}, headers=harz),
        await registry.client.post(URL, json=ANNA, headers=registry.auth("school")),
    ]
    hidden = [
        await registry.client.patch(f"{URL}/{bernd['id']}", json={"name": "X"}, headers=harz),
        await registry.client.delete(f"{URL}/{bernd['id']}", headers=harz),
    ]

    for response in responses:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert [r.status_code for r in hidden] == [404, 404]
    state = registry.auth("state_coordinator")
    assert (await registry.client.get(f"{URL}/{anna['id']}")).json()["version"] == 1
    assert (await registry.client.get(f"{URL}/{bernd['id']}", headers=state)).json()["version"] == 1
    assert (
        await registry.client.patch(f"{URL}/{bernd['id']}", json={"name": "B"}, headers=state)
    ).status_code == 200
    assert (await registry.client.delete(f"{URL}/{anna['id']}", headers=state)).status_code == 204


async def test_writes_without_a_token_are_401(registry):
    anna = await create(registry, ANNA)

    responses = [
        await registry.client.post(URL, json=ANNA),
        await registry.client.patch(f"{URL}/{anna['id']}", json={"name": "X"}),
        await registry.client.delete(f"{URL}/{anna['id']}"),
    ]

    assert [r.status_code for r in responses] == [401, 401, 401]
    assert (await registry.client.get(f"{URL}/{anna['id']}")).json()["name"] == ANNA["name"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (ANNA | {"function": "janitor"}, {"function"}),
        (ANNA | {"birthday": "1980-01-01"}, {"birthday"}),
        (ANNA | {"name": "x" * 201}, {"name"}),
        (ANNA | {"name": ""}, {"name"}),
        (ANNA | {"email": "anna@"}, {"email"}),
        (ANNA | {"phone": "=HYPERLINK(1)"}, {"phone"}),
        (ANNA | {"phone": "0" * 51}, {"phone"}),
        (ANNA | {"user_sub": "s" * 256}, {"user_sub"}),
        (ANNA | {"public": "perhaps", "organization_id": "org-1"}, {"public", "organization_id"}),
        (ANNA | {"name": ["Anna"], "school_id": 5}, {"name", "school_id"}),
        (ANNA | {"region": "atlantis"}, {"region"}),
        ({"name": "Anna"}, {"function"}),
    ],
)
async def test_invalid_person_fields_are_named_in_a_422_problem(registry, body, fields):
    response = await registry.client.post(
        URL, json=body, headers=registry.auth("state_coordinator")
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert {e["field"] for e in response.json()["errors"]} == fields


async def test_a_patch_may_not_null_the_name_function_or_public_flag(registry):
    anna = await create(registry, ANNA)
    response = await registry.client.patch(
        f"{URL}/{anna['id']}",
        json={"name": None, "function": None, "public": None, "email": None, "id": "x"},
        headers=registry.auth("state_coordinator"),
    )

    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"name", "function", "public", "id"}


# ----------------------------------------------------------------------------- erasure


async def test_erasure_leaves_an_anonymous_tombstone_and_tells_the_other_services(
    registry, nats_url
):
    org = await organization(registry)
    headers = registry.auth("network_office", "boerde") | {"Idempotency-Key": "bernd-create"}
    created = await registry.client.post(
        URL,
        json=BERND | {"organization_id": org["id"], "region": None, "public": True},
        headers=headers,
    )
    person_id = created.json()["id"]
    office = registry.auth("network_office", "boerde")
    changed = await registry.client.patch(
        f"{URL}/{person_id}", json={"phone": "03904 999"}, headers=office
    )
    assert changed.status_code == 200
    # The created/updated events reach NATS before the erasure (the relay is fast).
    await collect_events(
        nats_url,
        stream="REGISTRY",
        subject="sfs.boerde.registry.person.>",
        where=about(f"persons/{person_id}"),
        count=2,
    )

    erased = await registry.client.delete(f"{URL}/{person_id}", headers=office)
    again = await registry.client.delete(f"{URL}/{person_id}", headers=office)

    assert erased.status_code == again.status_code == 204
    gone = await registry.client.get(f"{URL}/{person_id}", headers=office)
    assert gone.status_code == 410
    assert gone.headers["content-type"] == "application/problem+json"
    assert gone.json()["rule"] == "person-erased" and "erased on 20" in gone.json()["detail"]
    assert (await registry.client.get(f"{URL}/{person_id}")).status_code == 404
    assert (
        await registry.client.get(
            f"{URL}/{person_id}", headers=registry.auth("network_office", "harz")
        )
    ).status_code == 404
    assert (await registry.client.get(URL, headers=office)).json()["items"] == []
    refused = await registry.client.patch(
        f"{URL}/{person_id}", json={"name": "Neu"}, headers=office
    )
    assert refused.status_code == 409 and refused.json()["rule"] == "person-erased"

    async with registry.app.state.runtime.db.sessions() as session:
        row = await session.get(Person, uuid.UUID(person_id))
    assert row.name is None and row.email is None and row.phone is None and row.user_sub is None
    assert row.search_text == "" and row.public is False and row.erased_at is not None
    assert (str(row.id), row.function, row.region, str(row.organization_id)) == (
        person_id,
        "school_social_worker",
        "boerde",
        org["id"],
    )

    # The erasure request filed for her address names it until the registry's own answer has
    # forgotten the published row (what the other services do is not under test here).
    async def no_copy_of_the_address() -> bool:
        payloads = await outbox_payloads(registry)
        return all(BERND["email"] not in payload for _, payload in payloads)

    await eventually(no_copy_of_the_address, timeout=30)
    for secret in (
        BERND["name"],
        BERND["email"],
        "Bernd",
        "bernd.schulze",
        "03904 999",
        "kc-bernd",
    ):
        assert all(secret not in payload for _, payload in await outbox_payloads(registry))
    keys = registry.app.state.runtime.tables.idempotency_keys
    async with registry.app.state.runtime.db.sessions() as session:
        stored = (await session.execute(select(keys.c.response_body))).scalars().all()
    assert all(person_id not in (body or "") and "Bernd" not in (body or "") for body in stored)
    # The key no longer replays the erased person's data.
    retry = await registry.client.post(
        URL,
        json=BERND | {"organization_id": org["id"], "region": None, "public": True},
        headers=headers,
    )
    assert retry.status_code == 201 and retry.json()["id"] != person_id

    received = await collect_events(
        nats_url,
        stream="REGISTRY",
        subject="sfs.boerde.registry.person.erased",
        where=about(f"persons/{person_id}"),
        count=1,
        settle=1.0,
    )
    assert len(received) == 1  # the second DELETE emitted nothing
    event, message = received[0]
    raw = message.data
    assert isinstance(event.data, PersonErased)
    assert event.type == "de.schulerfolg.registry.person.erased.v1"
    assert event.region == "boerde" and event.subject == f"persons/{person_id}"
    assert json.loads(raw)["data"] == {"id": person_id}
    assert b"Bernd" not in raw and b"schulze" not in raw


async def test_an_office_of_another_region_cannot_erase_or_learn_of_a_person(registry):
    bernd = await create(registry, BERND)

    response = await registry.client.delete(
        f"{URL}/{bernd['id']}", headers=registry.auth("network_office", "harz")
    )

    assert response.status_code == 404
    async with registry.app.state.runtime.db.sessions() as session:
        assert (await session.get(Person, uuid.UUID(bernd["id"]))).name == BERND["name"]


async def test_log_lines_about_persons_carry_ids_never_personal_data(registry, caplog):
    caplog.set_level(logging.DEBUG)
    anna = await create(registry, ANNA | {"user_sub": "kc-anna"})
    headers = registry.auth("state_coordinator")
    await registry.client.patch(
        f"{URL}/{anna['id']}", json={"phone": "+49 391 5550"}, headers=headers
    )
    await registry.client.delete(f"{URL}/{anna['id']}", headers=headers)

    logged = [str(record.msg) + str(record.args) for record in caplog.records]
    assert any(anna["id"] in line and "registry.person.erased" in line for line in logged)
    for secret in ("Anna", "Müller", "anna.mueller", "3904 123456", "5550", "kc-anna"):
        assert not [line for line in logged if secret in line]


# ----------------------------------------------------------------------------- contact list


async def test_the_contact_list_shows_a_regions_public_persons_by_function_and_name(registry):
    org = await organization(registry)
    school_id = await school(registry)
    await create(registry, ANNA)
    await create(registry, ANNA | {"name": "Aaron Amt", "region": None}, organization_id=org["id"])
    await create(
        registry,
        ANNA | {"name": "Carla Rektor", "function": "principal", "region": None},
        school_id=school_id,
    )
    await create(registry, BERND)  # not public
    await create(registry, ANNA | {"region": "harz", "name": "Harald Harz"})
    erased = await create(registry, ANNA | {"name": "Egon Erased"})
    await registry.client.delete(
        f"{URL}/{erased['id']}", headers=registry.auth("state_coordinator")
    )

    response = await registry.client.get("/api/v1/regions/boerde/contact-list")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["function"], i["name"], i["institution"]) for i in items] == [
        ("network_office_staff", "Aaron Amt", "AWO Kreisverband Börde e.V."),
        ("network_office_staff", "Anna Müller", None),
        ("principal", "Carla Rektor", "Gymnasium Haldensleben"),
    ]
    assert items[1]["email"] == ANNA["email"] and items[1]["phone"] == ANNA["phone"]
    assert items[0]["function_label"] == "Regionale Netzwerkstelle"


async def test_the_contact_list_as_csv_is_safe_to_open_in_a_spreadsheet(registry):
    org = await organization(registry, name="@Träger")
    await create(
        registry,
        ANNA
        | {
            "name": '=HYPERLINK("http://evil.example","Klick")',
            "phone": "+49 391 123",
            "region": None,
        },
        organization_id=org["id"],
    )

    response = await registry.client.get(
        "/api/v1/regions/boerde/contact-list", headers={"Accept": "text/csv"}
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="kontaktliste-boerde.csv"' in response.headers["content-disposition"]
    text = response.content.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == "Name;Funktion;Einrichtung;E-Mail;Telefon"
    assert lines[1] == (
        '"\'=HYPERLINK(""http://evil.example"",""Klick"")";Regionale Netzwerkstelle;'
        "'@Träger;anna.mueller@awo-boerde.example;'+49 391 123"
    )
    assert lines[2] == ""


async def test_the_contact_list_of_an_unknown_region_is_a_404_problem(registry):
    response = await registry.client.get("/api/v1/regions/atlantis/contact-list")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "atlantis" in response.json()["detail"]


async def test_people_organisations_and_erasure_work_on_the_embedded_sqlite_database(registry_on):
    registry = await registry_on("sqlite")
    org = await organization(registry)
    headers = registry.auth("network_office", "boerde")
    ids = []
    for name in ("Anna", "Bernd", "Carla"):
        response = await registry.client.post(
            URL,
            json=BERND | {"name": name, "organization_id": org["id"], "region": None},
            headers=headers | {"Idempotency-Key": f"sqlite-{name}"},
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])

    first = (await registry.client.get(URL, params={"limit": 2}, headers=headers)).json()
    rest = (
        await registry.client.get(
            URL, params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers
        )
    ).json()
    erased = await registry.client.delete(f"{URL}/{ids[1]}", headers=headers)
    in_use = await registry.client.delete(f"{ORGANIZATIONS}/{org['id']}", headers=headers)

    assert [p["name"] for p in first["items"] + rest["items"]] == ["Anna", "Bernd", "Carla"]
    assert erased.status_code == 204
    assert (await registry.client.get(f"{URL}/{ids[1]}", headers=headers)).status_code == 410
    assert all("Bernd" not in payload for _, payload in await outbox_payloads(registry))
    assert in_use.status_code == 409 and in_use.json()["rule"] == "organization-in-use"


async def test_after_an_erasure_the_stream_keeps_no_earlier_event_about_the_person(
    registry, nats_url
):
    import nats as nats_client

    office = registry.auth("network_office", "boerde")
    anna = await registry.client.post(
        URL,
        json={
            "name": "Anna Stream",
            "function": "principal",
            "email": "anna.stream@schule.example",
            "region": "boerde",
        },
        headers=office,
    )
    other = await registry.client.post(
        URL,
        json={
            "name": "Otto Bleibt",
            "function": "principal",
            "email": "otto@schule.example",
            "region": "boerde",
        },
        headers=office,
    )
    anna_id, other_id = anna.json()["id"], other.json()["id"]
    await registry.client.patch(f"{URL}/{anna_id}", json={"phone": "03904 12345"}, headers=office)
    await collect_events(
        nats_url,
        stream="REGISTRY",
        subject="sfs.boerde.registry.person.>",
        where=about(f"persons/{anna_id}"),
        count=2,
    )

    assert (await registry.client.delete(f"{URL}/{anna_id}", headers=office)).status_code == 204

    async def stream_about(person_id: str) -> list[str]:
        return [
            event.type
            for event, _ in await collect_events(
                nats_url,
                stream="REGISTRY",
                subject="sfs.*.registry.person.>",
                where=about(f"persons/{person_id}"),
                count=99,
                timeout=2,
            )
        ]

    async def scrubbed():
        return await stream_about(anna_id) == ["de.schulerfolg.registry.person.erased.v1"]

    await eventually(scrubbed, timeout=30)
    # Nothing in the stream still names her; the other person's events stay.
    nc = await nats_client.connect(nats_url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe("sfs.*.registry.person.>", stream="REGISTRY")
        raw = b""
        while True:
            try:
                batch = await sub.fetch(100, timeout=1)
            except (nats_client.errors.TimeoutError, TimeoutError):
                break
            raw += b"".join(m.data for m in batch)
    finally:
        await nc.close()
    assert b"anna.stream@schule.example" not in raw and b"Anna Stream" not in raw
    assert await stream_about(other_id) == ["de.schulerfolg.registry.person.created.v1"]
