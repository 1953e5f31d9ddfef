"""Schools through the public HTTP API, on PostgreSQL with a real NATS server."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from registry_support import add_organization
from sqlalchemy import func, select

from registry.models import School
from schulerfolg.events.registry import SchoolCreated, SchoolDeleted, SchoolUpdated
from schulerfolg_dev.testing.events import EventTap

SCHOOL = {
    "school_number": "150830001",
    "name": "Grundschule „Am Börde-Park“ Wanzleben-Börde",
    "school_type": "grundschule",
    "street": "Schulstraße 5",
    "postal_code": "39164",
    "city": "Wanzleben-Börde",
    "region": "boerde",
    "has_school_social_work": True,
    "email": "sekretariat@gs-wanzleben.example",
    "phone": "039209 4711",
    "website": "https://www.gs-wanzleben.example/",
}
HARZ_SCHOOL = SCHOOL | {
    "school_number": "150850001",
    "name": "Gymnasium Martineum Halberstadt",
    "school_type": "gymnasium",
    "postal_code": "38820",
    "city": "Halberstadt",
    "region": "harz",
    "has_school_social_work": False,
}


async def create(registry, body: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    """Create a school as the state coordination; the created school's JSON."""
    response = await registry.client.post(
        "/api/v1/schools",
        json=(body or SCHOOL) | changes,
        headers=registry.auth("state_coordinator"),
    )
    assert response.status_code == 201, response.text
    return response.json()


async def count(registry, table: Any) -> int:
    async with registry.app.state.runtime.db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(table))


async def outbox_rows(registry) -> int:
    return await count(registry, registry.app.state.runtime.tables.outbox)


# --------------------------------------------------------------------------- create and read


async def test_the_state_coordinator_adds_a_school_that_anyone_can_read(registry):
    response = await registry.client.post(
        "/api/v1/schools", json=SCHOOL, headers=registry.auth("state_coordinator")
    )

    assert response.status_code == 201, response.text
    school = response.json()
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"/api/v1/schools/{school['id']}"
    assert {k: school[k] for k in SCHOOL} == SCHOOL
    assert school["social_work_provider_id"] is None
    assert school["version"] == 1 and school["created_at"] and school["updated_at"]
    read = await registry.client.get(f"/api/v1/schools/{school['id']}")
    assert read.status_code == 200
    assert read.headers["etag"] == '"1"'
    assert read.json() == school


async def test_the_network_office_of_the_region_adds_schools_there(registry):
    response = await registry.client.post(
        "/api/v1/schools", json=SCHOOL, headers=registry.auth("network_office", "boerde")
    )
    assert response.status_code == 201, response.text


async def test_a_website_without_scheme_is_read_as_https_and_optional_fields_may_be_left_out(
    registry,
):
    body = {k: SCHOOL[k] for k in ("school_number", "name", "school_type", "region")}
    school = await create(registry, body, website="www.gs-wanzleben.example")

    assert school["website"] == "https://www.gs-wanzleben.example/"
    assert school["street"] is None and school["email"] is None
    assert school["has_school_social_work"] is False


# --------------------------------------------------------------------------- who may write


async def test_writing_without_a_token_is_a_401_problem(registry):
    school = await create(registry)
    path = f"/api/v1/schools/{school['id']}"

    responses = [
        await registry.client.post("/api/v1/schools", json=HARZ_SCHOOL),
        await registry.client.patch(path, json={"name": "Neu"}),
        await registry.client.delete(path),
        await registry.client.post(
            "/api/v1/schools/import", content=b"x", headers={"Content-Type": "text/csv"}
        ),
    ]

    assert [r.status_code for r in responses] == [401, 401, 401, 401]
    assert all(r.headers["content-type"] == "application/problem+json" for r in responses)
    assert all(r.headers["www-authenticate"].startswith("Bearer") for r in responses)


