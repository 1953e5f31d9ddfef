"""The statistics summary (issue 18) kept by the changes themselves: applications built and moved
through the offers API on PostgreSQL (with a real NATS server), and the statistics read from the
summary compared with the same statistics read from the base tables and with a plain count."""

from __future__ import annotations

import uuid
from typing import Any

from offers_support import World, school_event

from offers.models import SchoolView
from offers.statistics import summary
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import publish_events

REACHED = "schools_reached"
REPORT = {
    "actual_participants": {"pupils": 40, "teachers": 3},
    "actual_cost_cents": 95_000,
    "summary": "Gut gelaufen.",
}
PROOF = {
    "narrative": "Die Klassen sind zusammengewachsen.",
    "actual_participants": {"pupils": 45, "teachers": 4},
    "receipts": [
        {
            "date": "2027-03-01",
            "payee": "Trainerin Kraus",
            "purpose": "Honorar drei Tage",
            "budget_category": "fees",
            "amount_cents": 84_000,
        }
    ],
}
PATHS = {
    "draft": [],
    "submitted": ["submit"],
    "returned": ["submit", "return"],
    "approved": ["submit", "approve"],
    "rejected": ["submit", "reject"],
    "reported": ["submit", "approve", "report"],
    "completed": ["submit", "approve", "report", "accept", "close"],
    "withdrawn": ["withdraw"],
}


async def in_status(world: World, fund: dict[str, Any], status: str, **fields: Any) -> str:
    """A new application brought to ``status`` through the API; its id."""
    app = await world.draft(fund, **fields)
    url = f"/api/v1/applications/{app['id']}"
    for action in PATHS[status]:
        if action in ("approve", "reject", "return"):
            outcome = {"approve": "approved", "reject": "rejected", "return": "returned"}[action]
            body: Any = {"outcome": outcome, "reason": "Beschluss"}
            response = await world.client.post(f"{url}/decision", json=body, headers=world.office())
        elif action == "accept":
            response = await world.client.post(
                f"{url}/proof-of-use/accept",
                json={"accepted_cents": 90_000},
                headers=world.office(),
            )
        else:
            body = REPORT if action == "report" else None
            response = await world.client.post(f"{url}/{action}", json=body, headers=world.office())
        assert response.status_code == 200, (action, response.text)
    return str(app["id"])


async def pay(world: World, app_id: str, cents: int) -> None:
    """Call in, approve and pay ``cents`` through the payments API."""
    base = f"/api/v1/applications/{app_id}/payment-requests"
    created = await world.client.post(
        base, json={"amount_cents": cents, "reason": "Abschlag"}, headers=world.school()
    )
    assert created.status_code == 201, created.text
    request = f"{base}/{created.json()['id']}"
    for step, body in (("approve", None), ("paid", {"paid_on": "2027-02-15", "reference": "K-1"})):
        response = await world.client.post(f"{request}/{step}", json=body, headers=world.office())
        assert response.status_code == 200, response.text


PLAIN_COUNT = """
SELECT region, fund_id, status, count(*) AS applications,
       sum(requested_cents) AS requested_cents, sum(coalesce(approved_cents, 0)) AS approved_cents,
       sum(planned_pupils) AS planned, sum(coalesce(actual_pupils, 0)) AS actual
  FROM applications GROUP BY region, fund_id, status
"""
SUMMARY_COUNT = """
SELECT region, fund_id, status, sum(applications), sum(requested_cents), sum(approved_cents),
       sum(planned_pupils), sum(actual_pupils)
  FROM statistics_summary WHERE dimension = 'all'
 GROUP BY region, fund_id, status HAVING sum(applications) > 0
"""


