"""An application's whole life through the offers API on PostgreSQL with a real NATS server:
drafting, advice, submission rules, decisions, report, close, history, events and access."""

from __future__ import annotations

import uuid

from offers_support import World

from schulerfolg.events.offers import GrantNoticeIssued
from schulerfolg_dev.testing.events import about, collect_events


async def test_the_whole_life_of_an_application(world: World):
    fund = await world.fund()
    assert fund["max_per_school_per_year_cents"] == 200_000  # the programme's rule by default
    assert fund["requires_partner"] is True and fund["requires_consultation"] is True
    assert (fund["approved_cents"], fund["available_cents"]) == (0, 5_000_000)

    app = await world.draft(fund)
    assert app["status"] == "draft" and app["requested_cents"] == 100_000
    assert app["region"] == "boerde"
    assert app["planned_participants"] == {"pupils": 48, "teachers": 4}

    app = await world.act(
        app, "consultation", world.office(), {"date": "2026-11-20", "notes": "Ziele geschärft"}
    )
    assert app["consultation"]["date"] == "2026-11-20"
    app = await world.act(app, "submit", world.school())
    assert app["status"] == "submitted" and app["submitted_at"]

    app = await world.act(
        app,
        "decision",
        world.office(),
        {"outcome": "approved", "approved_cents": 80_000, "conditions": "Nachweis der Honorare"},
    )
    assert (app["status"], app["approved_cents"], app["conditions"]) == (
        "approved",
        80_000,
        "Nachweis der Honorare",
    )
    fund_now = (
        await world.client.get(f"/api/v1/funds/{fund['id']}", headers=world.office())
    ).json()
    assert (fund_now["approved_cents"], fund_now["available_cents"]) == (80_000, 4_920_000)

    app = await world.act(
        app,
        "report",
        world.partner(),
        {
            "actual_participants": {"pupils": 45, "teachers": 4},
            "actual_cost_cents": 79_500,
            "summary": "Die Klassen sind zusammengewachsen.",
        },
    )
    assert app["status"] == "reported"
    assert app["report"]["actual_participants"] == {"pupils": 45, "teachers": 4}
    await world.act(app, "proof-of-use/accept", world.office(), {"accepted_cents": 79_500})
    app = await world.act(app, "close", world.office(), {"reason": "Nachweise vollständig"})
    assert app["status"] == "completed"

    history = (
        await world.client.get(f"/api/v1/applications/{app['id']}/history", headers=world.school())
    ).json()["items"]
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        (None, "draft"),
        ("draft", "submitted"),
        ("submitted", "approved"),
        ("approved", "reported"),
        ("reported", "completed"),
    ]
    assert history[-1]["reason"] == "Nachweise vollständig"
    assert history[-1]["actor_name"] == "Netzwerkstelle"
    assert all(h["actor"] and h["at"] for h in history)

    events = await collect_events(
        world.nats_url,
        stream="OFFERS",
        subject="sfs.*.offers.application.>",
        count=4,
        where=lambda e: (
            about(f"applications/{app['id']}")(e) and not isinstance(e.data, GrantNoticeIssued)
        ),  # its document comes on its own
    )
    types = [event.type.split(".")[-2] for event, _ in events]
    assert types == ["submitted", "approved", "reported", "completed"]
    submitted = events[0][0]
    assert submitted.region == "boerde"
    assert str(submitted.data.fund_id) == fund["id"]
    assert str(submitted.data.deciding_committee_id) == world.committee_id
    assert [str(i) for i in submitted.data.school_ids] == [world.schools["boerde"][0]]
    assert submitted.data.title == "Erlebnispädagogik für die Klassen 5"
    assert submitted.data.requested_cents == 100_000
    assert submitted.data.contact.email == "anna.mueller@schule.example"
    approved = events[1][0]
    assert approved.data.approved_cents == 80_000
    assert approved.data.report_due.isoformat() == "2027-03-31"  # end date + 4 weeks
    assert [e.data.version for e, _ in events] == sorted(e.data.version for e, _ in events)