async def test_the_network_office_of_harz_may_not_write_a_boerde_school(registry):
    boerde = await create(registry)
    harz = await create(registry, HARZ_SCHOOL)
    headers = registry.auth("network_office", "harz")

    created = await registry.client.post(
        "/api/v1/schools", json=SCHOOL | {"school_number": "150830002"}, headers=headers
    )
    patched = await registry.client.patch(
        f"/api/v1/schools/{boerde['id']}", json={"name": "Übernommen"}, headers=headers
    )
    deleted = await registry.client.delete(f"/api/v1/schools/{boerde['id']}", headers=headers)
    moved = await registry.client.patch(
        f"/api/v1/schools/{harz['id']}", json={"region": "boerde"}, headers=headers
    )

    assert [r.status_code for r in (created, patched, deleted, moved)] == [403, 403, 403, 403]
    assert all(r.headers["content-type"] == "application/problem+json" for r in (created, moved))
    assert (await registry.client.get(f"/api/v1/schools/{boerde['id']}")).json() == boerde
    assert (await registry.client.get(f"/api/v1/schools/{harz['id']}")).json() == harz
    assert await count(registry, School) == 2


async def test_a_school_moves_between_regions_only_with_rights_in_both(registry):
    harz = await create(registry, HARZ_SCHOOL)
    both = registry.auth("network_office", "harz", "boerde")

    moved = await registry.client.patch(
        f"/api/v1/schools/{harz['id']}", json={"region": "boerde"}, headers=both
    )

    assert moved.status_code == 200, moved.text
    assert moved.json()["region"] == "boerde" and moved.json()["version"] == 2


@pytest.mark.parametrize(
    ("role", "regions"),
    [
        ("steering_member", ("boerde",)),
        ("school", ()),
        ("partner", ()),
        ("admin", ()),
        ("network_office", ()),
    ],
)
async def test_only_the_state_office_and_the_regions_network_office_may_write(
    registry, role, regions
):
    school = await create(registry)
    headers = registry.auth(role, *regions)

    created = await registry.client.post(
        "/api/v1/schools", json=SCHOOL | {"school_number": "150830099"}, headers=headers
    )
    patched = await registry.client.patch(
        f"/api/v1/schools/{school['id']}", json={"name": "Neu"}, headers=headers
    )
    deleted = await registry.client.delete(f"/api/v1/schools/{school['id']}", headers=headers)

    assert [r.status_code for r in (created, patched, deleted)] == [403, 403, 403]
    assert await count(registry, School) == 1


# --------------------------------------------------------------------------- school numbers


async def test_a_taken_school_number_is_a_409_problem_and_free_again_after_deletion(registry):
    first = await create(registry)
    other = await create(registry, HARZ_SCHOOL)
    headers = registry.auth("state_coordinator")

    duplicate = await registry.client.post(
        "/api/v1/schools", json=SCHOOL | {"name": "Zweite Schule"}, headers=headers
    )
    renumbered = await registry.client.patch(
        f"/api/v1/schools/{other['id']}",
        json={"school_number": SCHOOL["school_number"]},
        headers=headers,
    )
    await registry.client.delete(f"/api/v1/schools/{first['id']}", headers=headers)
    again = await registry.client.post("/api/v1/schools", json=SCHOOL, headers=headers)

    for response in (duplicate, renumbered):
        assert response.status_code == 409
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["rule"] == "school-number-taken"
        assert problem["type"].endswith("/school-number-taken")
        assert SCHOOL["school_number"] in problem["detail"]
        assert problem["errors"][0]["field"] == "school_number"
    assert again.status_code == 201
    assert again.json()["id"] != first["id"]


async def test_two_concurrent_creations_of_one_number_give_one_school_and_a_precise_409(registry):
    headers = registry.auth("state_coordinator")

    responses = await asyncio.gather(
        *(
            registry.client.post(
                "/api/v1/schools", json=SCHOOL | {"name": f"Schule {i}"}, headers=headers
            )
            for i in range(4)
        )
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409, 409], [r.text for r in responses]
    assert all(r.json()["rule"] == "school-number-taken" for r in responses if r.status_code == 409)
    assert await count(registry, School) == 1
    assert await outbox_rows(registry) == 1


