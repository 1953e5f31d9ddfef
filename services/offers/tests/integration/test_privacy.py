"""Personal data in offers (CONTRACT.md, "privacy"), against a real NATS server and PostgreSQL:
an erasure request pseudonymises an application's contact and erases every copy (stream
messages, stored responses) while the statistics stay; retention anonymises contacts on the
moved clock; every change and every read of another person's application leaves one audit
entry; ``GET /me/data`` answers the caller's own data and nothing of anyone else."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from typing import Any

from offers_support import World, make_world, request_erasure
from sqlalchemy import select

from offers.models import Application, PaymentRequest, ProofOfUse, StatusChange
from offers.privacy.service import PLACEHOLDER
from schulerfolg.events.meetings import DecisionRecorded, Votes
from schulerfolg.events.offers import GrantNoticeIssued
from schulerfolg.events.privacy import OffersErasureCompleted as Completed
from schulerfolg_dev.testing.events import collect_events
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import publish_events, wrap

REPORT = {
    "actual_participants": {"pupils": 40, "teachers": 3},
    "actual_cost_cents": 95_000,
    "summary": "Gut gelaufen.",
}
APPLICATION_EVENTS = "sfs.*.offers.application.>"


def person(tag: str) -> dict[str, str]:
    """A contact no other test uses (name, e-mail, phone)."""
    n = uuid.uuid4().hex[:8]
    return {
        "name": f"Erika {tag.title()}-{n}",
        "email": f"erika.{tag}.{n}@schule.example",
        "phone": f"0391 {int(n, 16) % 10**7:07d}",
    }


async def get(world: World, path: str, headers: dict[str, str], **params: Any) -> Any:
    response = await world.client.get(f"/api/v1{path}", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def statistics(world: World) -> Any:
    return await get(world, "/statistics", world.state())


async def rows_holding(world: World, *values: str) -> list[str]:
    """The application and history rows whose text holds any of ``values`` (any case)."""
    found = []
    async with world.service.runtime.db.transaction(readonly=True) as session:
        for model in (Application, StatusChange, PaymentRequest, ProofOfUse):
            for row in await session.scalars(select(model)):
                text = str(row.model_dump()).lower()
                found += [f"{model.__name__} {row.id}" for v in values if v.lower() in text]
    return found


async def approve(
    world: World, app: dict[str, Any], cents: int | None = None, headers: Any = None
) -> dict[str, Any]:
    body = {"outcome": "approved", "approved_cents": cents}
    return await world.act(app, "decision", headers or world.office(), body)


# --------------------------------------------------------------------------- erasure


async def test_an_erasure_request_pseudonymises_the_contact_and_erases_every_copy(
    offers_on, nats_url: str, db_kind: str
):
    world = await make_world(await offers_on(db_kind), nats_url)
    erika, other = person("erasure"), person("stays")
    school = world.service.auth(
        "school", school_id=world.schools["boerde"][0], name=erika["name"], email=erika["email"]
    )
    fund = await world.fund(payment_rule={"advance_percent": 50})
    created = await world.client.post(
        "/api/v1/applications",
        json=world.draft_body(fund, contact=erika, summary=f"Fragen an {erika['email']}."),
        headers={**school, "Idempotency-Key": f"erasure-{uuid.uuid4()}"},
    )
    assert created.status_code == 201, created.text
    mine = created.json()
    await world.act(mine, "consultation", world.office(), {"date": "2026-11-20"})
    await world.act(mine, "submit", school)
    await approve(world, mine, 80_000)
    # The money records name her too: a payment request, the proof of use and a receipt.
    called = await world.client.post(
        f"/api/v1/applications/{mine['id']}/payment-requests",
        json={"amount_cents": 10_000, "reason": f"Abschlag, Rückfragen an {erika['name']}"},
        headers=school,
    )
    assert called.status_code == 201, called.text
    receipt = {
        "date": "2027-03-02",
        "payee": erika["name"],
        "purpose": "Auslagen",
        "budget_category": "fees",
        "amount_cents": 2_000,
    }
    proof = await world.client.put(
        f"/api/v1/applications/{mine['id']}/proof-of-use",
        json={"narrative": f"Geleitet von {erika['name']}.", "receipts": [receipt]},
        headers=school,
    )
    assert proof.status_code == 200, proof.text
    kept = await world.submitted(fund, contact=other)
    # Every event is out (an unpublished one would hold the erasure back until it is).
    sent = await collect_events(
        world.nats_url, stream="OFFERS", subject=APPLICATION_EVENTS, count=3, settle=0.5
    )
    assert sum(erika["email"].encode() in m.data for _, m in sent) == 2
    before = await statistics(world)

    answers = await request_erasure(world, f"  {erika['email'].upper()} ")
    assert len(answers) == 1
    answer = answers[0][0].data
    assert isinstance(answer, Completed)
    assert answer.service == "offers"
    assert answer.counts["contacts"] == 1
    assert answer.counts["money_records"] == 2  # the payment request and the proof of use
    assert answer.counts["application_texts"] == 1  # the summary named the address
    assert answer.counts["history_entries"] == 2  # her own steps (created, submitted) name her
    # submitted, approved and the payment request (payment events carry the contact)
    assert answer.counts["stream_messages"] == 3
    assert answer.counts["stored_responses"] == 1  # the idempotent POST's answer
    assert erika["email"] not in answers[0][1].data.decode().lower()

    now = await get(world, f"/applications/{mine['id']}", world.office())
    assert now["contact"] == {"name": PLACEHOLDER, "email": None, "phone": None}
    assert now["summary"] == f"Fragen an {PLACEHOLDER}."
    assert (now["status"], now["approved_cents"], now["requested_cents"]) == (
        "approved",
        80_000,
        mine["requested_cents"],
    )
    history = await get(world, f"/applications/{mine['id']}/history", world.office())
    assert [h["actor_name"] for h in history["items"]][:2] == [PLACEHOLDER, PLACEHOLDER]
    untouched = await get(world, f"/applications/{kept['id']}", world.office())
    assert untouched["contact"] == other
    assert await statistics(world) == before

    # No copy left: not in offers' rows, its stored responses, nor its stream.
    assert await rows_holding(world, erika["email"], erika["name"], erika["phone"]) == []
    assert await rows_holding(world, other["email"])  # the search finds what is there
    keys = world.service.runtime.tables.idempotency_keys
    async with world.service.runtime.db.transaction(readonly=True) as session:
        bodies = [r.response_body or "" for r in (await session.execute(select(keys))).all()]
    assert not any(erika["email"] in body.lower() for body in bodies)
    left = await collect_events(
        world.nats_url, stream="OFFERS", subject=APPLICATION_EVENTS, count=1, settle=1.0
    )
    # what stays of hers carries ids and figures only (the grant notice was issued)
    stayed = [e.subject for e, _ in left if not isinstance(e.data, GrantNoticeIssued)]
    assert stayed == [f"applications/{kept['id']}"]
    assert not any(erika["email"].encode() in m.data for _, m in left)

    audit = await get(world, "/audit", world.state(), resource=f"applications/{mine['id']}")
    erased = [e["actor"] for e in audit["items"] if e["action"].endswith("personal_data_erased")]
    assert erased == ["system"]


async def test_an_erasure_request_for_an_unknown_address_erases_nothing(world: World):
    fund = await world.fund()
    app = await world.draft(fund)
    answers = await request_erasure(world, "niemand.bekannt@example.org")
    assert [a.data.counts["contacts"] for a, _ in answers] == [0]
    now = await get(world, f"/applications/{app['id']}", world.office())
    assert now["contact"] == app["contact"] and now["version"] == app["version"]


# --------------------------------------------------------------------------- retention


async def in_status(world: World, fund: dict[str, Any], status: str, contact: Any) -> Any:
    """An application with ``contact`` brought to ``status`` through the API."""
    if status == "draft":
        return await world.draft(fund, contact=contact)
    app = await world.submitted(fund, contact=contact)
    steps: dict[str, list[tuple[str, dict[str, str], Any]]] = {
        "submitted": [],
        "approved": [("decision", world.office(), {"outcome": "approved"})],
        "rejected": [("decision", world.office(), {"outcome": "rejected", "reason": "Zu teuer"})],
        "withdrawn": [("withdraw", world.school(), {"reason": "Keine Zeit"})],
        "returned": [("decision", world.office(), {"outcome": "returned", "reason": "Bitte"})],
    }
    steps["completed"] = [
        *steps["approved"],
        ("report", world.school(), REPORT),
        ("proof-of-use/accept", world.office(), {"accepted_cents": 1_000}),
        ("close", world.office(), None),
    ]
    for action, headers, body in steps[status]:
        answer = await world.act(app, action, headers, body)
        app = app if action.startswith("proof-of-use") else answer
    return app


async def test_contacts_are_anonymised_five_years_after_the_end_and_the_figures_stay(
    offers_on, nats_url: str
):
    # 1800 days: not yet five years after anything that ends today
    service = await offers_on("postgresql", retention_clock_offset_days=1800)
    world = await make_world(service, nats_url)
    fund = await world.fund(budget_cents=10_000_000, max_per_school_per_year_cents=None)
    statuses = ("completed", "rejected", "withdrawn", "draft", "returned", "approved", "submitted")
    contacts = {status: person(status) for status in statuses}
    apps = {s: await in_status(world, fund, s, contacts[s]) for s in statuses}
    before = await statistics(world)
    housekeeping = service.runtime.housekeeping

    assert (await housekeeping.purge()).anonymised == {
        "attachment_files": 0,
        "contacts": 0,
        "youth_projects": 0,
    }

    housekeeping.retention = dataclasses.replace(
        housekeeping.retention, clock_offset=timedelta(days=5 * 365 + 5)
    )
    assert (await housekeeping.purge()).anonymised == {
        "attachment_files": 0,
        "contacts": 5,
        "youth_projects": 0,
    }
    assert (await housekeeping.purge()).anonymised == {
        "attachment_files": 0,
        "contacts": 0,
        "youth_projects": 0,
    }  # nothing left to do

    for status, app in apps.items():
        now = await get(world, f"/applications/{app['id']}", world.office())
        history = await get(world, f"/applications/{app['id']}/history", world.office())
        names = {h["actor_name"] for h in history["items"]}
        if status in ("approved", "submitted"):  # still running
            assert now["contact"] == contacts[status], status
            assert now["consultation"]["recorded_by"] == "Netzwerkstelle"
        else:
            assert now["contact"] == {"name": PLACEHOLDER, "email": None, "phone": None}, status
            assert names == {None}, status
            assert now["status"] == status
            if now["consultation"]:
                assert now["consultation"]["recorded_by"] == PLACEHOLDER
            assert await rows_holding(world, contacts[status]["email"]) == [], status
    assert await statistics(world) == before
    audit = await get(world, "/audit", world.state(), actor="system")
    anonymised = [  # other system entries (grant notices, decisions) are not retention's
        e["resource"]
        for e in audit["items"]
        if e["action"] == "application.personal_data_anonymised"
    ]
    assert sorted(anonymised) == sorted(
        f"applications/{apps[s]['id']}"
        for s in ("completed", "rejected", "withdrawn", "draft", "returned")
    )


# --------------------------------------------------------------------------- audit


async def audit_of(world: World, resource: str) -> list[tuple[str, str]]:
    """(actor, action) of a resource's audit entries, oldest first."""
    items = (await get(world, "/audit", world.state(), resource=resource, limit=100))["items"]
    return [(e["actor"], e["action"]) for e in reversed(items)]