async def test_the_summary_kept_by_the_changes_equals_a_plain_count(world, monkeypatch):
    """Applications built through the API and moved through every status the statistics count
    (edited drafts, submissions, returns, withdrawals, rejections, approvals with payments,
    reports, completions with a reclaim) and a school changing its type: the statistics read
    from the summary equal those from the base tables (the plain GROUP BY queries), for the
    state, an office, a year, a fund; and the summary's rows equal a plain count."""
    fund = await world.fund(
        requires_consultation=False,
        budget_cents=100_000_000,
        max_per_school_per_year_cents=None,
        proof_of_use_weeks=10,
        payment_rule={"advance_percent": 100},
    )
    harz = await world.fund("harz", requires_consultation=False, budget_cents=100_000_000)
    for status in PATHS:
        await in_status(world, fund, status)
    await in_status(world, fund, "submitted", school_ids=world.schools["boerde"][:2])
    edited = await world.draft(fund, school_ids=world.schools["boerde"][:2])
    response = await world.client.patch(
        f"/api/v1/applications/{edited['id']}",
        json={
            "start_date": "2028-01-10",
            "end_date": "2028-01-12",
            "target_groups": ["parents"],
            "planned_participants": {"parents": 9},
            "topics": ["media-literacy", "mediation"],
        },
        headers=world.school(),
    )
    assert response.status_code == 200, response.text
    withdrawn = await world.submitted(fund)
    await world.act(withdrawn, "withdraw", world.school())
    await world.submitted(harz, "harz")
    # paid, reported with a proof of use accepted for less (a reclaim), completed
    app = await in_status(world, fund, "approved")
    await pay(world, app, 80_000)
    proof = f"/api/v1/applications/{app}/proof-of-use"
    saved = await world.client.put(proof, json=PROOF, headers=world.school())
    assert saved.status_code == 200, saved.text
    assert (await world.client.post(f"{proof}/submit", headers=world.school())).status_code == 200
    accepted = await world.client.post(
        f"{proof}/accept", json={"accepted_cents": 70_000}, headers=world.office()
    )
    assert accepted.status_code == 200 and accepted.json()["reclaim_cents"] == 10_000, accepted.text
    closed = await world.client.post(
        f"/api/v1/applications/{app}/close", json={"reason": "Ende"}, headers=world.office()
    )
    assert closed.status_code == 200, closed.text
    # the registry says the first school is a Gymnasium now: its applications move type
    changed = world.schools["boerde"][0]
    await publish_events(
        world.nats_url,
        [school_event("boerde", school_type="gymnasium", version=2, school_id=changed)],
    )

    async def moved() -> bool:
        async with world.service.runtime.db.transaction(readonly=True) as session:
            view = await session.get(SchoolView, uuid.UUID(changed))
            return view is not None and view.school_type == "gymnasium"

    await eventually(moved, timeout=20)

    async def both(headers: dict[str, str], **params: Any) -> tuple[Any, Any]:
        url = "/api/v1/statistics"
        read = await world.client.get(url, params=params, headers=headers)
        with monkeypatch.context() as patch:
            patch.setattr(summary, "selection_for", lambda **_: None)
            plain = await world.client.get(url, params=params, headers=headers)
        assert read.status_code == plain.status_code == 200, (read.text, plain.text)
        return read.json(), plain.json()

    for headers, params in (
        (world.state(), {}),
        (world.office(), {}),
        (world.state(), {"year": 2027}),
        (world.state(), {"fund_id": fund["id"], "from": "2027-01-01"}),
        (world.office("harz"), {"region": "harz"}),
    ):
        read, plain = await both(headers, **params)
        for name in read:
            assert read[name] == plain[name], (name, params, _diff(read[name], plain[name]))
    stats, _ = await both(world.state())
    totals = stats["totals"]
    assert totals["applications"] == 13 and totals["reclaimed_cents"] == 10_000
    assert {r["school_type"]: r["applications"] for r in stats["by_school_type"]}["gymnasium"] > 0
    assert stats["totals"][REACHED]["total"] == 1

    async with world.service.runtime.db.engine.connect() as connection:
        plain_rows = (await connection.exec_driver_sql(PLAIN_COUNT)).all()
        summary_rows = (await connection.exec_driver_sql(SUMMARY_COUNT)).all()
    assert sorted(map(tuple, plain_rows), key=str) == sorted(map(tuple, summary_rows), key=str)


def _diff(read: Any, plain: Any) -> Any:
    """The rows of two lists of figures that differ (for the assertion message)."""
    if isinstance(read, list) and isinstance(plain, list):
        return [(a, b) for a, b in zip(read, plain, strict=False) if a != b]
    return read, plain