# --------------------------------------------------------------------------- validation


async def test_invalid_fields_are_named_in_a_422_problem(registry):
    response = await registry.client.post(
        "/api/v1/schools",
        json={
            "school_number": "15 083",
            "name": "",
            "school_type": "hochschule",
            "postal_code": "3916",
            "region": "atlantis",
            "has_school_social_work": "vielleicht",
            "email": "kein-postfach",
            "website": "http://",
            "phone": "ruf mich an",
            "social_work_provider_id": "awo",
            "fax": "039209 4712",
        },
        headers=registry.auth("state_coordinator"),
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    fields = {e["field"] for e in problem["errors"]}
    assert fields == {
        "school_number",
        "name",
        "school_type",
        "postal_code",
        "region",
        "has_school_social_work",
        "email",
        "website",
        "phone",
        "social_work_provider_id",
        "fax",
    }
    region_error = next(e for e in problem["errors"] if e["field"] == "region")
    assert "boerde" in region_error["message"]
    postal_error = next(e for e in problem["errors"] if e["field"] == "postal_code")
    assert "five digits" in postal_error["message"]
    assert await count(registry, School) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "x" * 301}, "name"),
        ({"school_number": "1" * 21}, "school_number"),
        ({"street": "x" * 201}, "street"),
        ({"city": "x" * 201}, "city"),
        ({"email": "a" * 250 + "@b.de"}, "email"),
        ({"website": "https://example.de/" + "a" * 500}, "website"),
        ({"phone": "0" * 51}, "phone"),
        ({"name": 42}, "name"),
        ({"name": ["Schule"]}, "name"),
        ({"has_school_social_work": [True]}, "has_school_social_work"),
        ({"region": "state"}, "region"),
        ({"region": None}, "region"),
        ({"postal_code": "39 16"}, "postal_code"),
        ({"postal_code": "３９１６４"}, "postal_code"),  # full-width digits are not a postal code
        ({"name": "Schule\x00"}, "name"),
        ({"school_type": "Gymnasium"}, "school_type"),
    ],
)
async def test_a_bad_value_is_a_422_naming_the_field_never_a_500(registry, changes, field):
    response = await registry.client.post(
        "/api/v1/schools", json=SCHOOL | changes, headers=registry.auth("state_coordinator")
    )

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_missing_required_fields_and_a_malformed_body_are_422_problems(registry):
    headers = registry.auth("state_coordinator")

    missing = await registry.client.post("/api/v1/schools", json={}, headers=headers)
    malformed = await registry.client.post(
        "/api/v1/schools",
        content=b'{"school_number": ',
        headers=headers | {"Content-Type": "application/json"},
    )
    not_an_object = await registry.client.post("/api/v1/schools", json=[SCHOOL], headers=headers)

    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} == {
        "school_number",
        "name",
        "school_type",
        "region",
    }
    assert malformed.status_code == 422
    assert malformed.headers["content-type"] == "application/problem+json"
    assert not_an_object.status_code == 422


async def test_the_social_work_provider_must_be_an_organisation_of_the_registry(registry):
    provider = await add_organization(registry)
    gone = await add_organization(registry, deleted=True)
    headers = registry.auth("state_coordinator")

    unknown = await registry.client.post(
        "/api/v1/schools",
        json=SCHOOL | {"social_work_provider_id": str(uuid.uuid4())},
        headers=headers,
    )
    deleted = await registry.client.post(
        "/api/v1/schools", json=SCHOOL | {"social_work_provider_id": str(gone)}, headers=headers
    )
    known = await registry.client.post(
        "/api/v1/schools", json=SCHOOL | {"social_work_provider_id": str(provider)}, headers=headers
    )
    patched = await registry.client.patch(
        f"/api/v1/schools/{known.json()['id']}",
        json={"social_work_provider_id": str(gone)},
        headers=headers,
    )

    for response in (unknown, deleted, patched):
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["social_work_provider_id"]
    assert known.status_code == 201
    assert known.json()["social_work_provider_id"] == str(provider)


