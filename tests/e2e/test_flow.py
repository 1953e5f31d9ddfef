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
        ok(  # closing needs the proof of use (filled by the report) accepted
            await offers.post(
                f"/applications/{app['id']}/proof-of-use/accept",
                json={"accepted_cents": 138_000},
                headers=net.office,
            )
        )
        app = ok(await offers.post(f"/applications/{app['id']}/close", headers=net.office))
        assert app["status"] == "completed"


async def test_rejection_return_resubmission_and_withdrawal(suite: Suite):
    net = await set_up_network(suite, schools=3)
    rejected, returned, withdrawn = Flow(net, school=0), Flow(net, school=1), Flow(net, school=2)
    async with (
        suite.client("offers") as offers,
        suite.client("meetings") as meetings,
        suite.client("notifications") as notifications,
    ):
        for flow in (rejected, returned, withdrawn):
            await flow.draft_and_submit(offers)
            await flow.wait_for_agenda_item(meetings)

        await rejected.decide(meetings, "rejected", reason="Kein Bezug zum Schulerfolg")
        app = await rejected.wait_for_status(offers, "rejected")
        assert app["decision_reason"] == "Kein Bezug zum Schulerfolg"
        await rejected.wait_for_inbox(notifications, "rejected")

        await returned.decide(meetings, "returned", reason="Bitte Kostenplan ergänzen")
        await returned.wait_for_status(offers, "returned")
        ok(
            await offers.patch(
                f"/applications/{returned.app['id']}",
                json={"goals": "Selbstvertrauen stärken; Kostenplan ergänzt."},
                headers=net.school_auth(1),
            )
        )
        first_item = returned.item
        ok(
            await offers.post(
                f"/applications/{returned.app['id']}/submit", headers=net.school_auth(1)
            )
        )

        async def back_on_agenda():
            items = ok(
                await meetings.get(f"/meetings/{net.session['id']}/agenda", headers=net.office)
            )["items"]
            again = [
                i
                for i in items
                if i.get("application_id") == returned.app["id"] and i["id"] != first_item["id"]
            ]
            return again[0] if again else None

        returned.item = await until(back_on_agenda)
        await returned.decide(meetings, "approved", approved_cents=100_000)
        await returned.wait_for_status(offers, "approved")

        ok(
            await offers.post(
                f"/applications/{withdrawn.app['id']}/withdraw",
                json={"reason": "Projekt entfällt"},
                headers=net.school_auth(2),
            )
        )
        app = ok(await offers.get(f"/applications/{withdrawn.app['id']}", headers=net.office))
        assert app["status"] == "withdrawn"
        history = ok(
            await offers.get(f"/applications/{withdrawn.app['id']}/history", headers=net.office)
        )["items"]
        assert history[-1]["reason"] == "Projekt entfällt"

        fund = ok(await offers.get(f"/funds/{net.fund['id']}", headers=net.office))
        assert fund["approved_cents"] == 100_000


async def test_a_youth_fund_decided_by_a_youth_jury(suite: Suite):
    net = await set_up_network(suite, committee_kind="youth_jury", fund_kind="youth_fund")
    flow = Flow(net)
    async with suite.client("offers") as offers, suite.client("meetings") as meetings:
        await flow.draft_and_submit(offers)
        await flow.wait_for_agenda_item(meetings)
        await flow.decide(meetings, "approved", approved_cents=50_000, conditions=None)
        app = await flow.wait_for_status(offers, "approved")
        assert app["approved_cents"] == 50_000