async def test_return_and_resubmission(world: World):
    fund = await world.fund(requires_consultation=False)
    app = await world.submitted(fund)
    app = await world.act(
        app,
        "decision",
        world.office(),
        {"outcome": "returned", "reason": "Bitte Kosten aufschlüsseln"},
    )
    assert app["status"] == "returned" and app["decision_reason"] == "Bitte Kosten aufschlüsseln"
    response = await world.client.patch(
        f"/api/v1/applications/{app['id']}",
        json={
            "budget_lines": [{"category": "fees", "description": "Honorar", "amount_cents": 60_000}]
        },
        headers=world.school(),
    )
    assert response.status_code == 200, response.text
    assert response.json()["requested_cents"] == 60_000
    app = await world.act(app, "submit", world.school())
    assert app["status"] == "submitted"
    events = await collect_events(
        world.nats_url,
        stream="OFFERS",
        subject="sfs.*.offers.application.submitted",
        count=2,
        where=lambda e: (
            about(f"applications/{app['id']}")(e) and not isinstance(e.data, GrantNoticeIssued)
        ),  # its document comes on its own
    )
    assert [e.data.resubmission for e, _ in events] == [False, True]
    assert events[1][0].data.requested_cents == 60_000


async def test_rejection_and_withdrawal_tell_why(world: World):
    fund = await world.fund(requires_consultation=False)
    app = await world.submitted(fund)
    response = await world.client.post(
        f"/api/v1/applications/{app['id']}/decision",
        json={"outcome": "rejected"},
        headers=world.office(),
    )
    assert response.status_code == 422 and response.json()["rule"] == "reason-required"
    app = await world.act(
        app, "decision", world.office(), {"outcome": "rejected", "reason": "Kein Schulbezug"}
    )
    assert app["status"] == "rejected"

    other = await world.submitted(fund)
    other = await world.act(other, "withdraw", world.school(), {"reason": "Projekt verschoben"})
    assert other["status"] == "withdrawn"
    history = (
        await world.client.get(
            f"/api/v1/applications/{other['id']}/history", headers=world.office()
        )
    ).json()["items"]
    assert history[-1]["reason"] == "Projekt verschoben"