async def test_a_bad_id_in_the_path_is_a_422_and_an_unknown_one_a_404(registry):
    bad = await registry.client.get("/api/v1/schools/not-a-uuid")
    unknown = await registry.client.get(f"/api/v1/schools/{uuid.uuid4()}")

    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "id"
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"


# --------------------------------------------------------------------------- change and delete


async def test_a_patch_changes_only_the_fields_sent_and_null_clears_optional_ones(registry):
    school = await create(registry)
    headers = registry.auth("network_office", "boerde")

    response = await registry.client.patch(
        f"/api/v1/schools/{school['id']}",
        json={"name": "Grundschule Wanzleben", "email": None, "has_school_social_work": False},
        headers=headers,
    )

    assert response.status_code == 200, response.text
    changed = response.json()
    assert response.headers["etag"] == '"2"'
    assert changed["name"] == "Grundschule Wanzleben"
    assert changed["email"] is None and changed["has_school_social_work"] is False
    assert changed["phone"] == SCHOOL["phone"] and changed["street"] == SCHOOL["street"]
    assert changed["version"] == 2 and changed["updated_at"] > school["updated_at"]


async def test_a_required_field_cannot_be_set_to_null(registry):
    school = await create(registry)

    response = await registry.client.patch(
        f"/api/v1/schools/{school['id']}",
        json={"name": None, "school_type": None},
        headers=registry.auth("state_coordinator"),
    )

    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"name", "school_type"}


async def test_an_unchanged_patch_keeps_the_version_and_emits_no_event(registry):
    school = await create(registry)
    before = await outbox_rows(registry)

    response = await registry.client.patch(
        f"/api/v1/schools/{school['id']}",
        json={
            "name": SCHOOL["name"],
            "city": SCHOOL["city"],
            "website": "www.gs-wanzleben.example",
        },
        headers=registry.auth("state_coordinator"),
    )

    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json() == school
    assert await outbox_rows(registry) == before == 1


async def test_a_stale_if_match_is_412_and_the_current_one_passes(registry):
    school = await create(registry)
    path = f"/api/v1/schools/{school['id']}"
    headers = registry.auth("state_coordinator")

    first = await registry.client.patch(
        path, json={"phone": "039209 1"}, headers=headers | {"If-Match": '"1"'}
    )
    stale_patch = await registry.client.patch(
        path, json={"phone": "039209 2"}, headers=headers | {"If-Match": '"1"'}
    )
    stale_delete = await registry.client.delete(path, headers=headers | {"If-Match": '"1"'})
    current = await registry.client.delete(path, headers=headers | {"If-Match": '"2"'})

    assert first.status_code == 200 and first.headers["etag"] == '"2"'
    for stale in (stale_patch, stale_delete):
        assert stale.status_code == 412
        assert stale.headers["content-type"] == "application/problem+json"
        assert stale.headers["etag"] == '"2"'
    assert current.status_code == 204


