"""A circular decision (Umlaufverfahren) across the suite (issue 20), only through the public
HTTP APIs on PostgreSQL with a real NATS server and SMTP sink: the office starts a circular
about an application on the steering group's agenda; the members get the call to vote by e-mail
and vote with their own tokens; the last vote decides, and offers approves the application
exactly as after a session — the money is committed on the fund, the applicant and the members
are told by e-mail."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from e2e.flow import Flow, ok, set_up_network, until
from suite_support import Suite, module_nats  # noqa: F401
from suite_support import module_suite as suite  # noqa: F401


async def mails(running: Suite, address: str, subject: str) -> list[Any]:
    async def arrived() -> list[Any] | None:
        return [m for m in running.mail.to(address) if subject in str(m["Subject"])] or None

    return await until(arrived, timeout=60, interval=0.3)


async def test_a_circular_decision_approves_an_application_end_to_end(
    suite: Suite,  # noqa: F811
):
    net = await set_up_network(suite)
    flow = Flow(net)
    async with suite.client("offers") as offers, suite.client("meetings") as meetings:
        await flow.draft_and_submit(offers)
        await flow.wait_for_agenda_item(meetings)
        requested = flow.item["requested_cents"]
        deadline = datetime.now(UTC) + timedelta(days=3)
        circular = ok(
            await meetings.post(
                f"/committees/{net.committee['id']}/circulars",
                json={"application_id": flow.app["id"], "deadline": deadline.isoformat()},
                headers=net.office,
            ),
            201,
        )
        assert (circular["voters"], circular["status"]) == (3, "open")

        # every member is asked by e-mail, with the link to the vote page
        for person in net.members:
            (call,) = await mails(suite, person["email"], "Umlaufverfahren")
            body = call.get_body(("plain",)).get_content()
            assert re.search(rf"/umlaufverfahren/{circular['id']}\b", body), body

        for person, choice in zip(net.members, ("yes", "yes", "no"), strict=True):
            token = suite.auth("steering_member", net.region, sub=person["user_sub"])
            voted = ok(
                await meetings.post(
                    f"/circulars/{circular['id']}/votes", json={"vote": choice}, headers=token
                ),
                201,
            )
        assert (voted["status"], voted["outcome"]) == ("decided", "approved")
        record = ok(await meetings.get(f"/circulars/{circular['id']}", headers=net.office))
        assert sorted(line["state"] for line in record["record"]) == ["no", "yes", "yes"]

        # offers applies it as a committee decision: approved, the money committed on the fund
        app = await flow.wait_for_status(offers, "approved")
        assert app["approved_cents"] == requested
        fund = ok(await offers.get(f"/funds/{net.fund['id']}", headers=net.office))
        assert fund["approved_cents"] == requested
        assert fund["available_cents"] == fund["budget_cents"] - requested

        # the application is off the session's agenda: decided
        agenda = ok(await meetings.get(f"/meetings/{net.session['id']}/agenda", headers=net.office))
        (item,) = [i for i in agenda["items"] if i["id"] == flow.item["id"]]
        assert item["status"] == "decided"

    await mails(suite, flow.contact_email, "bewilligt")
    for person in net.members:
        await mails(suite, person["email"], "angenommen")
