"""Organisations through the public HTTP API, on PostgreSQL with a real NATS server."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from registry.models import Person, Region, School
from schulerfolg.events.registry import (
    OrganizationCreated,
    OrganizationDeleted,
    OrganizationUpdated,
)
from schulerfolg_dev.testing.events import about, collect_events

URL = "/api/v1/organizations"

AWO = {
    "name": "AWO Kreisverband Börde e.V.",
    "kind": "free_youth_welfare",
    "region": "boerde",
    "street": "Gerikestraße 3",
    "postal_code": "39340",
    "city": "Haldensleben",
    "email": "info@awo-boerde.example",
    "phone": "03904 123456",
    "website": "https://www.awo-boerde.example/",
}


async def create(registry, body: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    response = await registry.client.post(
        URL, json=(body or AWO) | changes, headers=registry.auth("state_coordinator")
    )
    assert response.status_code == 201, response.text
    return response.json()


async def outbox_rows(registry, entity_id: str) -> list[str]:
    """The event types in the outbox about one entity, oldest first."""
    table = registry.app.state.runtime.tables.outbox
    async with registry.app.state.runtime.db.sessions() as session:
        rows = await session.execute(
            select(table.c.event_type)
            .where(table.c.payload.contains(entity_id))
            .order_by(table.c.seq)
        )
    return [row.event_type.split(".")[-2] for row in rows]


async def test_an_organization_is_created_read_changed_and_deleted_with_an_event_for_each(
    registry, nats_url
):
    headers = registry.auth("network_office", "boerde")
    created = await registry.client.post(URL, json=AWO, headers=headers)

    assert created.status_code == 201, created.text
    body = created.json()
    org_id = body["id"]
    assert {k: body[k] for k in AWO} == AWO
    assert body["version"] == 1 and body["created_at"] and body["updated_at"]
    assert created.headers["location"] == f"{URL}/{org_id}"
    assert created.headers["etag"] == '"1"'

    read = await registry.client.get(f"{URL}/{org_id}")  # anyone may read, no token
    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'
    assert read.json() == body

    changed = await registry.client.patch(
        f"{URL}/{org_id}",
        json={"phone": "03904 654321", "city": "Haldensleben (Börde)"},
        headers=headers | {"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert changed.json()["phone"] == "03904 654321"
    assert changed.json()["street"] == AWO["street"]  # untouched by the partial update

    deleted = await registry.client.delete(f"{URL}/{org_id}", headers=headers)
    assert deleted.status_code == 204
    assert (await registry.client.get(f"{URL}/{org_id}")).status_code == 404

    events = [
        event
        for event, _ in await collect_events(
            nats_url,
            stream="REGISTRY",
            subject="sfs.boerde.registry.organization.>",
            where=about(f"organizations/{org_id}"),
            count=3,
        )
    ]
    assert [type(e.data) for e in events] == [
        OrganizationCreated,
        OrganizationUpdated,
        OrganizationDeleted,
    ]
    assert all(e.region == "boerde" and e.source == "/registry" for e in events)
    assert events[0].type == "de.schulerfolg.registry.organization.created.v1"
    assert events[0].data.model_dump(mode="json") == {
        "id": org_id,
        "version": 1,
        "name": AWO["name"],
        "kind": "free_youth_welfare",
        "region": "boerde",
        "city": "Haldensleben",
    }
    assert events[1].data.city == "Haldensleben (Börde)"
    assert events[1].data.version == 2  # consumers apply an update only when it is newer
    assert events[2].data.model_dump(mode="json") == {
        "id": org_id,
        "region": "boerde",
        "version": 3,
    }


async def test_a_state_level_organization_has_no_region_and_its_events_say_state(
    registry, nats_url
):
    body = await create(registry, name="Landesjugendamt", kind="public_youth_welfare", region=None)
    as_state = await create(registry, name="Landesschulamt", kind="other", region="state")

    assert body["region"] is None and as_state["region"] is None
    listed = (await registry.client.get(URL, params={"region": "state"})).json()["items"]
    assert {o["name"] for o in listed} == {"Landesjugendamt", "Landesschulamt"}
    events = [
        event
        for event, _ in await collect_events(
            nats_url,
            stream="REGISTRY",
            subject="sfs.state.registry.organization.created",
            where=about(f"organizations/{body['id']}"),
            count=1,
        )
    ]
    assert events[0].region == "state" and events[0].data.region is None


async def test_organizations_are_filtered_by_region_and_kind(registry):
    await create(registry)
    await create(registry, name="Jugendamt Landkreis Börde", kind="public_youth_welfare")
    await create(
        registry, name="Jugendamt Landkreis Harz", kind="public_youth_welfare", region="harz"
    )
    await create(registry, name="Stadt Wernigerode", kind="municipality", region="harz")

    async def names(**params: str) -> list[str]:
        response = await registry.client.get(URL, params=params)
        assert response.status_code == 200, response.text
        return [o["name"] for o in response.json()["items"]]

    assert await names(region="boerde") == [
        "AWO Kreisverband Börde e.V.",
        "Jugendamt Landkreis Börde",
    ]
    assert await names(kind="public_youth_welfare") == [
        "Jugendamt Landkreis Börde",
        "Jugendamt Landkreis Harz",
    ]
    assert await names(region="harz", kind="municipality") == ["Stadt Wernigerode"]
    assert await names(region="magdeburg") == []

    unknown = await registry.client.get(URL, params={"region": "atlantis"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0] == {
        "field": "region",
        "location": "query",
        "message": "unknown region",
        "type": "region",
    }
    bad_kind = await registry.client.get(URL, params={"kind": "club"})
    assert bad_kind.status_code == 422 and bad_kind.json()["errors"][0]["field"] == "kind"


@pytest.mark.parametrize("query", ["Borde", "boerde", "BÖRDE", "kreisverband bör", "haldensleben"])
async def test_search_ignores_case_and_umlauts_and_covers_name_and_city(registry, query):
    await create(registry)
    await create(registry, name="Caritas Magdeburg", region="magdeburg", city="Magdeburg")

    response = await registry.client.get(URL, params={"q": query})

    assert response.status_code == 200
    assert [o["name"] for o in response.json()["items"]] == ["AWO Kreisverband Börde e.V."]


async def test_search_treats_like_wildcards_as_plain_text(registry):
    await create(registry)

    response = await registry.client.get(URL, params={"q": "%"})

    assert response.json()["items"] == []


async def test_organizations_page_through_by_name_with_a_cursor(registry):
    names = [f"Träger {i:02d}" for i in range(7)]
    for name in reversed(names):
        await create(registry, name=name)
    await create(registry, name="Träger 03")  # same name: the id breaks the tie

    seen: list[tuple[str, str]] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        body = (await registry.client.get(URL, params=params)).json()
        seen += [(o["name"], o["id"]) for o in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    assert seen == sorted(seen)
    assert [name for name, _ in seen] == sorted([*names, "Träger 03"])
    assert len({i for _, i in seen}) == 8


async def test_a_stale_if_match_is_412_and_the_current_one_passes(registry):
    org = await create(registry)
    headers = registry.auth("state_coordinator")
    url = f"{URL}/{org['id']}"

    first = await registry.client.patch(url, json={"name": "AWO Börde"}, headers=headers)
    stale = await registry.client.patch(
        url, json={"name": "AWO KV Börde"}, headers=headers | {"If-Match": '"1"'}
    )
    current = await registry.client.patch(
        url, json={"name": "AWO KV Börde"}, headers=headers | {"If-Match": '"2"'}
    )
    stale_delete = await registry.client.delete(url, headers=headers | {"If-Match": '"2"'})

    assert first.status_code == 200 and first.headers["etag"] == '"2"'
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.headers["etag"] == '"2"'
    assert current.status_code == 200 and current.headers["etag"] == '"3"'
    assert stale_delete.status_code == 412
    assert (await registry.client.get(url)).json()["name"] == "AWO KV Börde"


async def test_an_unchanged_patch_changes_nothing_and_emits_nothing(registry):
    org = await create(registry)
    url = f"{URL}/{org['id']}"
    headers = registry.auth("network_office", "boerde")

    same = await registry.client.patch(
        url, json={"name": f"  {AWO['name']} ", "city": AWO["city"]}, headers=headers
    )
    empty = await registry.client.patch(url, json={}, headers=headers)

    assert same.status_code == empty.status_code == 200
    assert same.headers["etag"] == empty.headers["etag"] == '"1"'
    assert same.json()["updated_at"] == org["updated_at"]
    assert await outbox_rows(registry, org["id"]) == ["created"]


async def test_patch_clears_optional_fields_with_null_but_never_the_name(registry):
    org = await create(registry)
    url = f"{URL}/{org['id']}"
    headers = registry.auth("state_coordinator")

    cleared = await registry.client.patch(
        url, json={"website": None, "phone": None}, headers=headers
    )
    no_name = await registry.client.patch(url, json={"name": None}, headers=headers)

    assert cleared.status_code == 200
    assert cleared.json()["website"] is None and cleared.json()["phone"] is None
    assert no_name.status_code == 422
    assert [e["field"] for e in no_name.json()["errors"]] == ["name"]


async def test_a_retry_with_the_same_idempotency_key_returns_the_first_organization(registry):
    headers = registry.auth("network_office", "boerde") | {"Idempotency-Key": "org-awo-1"}

    first = await registry.client.post(URL, json=AWO, headers=headers)
    retry = await registry.client.post(URL, json=AWO, headers=headers)
    other_body = await registry.client.post(URL, json=AWO | {"name": "Andere"}, headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["location"] == first.headers["location"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert other_body.status_code == 422
    assert other_body.json()["errors"][0]["field"] == "Idempotency-Key"
    listed = (await registry.client.get(URL)).json()["items"]
    assert [o["id"] for o in listed] == [first.json()["id"]]
    assert await outbox_rows(registry, first.json()["id"]) == ["created"]


async def test_a_network_office_may_not_write_another_regions_organizations(registry):
    harz = registry.auth("network_office", "harz")
    org = await create(registry)
    url = f"{URL}/{org['id']}"
    own = await create(registry, name="Jugendamt Harz", region="harz")

    created = await registry.client.post(URL, json=AWO, headers=harz)
    state_level = await registry.client.post(URL, json=AWO | {"region": None}, headers=harz)
    patched = await registry.client.patch(url, json={"name": "Übernommen"}, headers=harz)
    deleted = await registry.client.delete(url, headers=harz)
    moved_away = await registry.client.patch(
        f"{URL}/{own['id']}", json={"region": "boerde"}, headers=harz
    )
    steering = await registry.client.post(
        URL, json=AWO, headers=registry.auth("steering_member", "boerde")
    )

    for response in (created, state_level, patched, deleted, moved_away, steering):
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert (await registry.client.get(url)).json()["version"] == 1
    assert (await registry.client.get(f"{URL}/{own['id']}")).json()["region"] == "harz"
    assert len((await registry.client.get(URL)).json()["items"]) == 2

    state = registry.auth("state_coordinator")
    assert (
        await registry.client.patch(url, json={"name": "AWO"}, headers=state)
    ).status_code == 200
    assert (await registry.client.delete(url, headers=state)).status_code == 204


async def test_writes_without_a_token_are_401(registry):
    org = await create(registry)
    url = f"{URL}/{org['id']}"

    responses = [
        await registry.client.post(URL, json=AWO),
        await registry.client.patch(url, json={"name": "x"}),
        await registry.client.delete(url),
    ]

    for response in responses:
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (AWO | {"kind": "sports_club"}, {"kind"}),
        (AWO | {"fax": "0391 1", "address": {"city": "x"}}, {"fax", "address"}),
        (AWO | {"name": "x" * 301}, {"name"}),
        (AWO | {"name": "   "}, {"name"}),
        (AWO | {"street": "s" * 201, "city": "c" * 201}, {"street", "city"}),
        (AWO | {"email": "not-an-address"}, {"email"}),
        (AWO | {"email": "a" * 250 + "@x.de"}, {"email"}),
        (AWO | {"postal_code": "3934"}, {"postal_code"}),
        (AWO | {"postal_code": "D-39340"}, {"postal_code"}),
        (AWO | {"phone": "call me"}, {"phone"}),
        (AWO | {"website": "nowhere"}, {"website"}),
        (AWO | {"website": "https://x.example/" + "p" * 500}, {"website"}),
        (AWO | {"name": 123, "region": ["boerde"]}, {"name", "region"}),
        (AWO | {"region": "x" * 65}, {"region"}),
        (AWO | {"region": "atlantis"}, {"region"}),
        ({"name": "Nur ein Name"}, {"kind"}),
    ],
)
async def test_invalid_organization_fields_are_named_in_a_422_problem(registry, body, fields):
    response = await registry.client.post(
        URL, json=body, headers=registry.auth("state_coordinator")
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert {e["field"] for e in response.json()["errors"]} == fields
    assert (await registry.client.get(URL)).json()["items"] == []


async def test_invalid_patch_fields_are_named_in_a_422_problem(registry):
    org = await create(registry)
    response = await registry.client.patch(
        f"{URL}/{org['id']}",
        json={"kind": "club", "postal_code": "1", "version": 7, "region": "nowhere"},
        headers=registry.auth("state_coordinator"),
    )
    unknown_region = await registry.client.patch(
        f"{URL}/{org['id']}", json={"region": "nowhere"}, headers=registry.auth("state_coordinator")
    )

    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"kind", "postal_code", "version"}
    assert unknown_region.status_code == 422
    assert unknown_region.json()["errors"][0]["field"] == "region"
    assert (await registry.client.get(f"{URL}/{org['id']}")).json()["version"] == 1


async def test_an_unknown_or_malformed_id_is_a_problem(registry):
    missing = await registry.client.get(f"{URL}/{uuid.uuid4()}")
    malformed = await registry.client.get(f"{URL}/not-a-uuid")

    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert malformed.status_code == 422


async def _add_school(registry, *, provider_id: str, region: str = "boerde") -> uuid.UUID:
    school = School(
        school_number=str(uuid.uuid4().int)[:8],
        name="Gymnasium Haldensleben",
        school_type="gymnasium",
        region=region,
        has_school_social_work=True,
        social_work_provider_id=uuid.UUID(provider_id),
    )
    async with registry.app.state.runtime.db.transaction() as session:
        session.add(school)
    return school.id


async def test_an_organization_in_use_cannot_be_deleted_until_nothing_refers_to_it(registry):
    org = await create(registry)
    url = f"{URL}/{org['id']}"
    headers = registry.auth("network_office", "boerde")
    school_id = await _add_school(registry, provider_id=org["id"])
    person = await registry.client.post(
        "/api/v1/persons",
        json={
            "name": "Anna Beispiel",
            "function": "provider_contact",
            "organization_id": org["id"],
        },
        headers=headers,
    )
    assert person.status_code == 201, person.text

    refused = await registry.client.delete(url, headers=headers)

    assert refused.status_code == 409
    problem = refused.json()
    assert problem["rule"] == "organization-in-use"
    assert problem["type"].endswith("/organization-in-use")
    assert "1 school" in problem["detail"] and "1 person" in problem["detail"]
    assert (await registry.client.get(url)).status_code == 200

    # An erased person and a deleted school no longer hold it.
    erased = await registry.client.delete(f"/api/v1/persons/{person.json()['id']}", headers=headers)
    assert erased.status_code == 204
    still = await registry.client.delete(url, headers=headers)
    assert still.status_code == 409 and "0 person" in still.json()["detail"]
    async with registry.app.state.runtime.db.transaction() as session:
        school = await session.get(School, school_id)
        school.deleted_at = school.created_at
    assert (await registry.client.delete(url, headers=headers)).status_code == 204


async def test_an_organization_named_as_an_office_provider_cannot_be_deleted(registry):
    org = await create(registry)
    async with registry.app.state.runtime.db.transaction() as session:
        region = (await session.scalars(select(Region).where(Region.slug == "boerde"))).one()
        region.office_provider_organization_id = uuid.UUID(org["id"])

    response = await registry.client.delete(
        f"{URL}/{org['id']}", headers=registry.auth("state_coordinator")
    )

    assert response.status_code == 409 and response.json()["rule"] == "organization-in-use"


async def test_a_deleted_organization_is_gone_from_reads_lists_and_writes(registry):
    org = await create(registry)
    kept = await create(registry, name="Jugendamt Landkreis Börde", kind="public_youth_welfare")
    url = f"{URL}/{org['id']}"
    headers = registry.auth("state_coordinator")

    assert (await registry.client.delete(url, headers=headers)).status_code == 204

    assert (await registry.client.get(url)).status_code == 404
    assert (
        await registry.client.patch(url, json={"name": "x"}, headers=headers)
    ).status_code == 404
    assert (await registry.client.delete(url, headers=headers)).status_code == 404
    listed = (await registry.client.get(URL, params={"q": "borde"})).json()["items"]
    assert [o["id"] for o in listed] == [kept["id"]]
    person = await registry.client.post(
        "/api/v1/persons",
        json={
            "name": "Anna Beispiel",
            "function": "provider_contact",
            "organization_id": org["id"],
        },
        headers=headers,
    )
    assert person.status_code == 422
    assert person.json()["errors"][0]["field"] == "organization_id"
    assert await outbox_rows(registry, org["id"]) == ["created", "deleted"]


async def test_moving_an_organization_moves_the_persons_whose_region_derives_from_it(
    registry, nats_url
):
    org = await create(registry)
    headers = registry.auth("state_coordinator")
    person = (
        await registry.client.post(
            "/api/v1/persons",
            json={
                "name": "Anna Beispiel",
                "function": "provider_contact",
                "organization_id": org["id"],
            },
            headers=headers,
        )
    ).json()
    assert person["region"] == "boerde"

    moved = await registry.client.patch(
        f"{URL}/{org['id']}", json={"region": "magdeburg"}, headers=headers
    )

    assert moved.status_code == 200 and moved.json()["region"] == "magdeburg"
    after = (await registry.client.get(f"/api/v1/persons/{person['id']}", headers=headers)).json()
    assert after["region"] == "magdeburg" and after["version"] == 2
    events = [
        event
        for event, _ in await collect_events(
            nats_url,
            stream="REGISTRY",
            subject="sfs.magdeburg.registry.person.updated",
            where=about(f"persons/{person['id']}"),
            count=1,
        )
    ]
    assert events[0].data.region == "magdeburg"
    async with registry.app.state.runtime.db.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(Person).where(Person.region == "boerde")
        )
    assert count == 0
