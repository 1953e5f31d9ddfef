"""Budgets never overrun: concurrent approvals against one fund on PostgreSQL, and the cap per
school and calendar year across applications."""

from __future__ import annotations

import asyncio
from typing import Any

from offers_support import World, feed_directory, make_world, school_event


async def _decide(world: World, app: dict[str, Any], **body: Any) -> Any:
    return await world.client.post(
        f"/api/v1/applications/{app['id']}/decision",
        json={"outcome": "approved", **body},
        headers=world.office(),
    )


async def test_50_concurrent_approvals_never_exceed_the_budget(offers, nats_url):
    world = await make_world(offers, nats_url, schools_per_region=50)
    fund = await world.fund(
        requires_consultation=False, budget_cents=1_000_000, max_per_school_per_year_cents=None
    )
    apps = []
    for i in range(50):
        body = world.draft_body(
            fund,
            school_ids=[world.schools["boerde"][i]],
            budget_lines=[{"category": "fees", "description": "Honorar", "amount_cents": 45_000}],
        )
        response = await world.client.post(
            "/api/v1/applications", json=body, headers=world.office()
        )
        assert response.status_code == 201, response.text
        apps.append(await world.act(response.json(), "submit", world.office()))

    responses = await asyncio.gather(*(_decide(world, app) for app in apps))

    codes = sorted(r.status_code for r in responses)
    approved = [r for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code == 409]
    assert len(approved) == 22  # 22 × 45,000 = 990,000 ≤ 1,000,000 < 23 × 45,000
    assert len(refused) == 28, codes
    assert {r.json()["rule"] for r in refused} == {"fund-budget-exceeded"}
    fund_now = (
        await world.client.get(f"/api/v1/funds/{fund['id']}", headers=world.office())
    ).json()
    assert fund_now["approved_cents"] == 990_000
    assert fund_now["available_cents"] == 10_000
    listed = await world.client.get(
        "/api/v1/applications",
        params={"fund_id": fund["id"], "status": "approved", "limit": 500},
        headers=world.office(),
    )
    assert sum(a["approved_cents"] for a in listed.json()["items"]) == 990_000


async def test_the_cap_per_school_and_year_holds_across_applications(world: World):
    fund = await world.fund(requires_consultation=False, max_per_school_per_year_cents=200_000)
    lines = [{"category": "fees", "description": "Honorar", "amount_cents": 90_000}]
    first = await world.submitted(fund, budget_lines=lines)
    second = await world.submitted(fund, budget_lines=lines)
    third = await world.submitted(fund, budget_lines=lines)
    assert (await _decide(world, first)).status_code == 200
    assert (await _decide(world, second)).status_code == 200
    response = await _decide(world, third)
    assert response.status_code == 409
    assert response.json()["rule"] == "max-per-school-per-year"
    response = await _decide(world, third, approved_cents=20_000)  # what is left fits
    assert response.status_code == 200, response.text

    # a new draft asking for more than is left for the school in that year is refused on submit
    fourth = await world.draft(
        fund, budget_lines=[{"category": "fees", "description": "x", "amount_cents": 1}]
    )
    response = await world.client.post(
        f"/api/v1/applications/{fourth['id']}/submit", headers=world.school()
    )
    assert response.status_code == 422 and response.json()["rule"] == "max-per-school-per-year"

    # another calendar year starts afresh
    next_year = await world.fund(
        requires_consultation=False,
        period_start="2028-01-01",
        period_end="2028-12-31",
        max_per_school_per_year_cents=200_000,
    )
    app = await world.submitted(
        next_year, start_date="2028-02-01", end_date="2028-02-02", budget_lines=lines
    )
    assert (await _decide(world, app)).status_code == 200


async def test_concurrent_approvals_for_one_school_respect_its_cap(world: World):
    fund = await world.fund(requires_consultation=False, max_per_school_per_year_cents=200_000)
    lines = [{"category": "fees", "description": "Honorar", "amount_cents": 50_000}]
    apps = [await world.submitted(fund, budget_lines=lines) for _ in range(10)]
    responses = await asyncio.gather(*(_decide(world, app) for app in apps))
    assert sorted(r.status_code for r in responses) == [200] * 4 + [409] * 6
    assert {r.json()["rule"] for r in responses if r.status_code == 409} == {
        "max-per-school-per-year"
    }


async def test_a_cross_school_application_is_split_between_its_schools(world: World):
    fund = await world.fund(requires_consultation=False, max_per_school_per_year_cents=200_000)
    schools = world.schools["boerde"][:2]
    lines = [{"category": "fees", "description": "Honorar", "amount_cents": 300_000}]
    both = await world.submitted(fund, school_ids=schools, budget_lines=lines)
    more = [{"category": "fees", "description": "Honorar", "amount_cents": 60_000}]
    app = await world.submitted(fund, budget_lines=more)  # submitted while the cap had room
    assert (await _decide(world, both)).status_code == 200  # 150,000 per school
    response = await _decide(world, app)
    assert response.status_code == 409 and response.json()["rule"] == "max-per-school-per-year"
    response = await _decide(world, app, approved_cents=50_000)
    assert response.status_code == 200


async def test_a_later_school_event_does_not_roll_back(world: World):
    """Read-model updates apply only when newer (events may overtake each other)."""
    school_id = world.schools["boerde"][2]
    newer = school_event("harz", school_id=school_id, version=5)
    older = school_event("boerde", school_id=school_id, version=3)
    await feed_directory(world.service, world.nats_url, [newer])
    await feed_directory(world.service, world.nats_url, [older])
    fund = await world.fund("harz", requires_consultation=False)
    body = world.draft_body(fund, "harz", school_ids=[school_id], partner_organization_ids=[])
    response = await world.client.post(
        "/api/v1/applications", json=body, headers=world.office("harz")
    )
    assert response.status_code == 201, response.text  # still in Harz, as version 5 said