async def audit_with(
    world: World, resource: str, entry: tuple[str, str]
) -> list[tuple[str, str]] | None:
    """A resource's audit entries once ``entry`` is among them."""
    entries = await audit_of(world, resource)
    return entries if entry in entries else None


async def test_every_change_decision_and_read_of_another_persons_application_is_audited(
    world: World,
):
    service = world.service
    school = service.auth("school", school_id=world.schools["boerde"][0], sub="sub-school")
    office = service.auth("network_office", "boerde", sub="sub-office", name="Netzwerkstelle")
    state = service.auth("state_coordinator", sub="sub-state")
    steering = service.auth("steering_member", "boerde", sub="sub-steering")
    fund = (
        await world.client.post(
            "/api/v1/funds",
            json={
                "name": "Audit-Fonds",
                "kind": "school_project",
                "region": "boerde",
                "period_start": "2027-01-01",
                "period_end": "2027-12-31",
                "budget_cents": 5_000_000,
                "deciding_committee_id": world.committee_id,
            },
            headers=office,
        )
    ).json()
    changed = await world.client.patch(
        f"/api/v1/funds/{fund['id']}", json={"budget_cents": 6_000_000}, headers=office
    )
    assert changed.status_code == 200, changed.text
    app = await world.draft(fund, headers=school)
    path = f"/api/v1/applications/{app['id']}"
    same = await world.client.patch(path, json={"title": app["title"]}, headers=school)
    assert same.status_code == 200  # nothing changed: nothing to record
    await world.client.patch(path, json={"goals": "Neue Ziele"}, headers=school)
    await world.act(app, "consultation", office, {"date": "2026-11-20"})
    await world.act(app, "submit", school)
    await get(world, f"/applications/{app['id']}", school)  # the applicant's own: not audited
    await get(world, f"/applications/{app['id']}", office)
    await get(world, f"/applications/{app['id']}", steering)
    await get(world, f"/applications/{app['id']}/history", state)
    await get(world, f"/applications/{app['id']}/decisions", state)
    await approve(world, app, headers=office)
    await world.act(app, "report", school, REPORT)
    await world.act(app, "proof-of-use/accept", office, {"accepted_cents": 1_000})
    await world.act(app, "close", office, {"reason": "Abgerechnet"})
    forbidden = await world.client.post(f"{path}/close", headers=school)
    assert forbidden.status_code == 403

    # The grant notice is issued by its own consumer after the approval, at its own moment.
    notice = ("system", "application.grant_notice_issued")
    resource = f"applications/{app['id']}"
    entries = await eventually(lambda: audit_with(world, resource, notice))
    assert entries.count(notice) == 1
    assert [entry for entry in entries if entry != notice] == [
        ("sub-school", "application.created"),
        ("sub-school", "application.updated"),
        ("sub-office", "application.advised"),
        ("sub-school", "application.submitted"),
        ("sub-office", "application.read"),
        ("sub-steering", "application.read"),
        ("sub-state", "application.history_read"),
        ("sub-state", "application.decisions_read"),
        ("sub-office", "application.approved"),
        ("sub-school", "application.reported"),
        ("sub-school", "proof_of_use.submitted"),
        ("sub-office", "proof_of_use.accepted"),
        ("sub-office", "application.completed"),
    ]
    assert await audit_of(world, f"funds/{fund['id']}") == [
        ("sub-office", "fund.created"),
        ("sub-office", "fund.updated"),
    ]

    # Lists: one entry per page the office, the state or a steering member reads.
    await get(world, "/applications", office, fund_id=fund["id"])
    await get(world, "/applications", state, fund_id=fund["id"])
    await get(world, "/applications", school, fund_id=fund["id"])
    await get(world, "/applications", office, fund_id=str(uuid.uuid4()))  # empty: nothing read
    listed = await audit_of(world, "applications")
    assert listed == [("sub-office", "applications.listed"), ("sub-state", "applications.listed")]

    # A committee's decision and a refused one arrive as events: the system's changes.
    decided = await world.submitted(fund)
    refused = await world.submitted(fund)
    await approve(world, refused, 10_000)  # decided by the office meanwhile: refused later

    def decision(target: dict[str, Any]) -> Any:
        payload = DecisionRecorded(
            id=str(uuid.uuid4()),
            meeting_id=str(uuid.uuid4()),
            agenda_item_id=str(uuid.uuid4()),
            committee_id=world.committee_id,
            region="boerde",
            application_id=target["id"],
            outcome="rejected",
            approved_cents=None,
            conditions=None,
            reason="Nicht förderfähig",
            votes=Votes(yes=4, no=1, abstain=0),
            decided_at="2026-12-01T17:00:00Z",
        )
        return wrap(payload, entity_id=payload.id, region="boerde")

    await publish_events(world.nats_url, [decision(decided), decision(refused)])

    async def recorded() -> Any:
        a = await audit_of(world, f"applications/{decided['id']}")
        b = await audit_of(world, f"applications/{refused['id']}")
        done = ("system", "application.rejected") in a and b[-1][0] == "system"
        return (a, b) if done else None

    a, b = await eventually(recorded, timeout=20)
    # the rejection by the system, exactly once (its rejection letter, issued by the documents
    # consumer, may be recorded before or after this read)
    assert [x for x in a if x[1] == "application.rejected"] == [("system", "application.rejected")]
    assert b[-1] == ("system", "application.decision_refused")