async def test_an_idempotency_key_replays_the_first_creation(registry):
    headers = registry.auth("state_coordinator") | {"Idempotency-Key": "schule-anlegen-42"}

    first = await registry.client.post("/api/v1/schools", json=SCHOOL, headers=headers)
    retry = await registry.client.post("/api/v1/schools", json=SCHOOL, headers=headers)
    other_body = await registry.client.post("/api/v1/schools", json=HARZ_SCHOOL, headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.headers["location"] == first.headers["location"]
    assert other_body.status_code == 422
    assert other_body.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await count(registry, School) == 1
    assert await outbox_rows(registry) == 1


async def test_a_deleted_school_is_gone_from_the_api_but_kept_as_a_row(registry):
    school = await create(registry)
    path = f"/api/v1/schools/{school['id']}"
    headers = registry.auth("network_office", "boerde")

    deleted = await registry.client.delete(path, headers=headers)

    assert deleted.status_code == 204 and deleted.content == b""
    assert (await registry.client.get(path)).status_code == 404
    assert (
        await registry.client.patch(path, json={"name": "X"}, headers=headers)
    ).status_code == 404
    assert (await registry.client.delete(path, headers=headers)).status_code == 404
    assert (await registry.client.get("/api/v1/schools")).json()["items"] == []
    async with registry.app.state.runtime.db.sessions() as session:
        row = await session.get(School, uuid.UUID(school["id"]))
    assert row is not None and row.deleted_at is not None and row.version == 2


# --------------------------------------------------------------------------- lists


async def _some_schools(registry) -> list[dict[str, Any]]:
    bodies = [
        SCHOOL,
        HARZ_SCHOOL,
        SCHOOL
        | {
            "school_number": "150830002",
            "name": "Sekundarschule „Thomas Müntzer“",
            "school_type": "sekundarschule",
            "city": "Oschersleben (Bode)",
            "has_school_social_work": False,
        },
        SCHOOL
        | {
            "school_number": "150030001",
            "name": "Gymnasium Albert Schweitzer",
            "school_type": "gymnasium",
            "city": "Magdeburg",
            "postal_code": "39108",
            "region": "magdeburg",
        },
        SCHOOL
        | {
            "school_number": "150830003",
            "name": "Förderschule 100% Börde",
            "school_type": "foerderschule",
            "city": "Haldensleben",
        },
    ]
    return [await create(registry, body) for body in bodies]


async def test_schools_filter_by_region_type_and_school_social_work(registry):
    await _some_schools(registry)

    async def names(**params: Any) -> list[str]:
        response = await registry.client.get("/api/v1/schools", params=params)
        assert response.status_code == 200, response.text
        return [s["name"] for s in response.json()["items"]]

    assert await names(region="boerde") == [
        "Förderschule 100% Börde",
        "Grundschule „Am Börde-Park“ Wanzleben-Börde",
        "Sekundarschule „Thomas Müntzer“",
    ]
    assert await names(school_type="gymnasium") == [
        "Gymnasium Albert Schweitzer",
        "Gymnasium Martineum Halberstadt",
    ]
    assert await names(region="boerde", has_school_social_work="false") == [
        "Sekundarschule „Thomas Müntzer“"
    ]
    assert await names(has_school_social_work="true", school_type="gymnasium") == [
        "Gymnasium Albert Schweitzer"
    ]


async def test_q_finds_schools_by_name_or_city_whatever_the_umlauts(registry):
    await _some_schools(registry)

    async def names(q: str) -> set[str]:
        response = await registry.client.get("/api/v1/schools", params={"q": q})
        assert response.status_code == 200, response.text
        return {s["name"] for s in response.json()["items"]}

    boerde_names = {"Grundschule „Am Börde-Park“ Wanzleben-Börde", "Förderschule 100% Börde"}
    assert await names("Borde") == boerde_names
    assert await names("boerde") == boerde_names
    assert await names("BÖRDE") == boerde_names
    assert await names("muntzer") == {"Sekundarschule „Thomas Müntzer“"}
    assert await names("halberstadt") == {"Gymnasium Martineum Halberstadt"}  # the city
    assert await names("oschersleben") == {"Sekundarschule „Thomas Müntzer“"}
    assert await names("100%") == {"Förderschule 100% Börde"}
    assert await names("%") == {"Förderschule 100% Börde"}  # a literal percent sign
    assert await names("_") == set()


async def test_a_bad_filter_is_a_422_naming_the_parameter(registry):
    region = await registry.client.get("/api/v1/schools", params={"region": "atlantis"})
    school_type = await registry.client.get("/api/v1/schools", params={"school_type": "uni"})
    flag = await registry.client.get("/api/v1/schools", params={"has_school_social_work": "oft"})

    for response, field in (
        (region, "region"),
        (school_type, "school_type"),
        (flag, "has_school_social_work"),
    ):
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize("q", [None, "grundschule"])
async def test_schools_page_through_by_name_with_a_cursor(registry, q):
    """Pages by cursor, with and without a search (a search reads the page's ids first)."""
    headers = registry.auth("state_coordinator")
    for i in range(12):
        # Three schools share each name: the id breaks the tie.
        body = SCHOOL | {"school_number": f"1508300{i:02d}", "name": f"Grundschule {i // 3}"}
        assert (
            await registry.client.post("/api/v1/schools", json=body, headers=headers)
        ).status_code == 201

    seen: list[tuple[str, str]] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 5} | ({"cursor": cursor} if cursor else {}) | ({"q": q} if q else {})
        body = (await registry.client.get("/api/v1/schools", params=params)).json()
        seen += [(s["name"], s["id"]) for s in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    assert len(seen) == len(set(seen)) == 12
    assert [name for name, _ in seen] == sorted(name for name, _ in seen)
    everything = (await registry.client.get("/api/v1/schools", params={"limit": 500})).json()
    assert [(s["name"], s["id"]) for s in everything["items"]] == seen
    bad = await registry.client.get("/api/v1/schools", params={"cursor": "bm90LW91cnM", "q": "g"})
    assert bad.status_code == 400


# --------------------------------------------------------------------------- events


async def test_creating_changing_and_deleting_a_school_emit_events_to_nats(registry, nats_url):
    async with EventTap(nats_url, stream="REGISTRY", subject="sfs.*.registry.school.>") as tap:
        school = await create(registry)
        headers = registry.auth("state_coordinator")
        path = f"/api/v1/schools/{school['id']}"
        await registry.client.patch(path, json={"name": "Grundschule Wanzleben"}, headers=headers)
        await registry.client.patch(path, json={"name": "Grundschule Wanzleben"}, headers=headers)
        await registry.client.delete(path, headers=headers)

        events = await tap.wait_for(lambda e: str(e.data.id) == school["id"], count=3)

    (created, created_msg), (updated, _), (deleted, _) = events
    assert isinstance(created.data, SchoolCreated)
    assert isinstance(updated.data, SchoolUpdated)
    assert isinstance(deleted.data, SchoolDeleted)
    assert [e.type for e, _ in events] == [
        "de.schulerfolg.registry.school.created.v1",
        "de.schulerfolg.registry.school.updated.v1",
        "de.schulerfolg.registry.school.deleted.v1",
    ]
    assert all(e.subject == f"schools/{school['id']}" and e.region == "boerde" for e, _ in events)
    assert created_msg.subject == "sfs.boerde.registry.school.created"
    assert created_msg.headers["Nats-Msg-Id"] == str(created.id)
    assert created.data.school_number == SCHOOL["school_number"]
    assert created.data.school_type == "grundschule"
    assert created.data.has_school_social_work is True
    assert created.data.postal_code == "39164" and created.data.city == "Wanzleben-Börde"
    assert updated.data.name == "Grundschule Wanzleben"
    assert deleted.data.school_number == SCHOOL["school_number"]
    assert len(tap.seen) == 3  # the unchanged second PATCH emitted nothing


async def test_a_moved_school_is_announced_in_its_new_region(registry, nats_url):
    school = await create(registry, HARZ_SCHOOL)
    async with EventTap(
        nats_url, stream="REGISTRY", subject="sfs.boerde.registry.school.updated"
    ) as tap:
        response = await registry.client.patch(
            f"/api/v1/schools/{school['id']}",
            json={"region": "boerde"},
            headers=registry.auth("state_coordinator"),
        )
        assert response.status_code == 200
        [(event, _)] = await tap.wait_for(lambda e: str(e.data.id) == school["id"])

    assert event.region == "boerde" and event.data.region == "boerde"
