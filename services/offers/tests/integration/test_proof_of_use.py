"""The proof of use (Verwendungsnachweis) through the offers API on PostgreSQL with a real NATS
server: saving, the comparison with the approved lines, submitting, returning, resubmitting,
accepting less than was paid (a reclaim), closing only after acceptance, and the plain report
filling the same record."""

from __future__ import annotations

from typing import Any

from offers_support import World

from schulerfolg_dev.testing.events import about, collect_events

RECEIPTS = [
    {
        "date": "2027-03-01",
        "payee": "Trainerin Kraus",
        "purpose": "Honorar drei Tage",
        "budget_category": "fees",
        "amount_cents": 75_000,
    },
    {
        "date": "2027-03-02",
        "payee": "Sportladen",
        "purpose": "Seile",
        "budget_category": "materials",
        "amount_cents": 9_000,
    },
]
PROOF = {
    "narrative": "Die Klassen sind zusammengewachsen.",
    "actual_participants": {"pupils": 45, "teachers": 4},
    "participant_breakdown": {
        "sex": {"female": 24, "male": 22, "diverse": 1, "not_stated": 2},
        "age_group": {"under_18": 45, "30_54": 4},
    },
    "receipts": RECEIPTS,
}


def path(app: dict[str, Any], tail: str = "") -> str:
    return f"/api/v1/applications/{app['id']}/proof-of-use{tail}"


async def approved(world: World, fund: dict[str, Any], cents: int = 80_000) -> dict[str, Any]:
    app = await world.submitted(fund)
    return await world.act(
        app, "decision", world.office(), {"outcome": "approved", "approved_cents": cents}
    )


async def pay(world: World, app: dict[str, Any], cents: int) -> None:
    """Call in, approve and pay ``cents`` through the payments API."""
    base = f"/api/v1/applications/{app['id']}/payment-requests"
    created = await world.client.post(
        base, json={"amount_cents": cents, "reason": "Abschlag"}, headers=world.school()
    )
    assert created.status_code == 201, created.text
    request = f"{base}/{created.json()['id']}"
    approved = await world.client.post(f"{request}/approve", headers=world.office())
    assert approved.status_code == 200, approved.text
    paid = await world.client.post(
        f"{request}/paid",
        json={"paid_on": "2027-02-15", "reference": "KA-2027-17"},
        headers=world.office(),
    )
    assert paid.status_code == 200, paid.text


async def test_submit_return_resubmit_accept_less_than_paid_reclaims(world: World):
    fund = await world.fund(
        requires_consultation=False,
        proof_of_use_weeks=10,
        payment_rule={"advance_percent": 100},
    )
    assert fund["proof_of_use_weeks"] == 10
    app = await approved(world, fund)  # 80,000 of the requested 100,000 (fees 90,000, mat. 10,000)
    await pay(world, app, 80_000)

    blank = await world.client.get(path(app), headers=world.school())
    assert blank.status_code == 200, blank.text
    assert blank.json()["status"] == "draft" and blank.json()["version"] == 0
    assert blank.json()["due_on"] == "2027-05-12"  # end date 2027-03-03 + 10 weeks
    assert blank.json()["editable"] is True

    saved = await world.client.put(path(app), json=PROOF, headers=world.school())
    assert saved.status_code == 200, saved.text
    proof = saved.json()
    # the approved 80 % spread over the lines: fees 72,000, materials 8,000
    assert [
        (line["budget_category"], line["approved_cents"], line["spent_cents"], line["assessment"])
        for line in proof["lines"]
    ] == [("fees", 72_000, 75_000, "over"), ("materials", 8_000, 9_000, "over")]
    assert [line["difference_cents"] for line in proof["lines"]] == [-3_000, -1_000]
    assert proof["totals"] == {
        "approved_cents": 80_000,
        "spent_cents": 84_000,
        "difference_cents": -4_000,
        "assessment": "over",
    }
    assert proof["paid_cents"] == 80_000
    assert saved.headers["etag"]

    submitted = await world.client.post(path(app, "/submit"), headers=world.school())
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted" and submitted.json()["editable"] is False
    application = (
        await world.client.get(f"/api/v1/applications/{app['id']}", headers=world.school())
    ).json()
    assert application["status"] == "reported"
    assert application["report"]["actual_participants"] == {"pupils": 45, "teachers": 4}
    assert application["report"]["actual_cost_cents"] == 84_000

    refused = await world.client.put(path(app), json=PROOF, headers=world.school())
    assert (
        refused.status_code == 409 and refused.json()["rule"] == "proof-of-use-only-when-approved"
    )
    by_school = await world.client.post(
        path(app, "/accept"), json={"accepted_cents": 1}, headers=world.school()
    )
    assert by_school.status_code == 403

    returned = await world.client.post(
        path(app, "/return"), json={"reasons": "Beleg für die Seile fehlt."}, headers=world.office()
    )
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"] == "returned"
    assert returned.json()["return_reasons"] == "Beleg für die Seile fehlt."
    application = (
        await world.client.get(f"/api/v1/applications/{app['id']}", headers=world.school())
    ).json()
    assert application["status"] == "approved"

    corrected = {**PROOF, "receipts": [RECEIPTS[0], {**RECEIPTS[1], "amount_cents": 5_000}]}
    saved = await world.client.put(path(app), json=corrected, headers=world.partner())
    assert saved.status_code == 200, saved.text
    assert saved.json()["totals"]["spent_cents"] == 80_000
    assert saved.json()["lines"][1]["assessment"] == "under"
    resubmitted = await world.client.post(path(app, "/submit"), headers=world.partner())
    assert resubmitted.status_code == 200, resubmitted.text

    too_much = await world.client.post(
        path(app, "/accept"), json={"accepted_cents": 80_001}, headers=world.office()
    )
    assert too_much.status_code == 422 and too_much.json()["rule"] == "accepted-exceeds-approved"
    accepted = await world.client.post(
        path(app, "/accept"), json={"accepted_cents": 70_000}, headers=world.office()
    )
    assert accepted.status_code == 200, accepted.text
    result = accepted.json()
    assert (result["status"], result["accepted_cents"], result["paid_cents"]) == (
        "accepted",
        70_000,
        80_000,
    )
    assert (result["final_payment_cents"], result["reclaim_cents"]) == (0, 10_000)

    closed = await world.act(app, "close", world.office(), {"reason": "Abgerechnet"})
    assert closed["status"] == "completed"

    events = await collect_events(
        world.nats_url,
        stream="OFFERS",
        subject="sfs.*.offers.>",
        count=5,
        where=lambda e: (
            about(f"applications/{app['id']}")(e)
            and (".proof_of_use." in e.type or e.type.endswith("reclaim_due.v1"))
        ),
    )
    names = [event.type.removeprefix("de.schulerfolg.") for event, _ in events]
    assert [n.rsplit(".", 1)[0] for n in names] == [
        "offers.proof_of_use.submitted",
        "offers.proof_of_use.returned",
        "offers.proof_of_use.submitted",
        "offers.proof_of_use.accepted",
        "offers.application.reclaim_due",
    ], names
    reclaim = events[-1][0].data
    assert (reclaim.reclaim_cents, reclaim.accepted_cents, reclaim.paid_cents) == (
        10_000,
        70_000,
        80_000,
    )
    assert events[1][0].data.reasons == "Beleg für die Seile fehlt."
    assert events[0][0].data.due_on.isoformat() == "2027-05-12"

    audit = await world.client.get(
        "/api/v1/audit", params={"resource": f"applications/{app['id']}"}, headers=world.state()
    )
    actions = [entry["action"] for entry in audit.json()["items"]]
    for action in (
        "proof_of_use.saved",
        "proof_of_use.submitted",
        "proof_of_use.returned",
        "proof_of_use.accepted",
        "application.reclaim_due",
    ):
        assert action in actions, action


