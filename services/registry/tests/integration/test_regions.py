"""Regions and their offices through the public HTTP API, on a real database and NATS."""

from __future__ import annotations

import pytest
from contract_facts import CONTRACT_REGIONS

from schulerfolg.events.registry import RegionUpdated
from schulerfolg_dev.testing.events import collect_events

OFFICE = {
    "name": "Netzwerkstelle Schulerfolg sichern im Landkreis Börde",
    "provider_name": "AWO Kreisverband Börde e.V.",
    "provider_kind": "free",
    "address": {"street": "Gerikestraße 3", "postal_code": "39340", "city": "Haldensleben"},
    "phone": "03904 123456",
    "email": "netzwerkstelle@awo-boerde.example",
    "website": "https://www.awo-boerde.example/netzwerkstelle",
}


async def test_the_14_regions_are_loaded_with_their_official_district_keys(db_kind, registry_on):
    registry = await registry_on(db_kind)
    response = await registry.client.get("/api/v1/regions", params={"limit": 500})

    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    assert {r["slug"]: r["district_key"] for r in body["items"]} == CONTRACT_REGIONS
    kinds = {r["slug"]: r["kind"] for r in body["items"]}
    assert {s for s, k in kinds.items() if k == "city"} == {"magdeburg", "halle", "dessau-rosslau"}
    boerde = next(r for r in body["items"] if r["slug"] == "boerde")
    assert boerde["name"] == "Börde"
    assert boerde["office"]["provider_name"] == "Arbeiterwohlfahrt (AWO) Kreisverband Börde e.V."
    assert boerde["office"]["address"]["city"] == "Haldensleben"
    assert sum(r["population"] for r in body["items"]) == 2_194_782


async def test_regions_page_through_with_a_cursor(registry):
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 5} | ({"cursor": cursor} if cursor else {})
        body = (await registry.client.get("/api/v1/regions", params=params)).json()
        seen += [r["slug"] for r in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == sorted(CONTRACT_REGIONS)


async def test_a_bad_cursor_or_limit_is_a_problem_naming_the_parameter(registry):
    bad_cursor = await registry.client.get("/api/v1/regions", params={"cursor": "not-a-cursor"})
    too_many = await registry.client.get("/api/v1/regions", params={"limit": 501})

    assert bad_cursor.status_code == 400
    assert bad_cursor.headers["content-type"] == "application/problem+json"
    assert bad_cursor.json()["errors"][0]["field"] == "cursor"
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "limit"


async def test_regions_filter_by_kind(registry):
    body = (await registry.client.get("/api/v1/regions", params={"kind": "city"})).json()
    assert sorted(r["slug"] for r in body["items"]) == ["dessau-rosslau", "halle", "magdeburg"]


async def test_one_region_carries_its_version_as_etag(registry):
    response = await registry.client.get("/api/v1/regions/halle")

    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json()["district_key"] == "15002"


async def test_an_unknown_region_is_a_404_problem(registry):
    response = await registry.client.get("/api/v1/regions/atlantis")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 404 and "atlantis" in problem["detail"]


async def test_the_office_of_a_region_is_changed_by_its_network_office(registry):
    headers = registry.auth("network_office", "boerde")
    response = await registry.client.put(
        "/api/v1/regions/boerde/office", json=OFFICE, headers=headers
    )

    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    office = (await registry.client.get("/api/v1/regions/boerde")).json()["office"]
    assert office["name"] == OFFICE["name"]
    assert office["address"] == OFFICE["address"]
    assert office["email"] == OFFICE["email"]
    assert office["website"] == OFFICE["website"]


async def test_a_stale_if_match_is_412_and_the_current_one_passes(registry):
    headers = registry.auth("state_coordinator")
    first = await registry.client.put(
        "/api/v1/regions/harz/office", json=OFFICE, headers=headers | {"If-Match": '"1"'}
    )
    stale = await registry.client.put(
        "/api/v1/regions/harz/office",
        json=OFFICE | {"phone": "03941 5970"},
        headers=headers | {"If-Match": '"1"'},
    )
    current = await registry.client.put(
        "/api/v1/regions/harz/office",
        json=OFFICE | {"phone": "03941 5970"},
        headers=headers | {"If-Match": '"2"'},
    )

    assert first.status_code == 200
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.headers["etag"] == '"2"'
    assert current.status_code == 200 and current.headers["etag"] == '"3"'
    assert (await registry.client.get("/api/v1/regions/harz")).json()["office"][
        "phone"
    ] == "03941 5970"


async def test_putting_the_same_office_twice_changes_nothing_the_second_time(registry):
    headers = registry.auth("network_office", "stendal")
    first = await registry.client.put(
        "/api/v1/regions/stendal/office", json=OFFICE, headers=headers
    )
    second = await registry.client.put(
        "/api/v1/regions/stendal/office", json=OFFICE, headers=headers
    )

    assert first.headers["etag"] == second.headers["etag"] == '"2"'
    table = registry.app.state.runtime.tables.outbox
    async with registry.app.state.runtime.db.sessions() as session:
        from sqlalchemy import func, select

        count = await session.scalar(select(func.count()).select_from(table))
    assert count == 1


@pytest.mark.parametrize(
    ("role", "regions"),
    [
        ("network_office", ("harz",)),
        ("steering_member", ("boerde",)),
        ("school", ()),
        ("partner", ()),
        ("admin", ()),
    ],
)
async def test_only_the_state_office_and_the_own_network_office_may_change_an_office(
    registry, role, regions
):
    response = await registry.client.put(
        "/api/v1/regions/boerde/office", json=OFFICE, headers=registry.auth(role, *regions)
    )

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert (await registry.client.get("/api/v1/regions/boerde")).json()["version"] == 1


async def test_invalid_office_fields_are_named_in_a_422_problem(registry):
    response = await registry.client.put(
        "/api/v1/regions/boerde/office",
        json={
            "name": "",
            "email": "not-an-address",
            "address": {"postal_code": "3934"},
            "website": "nowhere",
            "fax": "0391 1",
        },
        headers=registry.auth("network_office", "boerde"),
    )

    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"name", "email", "address.postal_code", "website", "fax"}