async def test_submission_says_which_rule_failed(world: World):
    fund = await world.fund(max_per_application_cents=50_000)
    app = await world.draft(fund, summary=None, topics=[])
    response = await world.client.post(
        f"/api/v1/applications/{app['id']}/submit", headers=world.school()
    )
    assert response.status_code == 409
    assert response.json()["rule"] == "consultation-required"

    await world.act(app, "consultation", world.office(), {"date": "2026-11-20"})
    response = await world.client.post(
        f"/api/v1/applications/{app['id']}/submit", headers=world.school()
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["rule"] == "incomplete"
    assert problem["type"].endswith("/incomplete")
    failed = {(e["field"], e["type"]) for e in problem["errors"]}
    assert {("summary", "incomplete"), ("topics", "incomplete")} <= failed
    assert ("budget_lines", "max-per-application") in failed

    response = await world.client.patch(
        f"/api/v1/applications/{app['id']}",
        json={
            "summary": "Zusammenfassung",
            "topics": ["mediation"],
            "end_date": "2028-01-05",
            "partner_organization_ids": [],
            "budget_lines": [
                {"category": "fees", "description": "Honorar", "amount_cents": 40_000}
            ],
        },
        headers=world.school(),
    )
    assert response.status_code == 200, response.text
    response = await world.client.post(
        f"/api/v1/applications/{app['id']}/submit", headers=world.school()
    )
    assert response.status_code == 422
    failed = {(e["field"], e["type"]) for e in response.json()["errors"]}
    assert failed == {
        ("end_date", "outside-fund-period"),
        ("partner_organization_ids", "partner-required"),
    }


async def test_drafts_are_checked_against_the_registry(world: World):
    fund = await world.fund()
    body = world.draft_body(fund)
    body["school_ids"] = [world.schools["boerde"][0], str(uuid.uuid4())]
    response = await world.client.post("/api/v1/applications", json=body, headers=world.school())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "school_ids.1"

    body = world.draft_body(fund, school_ids=[world.schools["harz"][0]])
    response = await world.client.post(
        "/api/v1/applications", json=body, headers=world.school("harz")
    )
    assert response.status_code == 422
    assert response.json()["rule"] == "school-outside-fund-region"

    body = world.draft_body(fund, partner_organization_ids=[str(uuid.uuid4())])
    response = await world.client.post("/api/v1/applications", json=body, headers=world.school())
    assert response.status_code == 422
    assert response.json()["rule"] == "unknown-organization"

    body = world.draft_body(fund, topics=["astrology"])
    response = await world.client.post("/api/v1/applications", json=body, headers=world.school())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("topics")


async def test_a_state_wide_fund_takes_the_schools_region(world: World):
    fund = await world.fund(region=None, requires_consultation=False)
    assert fund["region"] is None
    app = await world.draft(fund, "harz")
    assert app["region"] == "harz"
    app = await world.act(app, "submit", world.school("harz"))
    response = await world.client.post(
        f"/api/v1/applications/{app['id']}/decision",
        json={"outcome": "approved"},
        headers=world.office("harz"),
    )
    assert response.status_code == 403  # a state-wide fund is decided by the state level
    app = await world.act(app, "decision", world.state(), {"outcome": "approved"})
    assert app["approved_cents"] == app["requested_cents"]


async def test_who_sees_which_applications(world: World):
    fund = await world.fund(requires_consultation=False)
    harz_fund = await world.fund("harz", requires_consultation=False)
    own = await world.submitted(fund)
    draft = await world.draft(fund)
    other_school = await world.draft(
        fund,
        headers=world.office(),
        school_ids=[world.schools["boerde"][1]],
        partner_organization_ids=[],
    )
    harz = await world.draft(harz_fund, "harz")

    async def visible(headers: dict[str, str]) -> set[str]:
        response = await world.client.get("/api/v1/applications", headers=headers)
        assert response.status_code == 200, response.text
        return {a["id"] for a in response.json()["items"]}

    assert await visible(world.school()) == {own["id"], draft["id"]}
    assert await visible(world.partner()) == {own["id"], draft["id"]}
    assert await visible(world.office()) == {own["id"], draft["id"], other_school["id"]}
    assert await visible(world.steering()) == {own["id"]}  # submitted, decided by a committee
    assert await visible(world.state()) >= {own["id"], draft["id"], other_school["id"], harz["id"]}
    assert await visible(world.office("harz")) == {harz["id"]}
    assert await visible(world.service.auth("admin")) == set()

    for headers in (world.office("harz"), world.school("harz"), world.partner("harz")):
        response = await world.client.get(f"/api/v1/applications/{own['id']}", headers=headers)
        assert response.status_code == 404
    response = await world.client.get(f"/api/v1/applications/{own['id']}")
    assert response.status_code == 401

    response = await world.client.get(
        "/api/v1/applications",
        params={"status": "draft", "school_id": world.schools["boerde"][1]},
        headers=world.office(),
    )
    assert [a["id"] for a in response.json()["items"]] == [other_school["id"]]
    response = await world.client.get(
        "/api/v1/applications",
        params={"q": "erlebnispadagogik", "topic": "violence-prevention"},
        headers=world.school(),
    )
    assert {a["id"] for a in response.json()["items"]} == {own["id"], draft["id"]}


async def test_a_school_cannot_draft_for_another_school(world: World):
    fund = await world.fund()
    body = world.draft_body(
        fund, school_ids=[world.schools["boerde"][1]], partner_organization_ids=[]
    )
    response = await world.client.post("/api/v1/applications", json=body, headers=world.school())
    assert response.status_code == 403
    response = await world.client.post("/api/v1/applications", json=body, headers=world.steering())
    assert response.status_code == 403


async def test_topics_are_listed_in_german(offers):
    response = await offers.client.get("/api/v1/topics")
    assert response.status_code == 200
    names = {t["slug"]: t["name"] for t in response.json()["items"]}
    assert names["violence-prevention"] == "Gewaltprävention"
    assert {"bullying", "media-literacy", "mediation", "school-absenteeism", "transition"} <= set(
        names
    )


async def test_stale_if_match_and_idempotent_creation(world: World):
    fund = await world.fund()
    body = world.draft_body(fund)
    headers = {**world.school(), "Idempotency-Key": "draft-7f1c"}
    first = await world.client.post("/api/v1/applications", json=body, headers=headers)
    again = await world.client.post("/api/v1/applications", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    listed = await world.client.get(
        "/api/v1/applications", params={"fund_id": fund["id"]}, headers=world.office()
    )
    assert len(listed.json()["items"]) == 1

    app = first.json()
    assert first.headers["ETag"] == f'"{app["version"]}"'
    changed = await world.client.patch(
        f"/api/v1/applications/{app['id']}",
        json={"title": "Neuer Titel"},
        headers={**world.school(), "If-Match": first.headers["ETag"]},
    )
    assert changed.status_code == 200
    stale = await world.client.patch(
        f"/api/v1/applications/{app['id']}",
        json={"title": "Noch ein Titel"},
        headers={**world.school(), "If-Match": first.headers["ETag"]},
    )
    assert stale.status_code == 412
    stale = await world.client.post(
        f"/api/v1/applications/{app['id']}/withdraw",
        headers={**world.school(), "If-Match": first.headers["ETag"]},
    )
    assert stale.status_code == 412
    stale_fund = await world.client.patch(
        f"/api/v1/funds/{fund['id']}",
        json={"budget_cents": 1},
        headers={**world.office(), "If-Match": '"0"'},
    )
    assert stale_fund.status_code == 412


async def test_funds_are_managed_by_their_region(world: World):
    response = await world.client.post(
        "/api/v1/funds",
        json={
            "name": "Jugendfonds",
            "kind": "youth_fund",
            "region": "boerde",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "budget_cents": 300_000,
        },
        headers=world.office("harz"),
    )
    assert response.status_code == 403
    fund = await world.fund(kind="youth_fund", max_per_application_cents=50_000)
    assert fund["requires_partner"] is False
    assert fund["max_per_school_per_year_cents"] is None  # the school-project rule only
    app = await world.submitted(
        fund,
        budget_lines=[{"category": "materials", "description": "Farben", "amount_cents": 40_000}],
    )
    await world.act(app, "decision", world.office(), {"outcome": "approved"})
    response = await world.client.patch(
        f"/api/v1/funds/{fund['id']}", json={"budget_cents": 30_000}, headers=world.office()
    )
    assert response.status_code == 409 and response.json()["rule"] == "budget-below-approved"
    response = await world.client.patch(
        f"/api/v1/funds/{fund['id']}",
        json={"period_end": "2026-01-01"},
        headers=world.office(),
    )
    assert response.status_code == 422


async def test_lists_page_through_with_cursors(world: World):
    import base64
    import json

    fund = await world.fund()
    made = [(await world.draft(fund))["id"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        params = {"limit": 2, "fund_id": fund["id"], **({"cursor": cursor} if cursor else {})}
        page = (
            await world.client.get("/api/v1/applications", params=params, headers=world.school())
        ).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == made

    for bad in (
        "kaputt",
        base64.urlsafe_b64encode(json.dumps(["2026-01-01", str(made[0])]).encode()).decode(),
    ):
        response = await world.client.get(
            "/api/v1/applications", params={"cursor": bad}, headers=world.school()
        )
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["field"] == "cursor"


async def test_a_partner_moves_its_draft_to_another_school_of_the_region(world: World):
    fund = await world.fund()
    app = await world.draft(
        fund,
        headers=world.partner(),
        applicant_organization_id=world.partners["boerde"],
        partner_organization_ids=[],
    )
    response = await world.client.patch(
        f"/api/v1/applications/{app['id']}",
        json={"school_ids": [world.schools["boerde"][1]]},
        headers=world.partner(),
    )
    assert response.status_code == 200, response.text
    assert response.json()["school_ids"] == [world.schools["boerde"][1]]
    response = await world.client.patch(
        f"/api/v1/applications/{app['id']}",
        json={"school_ids": [world.schools["harz"][0]]},
        headers=world.partner(),
    )
    assert response.status_code == 422 and response.json()["rule"] == "school-outside-fund-region"