async def test_only_admin_and_state_coordination_read_the_audit_log(world: World):
    for headers, status in (
        ({}, 401),
        (world.school(), 403),
        (world.office(), 403),
        (world.service.auth("admin"), 200),
        (world.state(), 200),
    ):
        response = await world.client.get("/api/v1/audit", headers=headers)
        assert response.status_code == status, (headers, response.text)


# --------------------------------------------------------------------------- own data


async def test_own_data_holds_the_callers_applications_and_nothing_of_anyone_else(world: World):
    me, colleague, stranger = person("me"), person("colleague"), person("stranger")
    school = world.service.auth(
        "school",
        school_id=world.schools["boerde"][0],
        sub="sub-me",
        name=me["name"],
        email=me["email"].upper(),
    )
    fund = await world.fund()
    own_contact = await world.draft(fund, headers=school, contact=me, title="Mein Antrag")
    for_colleague = await world.draft(fund, headers=school, contact=colleague, title="Für Kollegin")
    by_office = await world.draft(fund, headers=world.office(), contact=me, title="Vom Büro")
    await world.draft(
        fund,
        headers=world.school(index=1),
        school_ids=[world.schools["boerde"][1]],
        contact=stranger,
        title="Fremd",
    )
    await world.act(own_contact, "withdraw", school, {"reason": "Doppelt"})

    response = await world.client.get("/api/v1/me/data", headers=school)
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert (body["service"], body["sub"]) == ("offers", "sub-me")
    apps = {a["id"]: a for a in body["data"]["applications"]}
    assert set(apps) == {own_contact["id"], for_colleague["id"], by_office["id"]}
    assert apps[own_contact["id"]]["contact"] == me
    assert apps[own_contact["id"]]["status"] == "withdrawn"
    assert apps[by_office["id"]]["contact"] == me
    assert apps[by_office["id"]]["created_by_me"] is False
    assert apps[for_colleague["id"]]["contact"] is None  # her data, not mine
    assert apps[for_colleague["id"]]["requested_cents"] == for_colleague["requested_cents"]
    steps = body["data"]["history"]
    assert {(s["application_id"], s["to_status"]) for s in steps} == {
        (own_contact["id"], "draft"),
        (for_colleague["id"], "draft"),
        (own_contact["id"], "withdrawn"),
    }
    text = response.text.lower()
    for value in (*colleague.values(), *stranger.values(), "fremd", "netzwerkstelle"):
        assert value.lower() not in text, value

    nobody = await world.client.get(
        "/api/v1/me/data", headers=world.service.auth("partner", sub="sub-nobody")
    )
    assert nobody.json()["data"] == {
        "applications": [],
        "proofs_of_use": [],
        "payment_requests": [],
        "assessments": [],
        "history": [],
        "attachments": [],
        "youth_projects": [],
    }
    assert (await world.client.get("/api/v1/me/data")).status_code == 401


