"""The whole flow across the four services, driven only through their public HTTP APIs
(registry → meetings → offers → meetings → offers → notifications), on PostgreSQL with a real
NATS server and a real SMTP server."""

from __future__ import annotations

from e2e.flow import Flow, ok, set_up_network, until
from suite_support import Suite


async def test_an_approved_application_from_draft_to_completion(suite: Suite):
    net = await set_up_network(suite)
    flow = Flow(net)
    async with (
        suite.client("offers") as offers,
        suite.client("meetings") as meetings,
        suite.client("notifications") as notifications,
    ):
        await flow.draft_and_submit(offers)
        await flow.wait_for_agenda_item(meetings)
        assert flow.item["kind"] == "decision"
        await flow.decide(meetings)
        app = await flow.wait_for_status(offers, "approved")
        assert (app["approved_cents"], app["conditions"]) == (140_000, "Fotodokumentation beifügen")
        fund = ok(await offers.get(f"/funds/{net.fund['id']}", headers=net.office))
        assert fund["approved_cents"] == 140_000

        note = await flow.wait_for_inbox(notifications, "approved")
        assert note["link"].endswith(f"/applications/{app['id']}")

        async def mailed():
            return [
                m for m in suite.mail.to(flow.contact_email) if "bewilligt" in m["Subject"].lower()
            ]

        (mail,) = await until(mailed, timeout=60)
        body = mail.get_body(("plain",)).get_content()
        assert "Zirkusprojekt „Manege frei“" in body
        assert "1.400,00" in body or "1400,00" in body

        ok(
            await offers.post(
                f"/applications/{app['id']}/report",
                json={
                    "actual_participants": {"pupils": 50, "parents": 35},
                    "actual_cost_cents": 138_000,
                    "summary": "Die Aufführung war ein Erfolg.",
                },
                headers=net.school_auth(),
            )
        )
        app = ok(await offers.post(f"/applications/{app['id']}/close", headers=net.office))
        assert app["status"] == "completed"
