"""Youth micro-projects across the suite (issue 20), only through the public HTTP APIs on
PostgreSQL with a real NATS server and SMTP sink: young people send a project without an
account; their adult sponsor gets the link by e-mail and confirms; the project becomes a
submitted application of the youth fund, meetings puts it on the youth jury's agenda and the
jury decides it in a session as committees do; a project never confirmed never reaches the
agenda; the guards refuse bot-like submissions (honeypot, too fast, rate limit) without a
project or a mail; an erasure request for the sponsor's address reaches a pending project."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import httpx
from e2e.flow import Flow, Network, ok, set_up_network, until
from suite_support import Suite, module_nats  # noqa: F401
from suite_support import module_suite as suite  # noqa: F401

FORM_MIN_SECONDS = 5.2  # offers refuses a form sent sooner after its ticket (the default 5 s)


def project(net: Network, ticket: str, title: str, sponsor: str, **fields: Any) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "website": "",
        "fund_id": net.fund["id"],
        "school_id": net.schools[0]["id"],
        "title": title,
        "idea": "Wir bauen Nistkästen für den Schulgarten und hängen sie mit dem Hausmeister auf.",
        "group_size": 6,
        "amount_cents": 20_000,
        "start_date": "2027-03-01",
        "end_date": "2027-05-31",
        "group_name": "Klasse 6b",
        "sponsor_name": "Herr Winter",
        "sponsor_email": sponsor,
        **fields,
    }


async def tickets(offers: httpx.AsyncClient, count: int) -> list[str]:
    return [ok(await offers.post("/youth-projects/form"), 201)["ticket"] for _ in range(count)]


async def school_known(offers: httpx.AsyncClient, net: Network) -> None:
    async def listed() -> bool | None:
        options = ok(await offers.get("/youth-projects/form"))
        return True if any(s["id"] == net.schools[0]["id"] for s in options["schools"]) else None

    await until(listed, timeout=180, interval=0.5)


async def token_mailed(running: Suite, address: str) -> str:
    async def mailed() -> list[Any] | None:
        return running.mail.to(address) or None

    (mail,) = await until(mailed, timeout=60, interval=0.3)
    body = mail.get_body(("plain",)).get_content()
    found = re.search(r"/jugendprojekte/bestaetigen/(\S+)", body)
    assert found, body
    return found.group(1)


def address(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:6]}@schulsozialarbeit.example"


async def test_a_micro_project_from_the_public_form_to_the_jurys_decision(
    suite: Suite,  # noqa: F811
):
    net = await set_up_network(suite, committee_kind="youth_jury", fund_kind="youth_fund")
    sponsor, silent = address("winter"), address("schweigsam")
    async with suite.client("offers") as offers, suite.client("meetings") as meetings:
        await school_known(offers, net)
        confirmed_ticket, unconfirmed_ticket = await tickets(offers, 2)
        await asyncio.sleep(FORM_MIN_SECONDS)
        sent = ok(
            await offers.post(
                "/youth-projects",
                json=project(net, confirmed_ticket, "Nistkästen für den Schulgarten", sponsor),
            ),
            202,
        )
        ok(
            await offers.post(
                "/youth-projects",
                json=project(net, unconfirmed_ticket, "Niemand hat bestätigt", silent),
            ),
            202,
        )
        token = await token_mailed(suite, sponsor)
        await token_mailed(suite, silent)  # asked, but never answers

        confirmed = ok(await offers.post("/youth-projects/confirm", json={"token": token}))
        assert confirmed["id"] == sent["id"]
        flow = Flow(net, contact_email=sponsor)
        flow.app = {"id": confirmed["application_id"]}
        await flow.wait_for_agenda_item(meetings)
        assert flow.item["kind"] == "decision"
        await flow.decide(meetings, "approved", approved_cents=20_000, conditions=None)
        app = await flow.wait_for_status(offers, "approved")
        assert (app["approved_cents"], app["contact"]["email"]) == (20_000, sponsor)

        # the project its sponsor never confirmed is neither an application nor on the agenda
        agenda = ok(await meetings.get(f"/meetings/{net.session['id']}/agenda", headers=net.office))
        decisions = [i for i in agenda["items"] if i.get("application_id")]
        assert [i["application_id"] for i in decisions] == [app["id"]]
        listed = ok(
            await offers.get(
                "/applications", params={"fund_id": net.fund["id"]}, headers=net.office
            )
        )
        assert [a["id"] for a in listed["items"]] == [app["id"]]

        async def approval_mailed() -> list[Any] | None:
            return [
                m for m in suite.mail.to(sponsor) if "bewilligt" in m["Subject"].lower()
            ] or None

        await until(approval_mailed, timeout=60)


async def test_the_guards_refuse_bot_like_submissions_and_erasure_reaches_a_pending_project(
    suite: Suite,  # noqa: F811
):
    net = await set_up_network(suite, committee_kind="youth_jury", fund_kind="youth_fund")
    async with suite.client("offers") as offers, suite.client("registry") as registry:
        await school_known(offers, net)
        bot = address("bot")
        (fast,) = await tickets(offers, 1)
        refused = await offers.post("/youth-projects", json=project(net, fast, "Schnell", bot))
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "ticket"

        forms = await tickets(offers, 6)
        await asyncio.sleep(FORM_MIN_SECONDS)
        trapped = await offers.post(
            "/youth-projects",
            json=project(net, forms[0], "Honigtopf", bot, website="https://spam.example"),
        )
        assert trapped.status_code == 422, trapped.text
        assert trapped.json()["errors"][0]["field"] == "website"

        # five per client address and hour (an earlier test of the module may have sent some):
        # the next one is refused with Retry-After
        sponsors = [address(f"begleitung{i}") for i in range(6)]
        for i in range(6):
            response = await offers.post(
                "/youth-projects", json=project(net, forms[i], f"Projekt {i}", sponsors[i])
            )
            if response.status_code == 429:
                break
            assert response.status_code == 202, response.text
        limited = response
        assert limited.status_code == 429 and i >= 1, limited.text
        assert int(limited.headers["Retry-After"]) > 0
        assert limited.headers["content-type"].startswith("application/problem+json")
        refused_sponsor = sponsors[i]

        token = await token_mailed(suite, sponsors[0])
        await asyncio.sleep(2)
        assert suite.mail.to(bot) == [] and suite.mail.to(refused_sponsor) == []

        # the erasure of the sponsor's address deletes the project waiting for them
        response = await registry.post(
            "/erasure-requests",
            json={"email": sponsors[0].upper(), "reason": "Bitte um Löschung"},
            headers=suite.auth("state_coordinator", sub="state-1"),
        )
        assert response.status_code == 202, response.text
        request = response.json()
        admin = suite.auth("admin", sub="admin-1")

        async def offers_done() -> dict[str, Any] | None:
            answer = ok(await registry.get(f"/erasure-requests/{request['id']}", headers=admin))
            done = {s["service"]: s for s in answer["services"] if s["status"] == "completed"}
            return done.get("offers")

        await until(offers_done, timeout=120)
        gone = await offers.post("/youth-projects/view", json={"token": token})
        assert gone.status_code == 404, gone.text