async def test_own_data_holds_the_money_records_of_the_callers_applications(world: World):
    """The contact sees the proof of use, the payment requests and the assessment of the
    application they are the contact of; another contact's records stay out."""
    me, stranger = person("money"), person("other")
    school = world.service.auth(
        "school", school_id=world.schools["boerde"][0], sub="sub-money", email=me["email"]
    )
    fund = await world.fund(requires_consultation=False, payment_rule={"advance_percent": 100})
    app = await world.submitted(fund, contact=me)
    other = await world.submitted(fund, contact=stranger)
    for application, notes in ((app, "Gut begründet."), (other, "Fremde Notiz.")):
        assessed = await world.client.put(
            f"/api/v1/applications/{application['id']}/assessment",
            json={"recommendation": "approve", "recommended_cents": 60_000, "notes": notes},
            headers=world.office(),
        )
        assert assessed.status_code == 200, assessed.text
        await world.act(
            application,
            "decision",
            world.office(),
            {"outcome": "approved", "approved_cents": 60_000},
        )
    requested = await world.client.post(
        f"/api/v1/applications/{app['id']}/payment-requests",
        json={"amount_cents": 30_000, "reason": "Abschlag Honorar"},
        headers=school,
    )
    assert requested.status_code == 201, requested.text
    proof = {
        "narrative": "Alle waren dabei.",
        "actual_participants": {"pupils": 20},
        "receipts": [
            {
                "date": "2027-03-01",
                "payee": "Trainerin",
                "purpose": "Honorar",
                "budget_category": "fees",
                "amount_cents": 30_000,
            }
        ],
    }
    saved = await world.client.put(
        f"/api/v1/applications/{app['id']}/proof-of-use", json=proof, headers=school
    )
    assert saved.status_code == 200, saved.text

    body = (await world.client.get("/api/v1/me/data", headers=school)).json()["data"]
    assert [a["id"] for a in body["applications"]] == [app["id"]]
    [request] = body["payment_requests"]
    assert (request["application_id"], request["amount_cents"], request["status"]) == (
        app["id"],
        30_000,
        "requested",
    )
    assert request["reason"] == "Abschlag Honorar" and request["requested_by_me"] is True
    [own_proof] = body["proofs_of_use"]
    assert own_proof["application_id"] == app["id"]
    assert own_proof["narrative"] == "Alle waren dabei."
    assert own_proof["receipts"][0]["payee"] == "Trainerin"
    [assessment] = body["assessments"]
    assert (assessment["application_id"], assessment["recommendation"]) == (app["id"], "approve")
    assert assessment["notes"] == "Gut begründet."
    assert "Fremde Notiz" not in str(body) and stranger["email"] not in str(body)
    assert "assessed_by" not in assessment and "decided_by" not in request
