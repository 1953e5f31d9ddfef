"""Youth micro-projects (issue 20) through the offers API on PostgreSQL with a real NATS server:
young people send a project without an account, guarded by a honeypot, the form ticket's timing
and rate limits; only the adult sponsor's confirmation makes it a submitted application of the
youth fund; a declined or unconfirmed one never becomes one; erasure of the sponsor's address
reaches it."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from offers_support import World, request_erasure
from sqlalchemy import func, select

from offers.models import Application, YouthFormTicket, YouthProject
from offers.youth_projects import service as youth
from schulerfolg.db import utcnow
from schulerfolg_dev.testing.events import about, collect_events

SPONSOR = "schulsozialarbeit@schule-boerde.example"


def settings(world: World, **values: Any) -> None:
    for name, value in values.items():
        setattr(world.service.runtime.settings, name, value)


async def youth_fund(world: World) -> dict[str, Any]:
    return await world.fund(
        name="Jugendfonds Börde 2027",
        kind="youth_fund",
        max_per_application_cents=50_000,
        requires_consultation=False,
        requires_partner=False,
    )


async def ticket(world: World) -> str:
    response = await world.client.post("/api/v1/youth-projects/form")
    assert response.status_code == 201, response.text
    return str(response.json()["ticket"])


def project(world: World, fund: dict[str, Any], form_ticket: str, **fields: Any) -> dict[str, Any]:
    return {
        "ticket": form_ticket,
        "website": "",
        "fund_id": fund["id"],
        "school_id": world.schools["boerde"][0],
        "title": "Wir bauen ein Hochbeet",
        "idea": "Wir wollen auf dem Schulhof Gemüse anbauen und es in der Mensa kochen.",
        "group_size": 8,
        "amount_cents": 30_000,
        "start_date": "2027-04-01",
        "end_date": "2027-06-30",
        "group_name": "AG Schulgarten",
        "sponsor_name": "Frau Sommer",
        "sponsor_email": SPONSOR,
        **fields,
    }


async def send(world: World, body: dict[str, Any], *, expect: int = 202) -> Any:
    response = await world.client.post("/api/v1/youth-projects", json=body)
    assert response.status_code == expect, response.text
    return response


async def count(world: World, model: Any) -> int:
    async with world.service.runtime.db.transaction(readonly=True) as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def received_token(world: World, project_id: str) -> str:
    ((event, _),) = await collect_events(
        world.nats_url,
        stream="OFFERS",
        subject="sfs.*.offers.youth_project.received",
        where=about(f"youth_projects/{project_id}"),
        count=1,
        timeout=20,
    )
    assert event.data.sponsor.email == SPONSOR
    return str(event.data.token)


async def test_a_confirmed_project_becomes_a_submitted_application_of_the_youth_fund(
    world: World,
):
    settings(world, youth_form_min_seconds=0.5)
    fund = await youth_fund(world)
    options = (await world.client.get("/api/v1/youth-projects/form")).json()
    assert [f["id"] for f in options["funds"]] == [fund["id"]]
    assert {s["id"] for s in options["schools"]} == set(world.schools["boerde"])
    form = await ticket(world)
    await asyncio.sleep(0.6)  # a person takes a moment to fill in the form
    sent = (
        await send(
            world,
            project(world, fund, form),
        )
    ).json()
    assert sent["status"] == "pending"
    token = await received_token(world, sent["id"])

    # nothing reaches the office (and so the jury) before the sponsor confirms
    listed = await world.client.get(
        "/api/v1/applications", params={"fund_id": fund["id"]}, headers=world.office()
    )
    assert listed.json()["items"] == []

    seen = await world.client.post("/api/v1/youth-projects/view", json={"token": token})
    assert seen.status_code == 200, seen.text
    assert seen.json()["title"] == "Wir bauen ein Hochbeet"
    assert (seen.json()["fund_name"], seen.json()["school_name"]) == (
        "Jugendfonds Börde 2027",
        "Schule 0 boerde",
    )
    confirmed = await world.client.post("/api/v1/youth-projects/confirm", json={"token": token})
    assert confirmed.status_code == 200, confirmed.text
    app_id = confirmed.json()["application_id"]

    app = await world.client.get(f"/api/v1/applications/{app_id}", headers=world.office())
    assert app.status_code == 200, app.text
    assert app.json()["status"] == "submitted"
    assert app.json()["requested_cents"] == 30_000
    assert app.json()["contact"]["email"] == SPONSOR
    ((submitted, _),) = await collect_events(
        world.nats_url,
        stream="OFFERS",
        subject="sfs.*.offers.application.submitted",
        where=about(f"applications/{app_id}"),
        count=1,
        timeout=20,
    )
    assert submitted.data.fund_kind == "youth_fund"
    assert str(submitted.data.deciding_committee_id) == world.committee_id
    # the sponsor's data now live only on the application; the token is spent
    async with world.service.runtime.db.transaction(readonly=True) as session:
        row = await session.get(YouthProject, sent["id"])
        assert row is not None and row.sponsor_email is None and row.token_sha256 is None
    again = await world.client.post("/api/v1/youth-projects/confirm", json={"token": token})
    assert again.status_code == 404, again.text


async def test_the_guards_refuse_bot_like_submissions_and_create_nothing(world: World):
    settings(world, youth_form_min_seconds=1.0, youth_per_client_per_hour=2)
    fund = await youth_fund(world)

    form = await ticket(world)
    fast = await send(world, project(world, fund, form), expect=422)
    assert fast.json()["rule"] == "form-sent-too-fast"
    assert [e["field"] for e in fast.json()["errors"]] == ["ticket"]
    trap = await send(world, project(world, fund, form, website="http://spam.example"), expect=422)
    assert [e["field"] for e in trap.json()["errors"]] == ["website"]
    unknown = await send(world, project(world, fund, "made-up"), expect=422)
    assert unknown.json()["rule"] == "form-ticket-invalid"
    assert await count(world, YouthProject) == 0

    await asyncio.sleep(1.1)
    await send(world, project(world, fund, form))
    reused = await send(world, project(world, fund, form), expect=422)
    assert reused.json()["rule"] == "form-ticket-invalid"

    # over the cap and for a fund that is no youth fund: 422 naming the field
    other = await world.fund(requires_consultation=False)
    forms = [await ticket(world) for _ in range(4)]
    await asyncio.sleep(1.1)
    wrong = await send(world, project(world, other, forms[0]), expect=422)
    assert wrong.json()["errors"][0]["field"] == "fund_id"
    much = await send(world, project(world, fund, forms[0], amount_cents=60_000), expect=422)
    assert much.json()["errors"][0]["field"] == "amount_cents"

    # rate limit per client address
    await send(world, project(world, fund, forms[0]))
    limited = await send(world, project(world, fund, forms[1]), expect=429)
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["content-type"].startswith("application/problem+json")
    # per sponsor address, from another client
    settings(world, youth_per_client_per_hour=100, youth_per_sponsor_per_day=2)
    by_sponsor = await send(world, project(world, fund, forms[1]), expect=429)
    assert by_sponsor.json()["errors"][0]["field"] == "sponsor_email"
    assert await count(world, YouthProject) == 2


async def test_a_declined_or_unconfirmed_project_never_becomes_an_application(world: World):
    settings(world, youth_form_min_seconds=0)
    fund = await youth_fund(world)
    declined = (await send(world, project(world, fund, await ticket(world)))).json()
    kept = (await send(world, project(world, fund, await ticket(world)))).json()
    token = await received_token(world, declined["id"])
    no = await world.client.post("/api/v1/youth-projects/decline", json={"token": token})
    assert no.status_code == 204, no.text
    gone = await world.client.post("/api/v1/youth-projects/confirm", json={"token": token})
    assert gone.status_code == 404

    # the housekeeping deletes what was not confirmed in time (and stale form tickets)
    (task,) = youth.retention_tasks(world.service.runtime)
    async with world.service.runtime.db.transaction() as session:
        assert await task.run(session, utcnow() + timedelta(days=1)) == 0
    async with world.service.runtime.db.transaction() as session:
        assert await task.run(session, utcnow() + timedelta(days=15)) >= 1
    async with world.service.runtime.db.transaction(readonly=True) as session:
        assert await session.get(YouthProject, kept["id"]) is None
    assert await count(world, YouthFormTicket) == 0
    assert await count(world, Application) == 0


async def test_erasure_of_the_sponsors_address_reaches_pending_and_confirmed_projects(
    world: World,
):
    settings(world, youth_form_min_seconds=0)
    fund = await youth_fund(world)
    first = (await send(world, project(world, fund, await ticket(world)))).json()
    pending = (await send(world, project(world, fund, await ticket(world)))).json()
    confirmed = await world.client.post(
        "/api/v1/youth-projects/confirm", json={"token": await received_token(world, first["id"])}
    )
    app_id = confirmed.json()["application_id"]
    token = await received_token(world, pending["id"])
    # the sponsor, signed in, sees the project waiting for them in their data (not the confirmed
    # one: that is an application now, with them as its contact)
    mine = await world.client.get(
        "/api/v1/me/data", headers=world.service.auth("partner", sub="sub-sponsor", email=SPONSOR)
    )
    waiting = mine.json()["data"]["youth_projects"]
    assert [(p["id"], p["sponsor"]["email"]) for p in waiting] == [(pending["id"], SPONSOR)]
    assert [a["id"] for a in mine.json()["data"]["applications"]] == [app_id]

    ((answer, _),) = await request_erasure(world, SPONSOR.upper())
    assert answer.data.counts["youth_projects"] == 2  # the pending one deleted, a hash forgotten
    assert answer.data.counts["contacts"] == 1

    gone = await world.client.post("/api/v1/youth-projects/confirm", json={"token": token})
    assert gone.status_code == 404
    app = (await world.client.get(f"/api/v1/applications/{app_id}", headers=world.office())).json()
    assert app["contact"]["email"] is None
    async with world.service.runtime.db.transaction(readonly=True) as session:
        rows = list(await session.scalars(select(YouthProject)))
    assert [(r.sponsor_email, r.sponsor_sha256) for r in rows] == [(None, None)]
    after = await world.client.get(
        "/api/v1/me/data", headers=world.service.auth("partner", sub="sub-sponsor", email=SPONSOR)
    )
    assert after.json()["data"]["youth_projects"] == []
