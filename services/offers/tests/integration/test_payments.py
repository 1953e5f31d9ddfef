"""Payment requests (Mittelabrufe): the fund's advance rule, the office's steps, the payout list
as CSV, events and audit entries; 50 concurrent requests and approvals never exceed the limits
(on PostgreSQL and SQLite), also once the proof of use was accepted for less."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from offers_support import World, make_world
from sqlalchemy import select

from offers.models import PaymentRequest, audit_log
from schulerfolg_dev.testing.events import collect_events

LINES = [{"category": "fees", "description": "Honorar", "amount_cents": 100_000}]


async def approved_app(world: World, advance_percent: int = 50) -> dict[str, Any]:
    fund = await world.fund(
        requires_consultation=False, payment_rule={"advance_percent": advance_percent}
    )
    assert fund["payment_rule"] == {"advance_percent": advance_percent}
    app = await world.submitted(fund, budget_lines=LINES)
    return await world.act(app, "decision", world.office(), {"outcome": "approved"})


def base(app: dict[str, Any]) -> str:
    return f"/api/v1/applications/{app['id']}/payment-requests"


async def request(world: World, app: dict[str, Any], cents: int, headers: Any = None) -> Any:
    return await world.client.post(
        base(app),
        json={"amount_cents": cents, "reason": "Honorar der Trainerin"},
        headers=headers or world.school(),
    )


async def step(world: World, app: dict[str, Any], pid: str, action: str, body: Any = None) -> Any:
    return await world.client.post(f"{base(app)}/{pid}/{action}", json=body, headers=world.office())


async def test_a_payment_runs_from_request_to_paid_within_the_advance(world: World):
    fund = await world.fund(requires_consultation=False)
    assert fund["payment_rule"] == {"advance_percent": 0}  # default: nothing in advance
    draft = await world.submitted(fund, budget_lines=LINES)
    response = await request(world, draft, 100)
    assert response.status_code == 409 and response.json()["rule"] == "application-not-funded"

    app = await approved_app(world, 50)  # approved 100,000: 50,000 in advance
    assert (await request(world, app, 0)).status_code == 422
    assert (await request(world, app, -5)).status_code == 422
    assert (await request(world, app, 10**12)).status_code == 422
    too_much = await request(world, app, 50_001)
    assert too_much.status_code == 409 and too_much.json()["rule"] == "payment-limit-exceeded"
    assert too_much.json()["errors"][0]["field"] == "amount_cents"

    first = await request(world, app, 30_000)
    assert first.status_code == 201, first.text
    pid = first.json()["id"]
    assert first.json()["status"] == "requested"
    # the school may not approve; the Harz office does not see it
    denied = await world.client.post(f"{base(app)}/{pid}/approve", headers=world.school())
    assert denied.status_code == 403
    hidden = await world.client.post(f"{base(app)}/{pid}/approve", headers=world.office("harz"))
    assert hidden.status_code == 404

    approved = await step(world, app, pid, "approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = await step(world, app, pid, "approve")
    assert again.status_code == 409 and again.json()["rule"] == "payment-status"
    paid = await step(world, app, pid, "paid", {"paid_on": "2027-03-10", "reference": "KA-2027-17"})
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid" and paid.json()["reference"] == "KA-2027-17"

    second = await request(world, app, 20_000)
    rejected = await step(world, app, second.json()["id"], "reject", {"reason": "Belege fehlen"})
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "Belege fehlen"

    listed = (await world.client.get(base(app), headers=world.school())).json()
    assert [p["status"] for p in listed["items"]] == ["paid", "rejected"]
    assert listed["sums"]["limit_cents"] == 50_000
    assert listed["sums"]["paid_cents"] == 30_000
    assert listed["sums"]["available_cents"] == 20_000  # the rejected one frees its amount

    # the payment events name the application's contact (notifications tells them)
    [(event, _)] = await collect_events(
        world.nats_url,
        stream="OFFERS",
        subject="sfs.*.offers.payment.paid",
        where=lambda e: e.data.id == uuid.UUID(pid),
    )
    assert (event.data.contact.name, event.data.contact.email) == (
        "Anna Müller",
        "anna.mueller@schule.example",
    )

    stats = (await world.client.get("/api/v1/statistics", headers=world.office())).json()
    assert {r["region"]: r["paid_cents"] for r in stats["by_region"]}["boerde"] == 30_000
    assert [f["paid_cents"] for f in stats["by_fund"] if f["fund_id"] == app["fund_id"]] == [30_000]

    async with world.service.runtime.db.transaction(readonly=True) as session:
        actions = (
            await session.scalars(
                select(audit_log.c.action).where(
                    audit_log.c.resource == f"applications/{app['id']}",
                    audit_log.c.action.like("payment.%"),
                )
            )
        ).all()
    assert sorted(actions) == [
        "payment.approved",
        "payment.paid",
        "payment.rejected",
        "payment.requested",
        "payment.requested",
    ]


async def test_the_payout_list_is_a_german_csv_for_the_treasury(world: World):
    app = await approved_app(world, 100)
    one = await request(world, app, 123_456 // 2)  # 617,28 EUR
    await step(world, app, one.json()["id"], "approve")
    await request(world, app, 1_000)  # still requested: not on the approved list

    response = await world.client.get(
        "/api/v1/payments",
        params={"status": "approved"},
        headers={**world.office(), "Accept": "text/csv"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").strip().split("\r\n")
    assert lines[0].split(";")[6] == "Betrag (EUR)"
    assert len(lines) == 2
    cells = lines[1].split(";")
    assert cells[6] == "617,28" and cells[5] == "bewilligt"

    listed = await world.client.get("/api/v1/payments", headers=world.state())
    assert [p["status"] for p in listed.json()["items"]] == ["approved", "requested"]
    assert listed.json()["items"][0]["fund_name"]
    harz = await world.client.get("/api/v1/payments", headers=world.office("harz"))
    assert harz.json()["items"] == []
    other = await world.client.get(
        "/api/v1/payments", params={"region": "boerde"}, headers=world.office("harz")
    )
    assert other.status_code == 403
    assert (await world.client.get("/api/v1/payments", headers=world.school())).status_code == 403


async def _fifty_concurrent(world: World) -> None:
    app = await approved_app(world, 50)  # limit 50,000; approved 100,000
    first = await request(world, app, 1_000)
    first_id = first.json()["id"]

    async def one(i: int) -> Any:
        if i % 2:
            return await request(world, app, 3_000)
        async with world.service.runtime.db.transaction(readonly=True) as session:
            pending = (
                await session.scalars(
                    select(PaymentRequest.id).where(PaymentRequest.status == "requested")
                )
            ).all()
        target = str(pending[i % len(pending)]) if pending else first_id
        return await step(world, app, target, "approve")

    responses = await asyncio.gather(*(one(i) for i in range(50)))
    assert {r.status_code for r in responses} <= {200, 201, 409}
    created = [r for r in responses if r.status_code == 201]
    assert len(created) == 16  # 1,000 + 16 × 3,000 = 49,000 ≤ 50,000 < 52,000
    listed = (await world.client.get(base(app), headers=world.office())).json()
    committed = sum(p["amount_cents"] for p in listed["items"] if p["status"] != "rejected")
    granted = sum(p["amount_cents"] for p in listed["items"] if p["status"] in ("approved", "paid"))
    assert committed == 49_000
    assert granted <= 50_000
    assert listed["sums"]["available_cents"] == 1_000


async def test_50_concurrent_requests_and_approvals_on_postgresql(world: World):
    await _fifty_concurrent(world)


async def test_50_concurrent_requests_and_approvals_on_sqlite(offers_on, nats_url):
    service = await offers_on("sqlite")
    await _fifty_concurrent(await make_world(service, nats_url))


async def test_50_concurrent_approvals_stop_at_the_accepted_amount_on_postgresql(world: World):
    """After the proof of use was accepted for less than was called in, concurrent approvals of
    the pending requests and new requests never bring what is approved and paid above the
    accepted amount."""
    app = await approved_app(world, 100)  # approved 100,000, all of it in advance
    pending = [(await request(world, app, 4_000)).json()["id"] for _ in range(20)]  # 80,000
    await world.act(
        app,
        "report",
        world.school(),
        {"actual_participants": {"pupils": 20}, "actual_cost_cents": 30_000, "summary": "Gut."},
    )
    accepted = await world.client.post(
        f"/api/v1/applications/{app['id']}/proof-of-use/accept",
        json={"accepted_cents": 30_000},
        headers=world.office(),
    )
    assert accepted.status_code == 200, accepted.text

    async def one(i: int) -> Any:
        if i % 2:
            return await request(world, app, 1_000)
        return await step(world, app, pending[(i // 2) % len(pending)], "approve")

    responses = await asyncio.gather(*(one(i) for i in range(50)))
    assert {r.status_code for r in responses} <= {200, 409}
    assert [r.status_code for r in responses[1::2]] == [409] * 25  # 80,000 called in > 30,000
    listed = (await world.client.get(base(app), headers=world.office())).json()
    granted = sum(p["amount_cents"] for p in listed["items"] if p["status"] in ("approved", "paid"))
    assert granted == 28_000  # seven approvals of 4,000; the eighth would exceed 30,000
    assert len(listed["items"]) == 20