async def test_a_malformed_json_body_is_a_422_problem_not_a_500(registry):
    response = await registry.client.put(
        "/api/v1/regions/boerde/office",
        content=b"{name: ",
        headers=registry.auth("network_office", "boerde") | {"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_an_office_change_emits_region_updated_to_nats(registry, nats_url):
    response = await registry.client.put(
        "/api/v1/regions/wittenberg/office",
        json=OFFICE,
        headers=registry.auth("state_coordinator"),
    )
    assert response.status_code == 200
    received = await collect_events(
        nats_url,
        stream="REGISTRY",
        subject="sfs.wittenberg.registry.region.updated",
        where=lambda e: e.data.office.phone == OFFICE["phone"],
    )
    assert received, "no registry.region.updated event arrived"
    event, msg = received[-1]
    assert isinstance(event.data, RegionUpdated)
    assert event.type == "de.schulerfolg.registry.region.updated.v1"
    assert event.source == "/registry"
    assert event.subject == "regions/wittenberg"
    assert event.region == "wittenberg"
    assert event.data.district_key == "15091"
    assert event.data.office.address.city == "Haldensleben"
    assert msg.headers["Nats-Msg-Id"] == str(event.id)


async def test_control_characters_in_a_body_or_query_are_a_4xx_problem(registry):
    headers = registry.auth("state_coordinator")
    body = await registry.client.put(
        "/api/v1/regions/boerde/office",
        json={"name": "NWST", "address": {"city": "\x00V"}},
        headers=headers,
    )
    query = await registry.client.get("/api/v1/regions", params={"kind": "\x00"})

    assert body.status_code == 422
    assert body.json()["errors"][0]["field"] == "address.city"
    assert query.status_code == 400
    assert query.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("values", [[1], [True], [[1]], [{"a": 1}], [None, 1], []])
async def test_a_crafted_cursor_is_a_400_problem_not_a_500(registry, values):
    import base64  # noqa: E401
    import json

    from schulerfolg.http.pagination import encode_cursor

    cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
    response = await registry.client.get("/api/v1/regions", params={"cursor": cursor})

    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert encode_cursor(["boerde"])  # the real encoder still round-trips