async def test_receipts_outside_the_period_or_the_lines_are_refused(world: World):
    fund = await world.fund(requires_consultation=False)
    app = await approved(world, fund)
    wrong = {
        **PROOF,
        "receipts": [
            {**RECEIPTS[0], "date": "2027-02-27"},
            {**RECEIPTS[1], "budget_category": "travel"},
        ],
    }
    response = await world.client.put(path(app), json=wrong, headers=world.school())
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["rule"] == "receipt-outside-project-period"
    assert "2027-03-01–2027-03-03" in problem["detail"]
    assert {e["field"] for e in problem["errors"]} == {
        "receipts.0.date",
        "receipts.1.budget_category",
    }
    negative = {**PROOF, "receipts": [{**RECEIPTS[0], "amount_cents": -5}]}
    response = await world.client.put(path(app), json=negative, headers=world.school())
    assert response.status_code == 422
    parents = {**PROOF, "actual_participants": {"pupils": 3, "parents": 2}}
    response = await world.client.put(path(app), json=parents, headers=world.school())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "actual_participants.parents"
    nothing = await world.client.get(path(app), headers=world.school())
    assert nothing.json()["version"] == 0  # refused saves stored nothing


async def test_closing_needs_an_accepted_proof_of_use(world: World):
    fund = await world.fund(requires_consultation=False)
    app = await approved(world, fund)
    incomplete = await world.client.post(path(app, "/submit"), headers=world.school())
    assert incomplete.status_code == 422
    assert {e["field"] for e in incomplete.json()["errors"]} == {
        "narrative",
        "actual_participants.pupils",
        "actual_participants.teachers",
    }
    # the plain report fills the same record
    await world.act(
        app,
        "report",
        world.school(),
        {
            "actual_participants": {"pupils": 40, "teachers": 3},
            "actual_cost_cents": 60_000,
            "summary": "Gut gelaufen.",
        },
    )
    proof = (await world.client.get(path(app), headers=world.office())).json()
    assert (proof["status"], proof["narrative"]) == ("submitted", "Gut gelaufen.")
    assert proof["totals"]["spent_cents"] == 60_000
    # … and announces it like a submitted proof of use (notifications drops its reminders on it)
    [(submitted, _)] = await collect_events(
        world.nats_url,
        stream="OFFERS",
        subject="sfs.*.offers.proof_of_use.submitted",
        where=about(f"applications/{app['id']}"),
    )
    assert (submitted.data.spent_cents, submitted.data.contact.email) == (
        60_000,
        "anna.mueller@schule.example",
    )
    refused = await world.act(app, "close", world.office(), expect=409)
    assert refused["rule"] == "proof-of-use-not-accepted"
    accepted = await world.client.post(
        path(app, "/accept"), json={"accepted_cents": 60_000}, headers=world.office()
    )
    assert accepted.status_code == 200, accepted.text
    # nothing was paid: the whole accepted amount is the final payment
    assert (accepted.json()["final_payment_cents"], accepted.json()["reclaim_cents"]) == (60_000, 0)
    assert (await world.act(app, "close", world.office()))["status"] == "completed"
    on_draft = await world.client.get(path(await world.draft(fund)), headers=world.school())
    assert on_draft.status_code == 409
