"""The status machine of the contract, for each role: every allowed move works, every other one
is a 409 problem naming the rule, and roles that may not act at all get 403."""

from __future__ import annotations

from typing import Any

import pytest
from offers_support import World

STATUSES = (
    "draft",
    "submitted",
    "returned",
    "approved",
    "rejected",
    "reported",
    "completed",
    "withdrawn",
)

# action → (statuses it is allowed from, the status it leads to (None: unchanged), who may do it)
APPLICANT = ("school", "partner", "network_office")
OFFICE = ("network_office", "state_coordinator")
MOVES: dict[str, tuple[set[str], str | None, tuple[str, ...]]] = {
    "edit": ({"draft", "returned"}, None, APPLICANT),
    "consultation": ({"draft", "returned"}, None, ("network_office",)),
    "submit": ({"draft", "returned"}, "submitted", APPLICANT),
    "withdraw": ({"draft", "submitted", "returned"}, "withdrawn", APPLICANT),
    "approve": ({"submitted"}, "approved", OFFICE),
    "reject": ({"submitted"}, "rejected", OFFICE),
    "return": ({"submitted"}, "returned", OFFICE),
    "report": ({"approved"}, "reported", APPLICANT),
    "close": ({"reported"}, "completed", OFFICE),
}
REPORT = {
    "actual_participants": {"pupils": 40, "teachers": 3},
    "actual_cost_cents": 95_000,
    "summary": "Gut gelaufen.",
}


def headers_for(world: World, role: str) -> dict[str, str]:
    return {
        "school": world.school(),
        "partner": world.partner(),
        "network_office": world.office(),
        "state_coordinator": world.state(),
        "steering_member": world.steering(),
    }[role]


async def request(world: World, app: dict[str, Any], action: str, role: str) -> Any:
    """Send ``action`` on ``app`` as ``role``; the raw response."""
    headers = headers_for(world, role)
    url = f"/api/v1/applications/{app['id']}"
    if action == "edit":
        return await world.client.patch(url, json={"goals": "Neue Ziele"}, headers=headers)
    if action == "consultation":
        return await world.client.post(
            f"{url}/consultation", json={"date": "2026-11-20"}, headers=headers
        )
    if action in ("approve", "reject", "return"):
        outcome = {"approve": "approved", "reject": "rejected", "return": "returned"}[action]
        return await world.client.post(
            f"{url}/decision", json={"outcome": outcome, "reason": "Beschluss"}, headers=headers
        )
    if action == "accept":  # the proof of use (closing needs it accepted); the status stays
        return await world.client.post(
            f"{url}/proof-of-use/accept", json={"accepted_cents": 90_000}, headers=headers
        )
    body = REPORT if action == "report" else None
    return await world.client.post(f"{url}/{action}", json=body, headers=headers)


async def in_status(world: World, fund: dict[str, Any], status: str) -> dict[str, Any]:
    """A new application brought to ``status`` through the API."""
    app = await world.draft(fund)
    path = {
        "draft": [],
        "submitted": ["submit"],
        "returned": ["submit", "return"],
        "approved": ["submit", "approve"],
        "rejected": ["submit", "reject"],
        "reported": ["submit", "approve", "report", "accept"],
        "completed": ["submit", "approve", "report", "accept", "close"],
        "withdrawn": ["withdraw"],
    }[status]
    for action in path:
        response = await request(world, app, action, "network_office")
        assert response.status_code == 200, response.text
        app = response.json()
        if action == "accept":  # answered the proof of use: read the application again
            url = f"/api/v1/applications/{app['application_id']}"
            app = (await world.client.get(url, headers=world.office())).json()
    assert app["status"] == status
    return app


@pytest.fixture
async def fund(world: World) -> dict[str, Any]:
    return await world.fund(
        requires_consultation=False, budget_cents=100_000_000, max_per_school_per_year_cents=None
    )


@pytest.mark.parametrize("status", STATUSES)
async def test_every_move_from(status: str, world: World, fund: dict[str, Any]):
    """From ``status``: allowed moves succeed for every role allowed to make them; the others
    are 409 naming the rule (and change nothing); roles without the right get 403."""
    stay = await in_status(world, fund, status)
    for action, (allowed_from, to_status, roles) in MOVES.items():
        for role in roles:
            if status in allowed_from:
                app = await in_status(world, fund, status)
                response = await request(world, app, action, role)
                assert response.status_code == 200, (action, role, response.text)
                assert response.json()["status"] == (to_status or status), (action, role)
            else:
                response = await request(world, stay, action, role)
                assert response.status_code == 409, (action, role, response.text)
                problem = response.json()
                assert problem["rule"] and problem["type"].endswith(problem["rule"])
                assert status in problem["detail"]
        response = await request(world, stay, action, "steering_member")
        assert response.status_code in (403, 404), (action, response.text)
    after = await world.client.get(f"/api/v1/applications/{stay['id']}", headers=world.office())
    assert after.json()["version"] == stay["version"]  # refused moves changed nothing


async def test_the_applicant_side_may_not_decide_or_close(world: World, fund: dict[str, Any]):
    submitted = await in_status(world, fund, "submitted")
    reported = await in_status(world, fund, "reported")
    for role in ("school", "partner"):
        for app, action in ((submitted, "approve"), (submitted, "reject"), (reported, "close")):
            response = await request(world, app, action, role)
            assert response.status_code == 403, (role, action, response.text)
        draft = await in_status(world, fund, "draft")
        response = await request(world, draft, "consultation", role)
        assert response.status_code == 403
