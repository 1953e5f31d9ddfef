"""Funded projects as anyone may see them (the regions' public pages): approved, reported and
completed applications of a region, without contact, budget lines or reasons."""

from __future__ import annotations

from offers_support import World


async def test_anyone_sees_the_funded_projects_and_nothing_personal(world: World):
    fund = await world.fund(requires_consultation=False)
    approved = await world.act(
        await world.submitted(fund),
        "decision",
        world.office(),
        {"outcome": "approved", "approved_cents": 80_000, "conditions": "Honorarnachweise"},
    )
    rejected = await world.act(
        await world.submitted(fund),
        "decision",
        world.office(),
        {"outcome": "rejected", "reason": "Kein Schulbezug"},
    )
    submitted = await world.submitted(fund)
    draft = await world.draft(fund)

    response = await world.client.get("/api/v1/projects", params={"region": "boerde"})
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [item["id"] for item in items] == [approved["id"]]
    project = items[0]
    assert project["status"] == "approved" and project["approved_cents"] == 80_000
    assert project["title"] == approved["title"]
    for private in ("contact", "budget_lines", "conditions", "decision_reason", "consultation"):
        assert private not in project
    assert approved["contact"]["email"] not in response.text

    other_region = await world.client.get("/api/v1/projects", params={"region": "harz"})
    assert other_region.json()["items"] == []
    unknown = await world.client.get("/api/v1/projects", params={"region": "atlantis"})
    assert unknown.status_code == 422
    assert {rejected["id"], submitted["id"], draft["id"]}.isdisjoint({item["id"] for item in items})
