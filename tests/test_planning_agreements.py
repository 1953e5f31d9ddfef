"""A target agreement whose event-counted goals follow the other services' events exactly
(issue 19): schools announced by the registry (with and without school social work),
applications approved and completed through offers' API, planning stopped while more are
approved and completed and a school loses its school social work, planning started again — its
progress equals a plain count of offers' and the registry's own answers."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from e2e.flow import Flow, Network, ok, set_up_network, until
from suite_support import Suite, module_nats  # noqa: F401
from suite_support import module_suite as suite  # noqa: F401

GOALS = [
    {
        "key": "abschluesse",
        "title": "Abgeschlossene Projekte",
        "indicator": "projects_completed",
        "target": 5,
    },
    {"key": "schulen", "title": "Erreichte Schulen", "indicator": "schools_reached", "target": 6},
    {
        "key": "ohne-ssa",
        "title": "Schulen ohne Schulsozialarbeit",
        "indicator": "schools_without_social_work_reached",
        "target": 4,
    },
]


async def add_school(registry: httpx.AsyncClient, net: Network, *, social_work: bool) -> None:
    """One more school of the network, with or without school social work."""
    index = len(net.schools)
    net.schools.append(
        ok(
            await registry.post(
                "/schools",
                json={
                    "school_number": f"{uuid.uuid4().int % 10**8:08d}",
                    "name": f"Grundschule Irxleben {index}",
                    "school_type": "grundschule",
                    "region": net.region,
                    "has_school_social_work": social_work,
                },
                headers=net.office,
            ),
            201,
        )
    )


async def approve(offers: httpx.AsyncClient, flow: Flow) -> None:
    """Submitted, then approved by the office."""
    await flow.draft_and_submit(offers)
    flow.app = ok(
        await offers.post(
            f"/applications/{flow.app['id']}/decision",
            json={"outcome": "approved", "approved_cents": 140_000},
            headers=flow.net.office,
        )
    )
    assert flow.app["status"] == "approved"


async def complete(offers: httpx.AsyncClient, flow: Flow) -> None:
    """Reported, proof of use accepted, closed."""
    app_url = f"/applications/{flow.app['id']}"
    ok(
        await offers.post(
            f"{app_url}/report",
            json={
                "actual_participants": {"pupils": 50, "parents": 35},
                "actual_cost_cents": 138_000,
                "summary": "Die Aufführung war ein Erfolg.",
            },
            headers=flow.net.school_auth(flow.school),
        )
    )
    ok(
        await offers.post(
            f"{app_url}/proof-of-use/accept",
            json={"accepted_cents": 138_000},
            headers=flow.net.office,
        )
    )
    flow.app = ok(await offers.post(f"{app_url}/close", headers=flow.net.office))
    assert flow.app["status"] == "completed"


async def plain_count(running: Suite, net: Network) -> dict[str, int]:
    """Counted from offers' funded projects and the registry's schools, nothing else."""
    projects: list[dict[str, Any]] = []
    async with running.client("offers") as offers:
        cursor: str | None = None
        while True:
            params = {
                "region": net.region,
                "limit": "500",
                **({"cursor": cursor} if cursor else {}),
            }
            page = ok(await offers.get("/projects", params=params))
            projects += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                break
    schools = {school for p in projects for school in p["school_ids"]}
    async with running.client("registry") as registry:
        without = [
            school
            for school in schools
            if not ok(await registry.get(f"/schools/{school}", headers=net.office))[
                "has_school_social_work"
            ]
        ]
    return {
        "abschluesse": sum(1 for p in projects if p["status"] == "completed"),
        "schulen": len(schools),
        "ohne-ssa": len(without),
    }


async def planning_shows(
    running: Suite, net: Network, agreement_id: str, want: dict[str, int]
) -> bool:
    """Whether planning's progress shows ``want`` as the goals' actual figures."""
    async with running.client("planning") as planning:
        progress = ok(
            await planning.get(f"/agreements/{agreement_id}/progress", headers=net.office)
        )
    return {goal["key"]: goal["actual"] for goal in progress["goals"]} == want


async def test_agreement_progress_follows_events_across_a_planning_restart(
    suite: Suite,  # noqa: F811
) -> None:
    net = await set_up_network(suite, schools=2)  # schools 0 and 1: no school social work
    async with suite.client("registry") as registry:
        for _ in range(2):  # schools 2 and 3: with school social work
            await add_school(registry, net, social_work=True)
    async with suite.client("planning") as planning:
        agreement = ok(
            await planning.post(
                "/agreements",
                json={
                    "region": net.region,
                    "title": "Zielvereinbarung Börde 2026/27",
                    # the applications run in May 2027; completions are dated today
                    "period_start": "2026-08-01",
                    "period_end": "2027-07-31",
                    "parties": [
                        {"kind": "office", "name": "Netzwerkstelle Börde"},
                        {
                            "kind": "district",
                            "name": "Landkreis Börde",
                            "organization_id": net.youth_office["id"],
                        },
                        {
                            "kind": "provider",
                            "name": net.provider["name"],
                            "organization_id": net.provider["id"],
                        },
                    ],
                    "goals": GOALS,
                },
                headers=net.office,
            ),
            201,
        )
    flows = [Flow(net, school=i) for i in range(4)]

    async with suite.client("offers") as offers:
        # before: schools 0 (without) and 2 (with) funded, the project at school 0 completed
        await approve(offers, flows[0])
        await approve(offers, flows[2])
        await complete(offers, flows[0])
        first = await plain_count(suite, net)
        assert first == {"abschluesse": 1, "schulen": 2, "ohne-ssa": 1}
        await until(lambda: planning_shows(suite, net, agreement["id"], first), timeout=90)

        # planning stopped: more approvals and completions, a school loses its social work
        suite.services["planning"].stop()
        await approve(offers, flows[1])
        await approve(offers, flows[3])
        await complete(offers, flows[2])
        await complete(offers, flows[1])
        async with suite.client("registry") as registry:
            changed = await registry.patch(
                f"/schools/{net.schools[3]['id']}",
                json={"has_school_social_work": False},
                headers=net.office,
            )
            assert changed.status_code == 200, changed.text
        # a rejected application is no funded project
        rejected = Flow(net, school=0)
        await rejected.draft_and_submit(offers)
        ok(
            await offers.post(
                f"/applications/{rejected.app['id']}/decision",
                json={"outcome": "rejected", "reason": "Keine Mittel mehr"},
                headers=net.office,
            )
        )

    after = await plain_count(suite, net)
    assert after == {"abschluesse": 3, "schulen": 4, "ohne-ssa": 3}
    suite.services["planning"].start()
    await until(lambda: planning_shows(suite, net, agreement["id"], after), timeout=120)
