"""Faults in the middle of many flows: nats-server killed and restarted twice, the consumer
service notifications SIGKILLed and restarted, and the producer offers crashing right after a
commit (before publishing) and right after a publish (before marking it sent). Every flow
completes, and nothing happens twice: e-mails are counted at the SMTP server, inbox entries,
agenda items and the fund's money through the APIs."""

from __future__ import annotations

import asyncio
import os

import httpx
import pytest
from e2e.flow import Flow, ok, set_up_network
from suite_support import Suite

from schulerfolg_dev.testing.servers import NatsServer

FLOWS = int(os.environ.get("SCHULERFOLG_FAULT_FLOWS", "8"))


async def _crash_on(suite: Suite, service: str, failpoint: str, trigger) -> None:
    """Restart ``service`` with ``failpoint`` set to exit, run ``trigger`` (which commits an
    event), wait for the crash, and start the service again without the failpoint.

    The relay is woken by the commit and publishes at once, so the process may die before the
    triggering request's answer is written: a dropped connection there is part of the crash
    (what was committed is checked afterwards by the flows)."""
    live = suite.services[service]
    live.stop()
    live.env["SCHULERFOLG_FAILPOINTS"] = f"{failpoint}=exit"
    live.start()
    try:
        await trigger()
    except httpx.TransportError:
        pass
    await asyncio.to_thread(live.process.wait, 60)
    assert live.process.returncode == 70, f"{service} did not crash at {failpoint}"
    del live.env["SCHULERFOLG_FAILPOINTS"]
    live.start()


@pytest.mark.slow
async def test_every_flow_completes_once_through_broker_and_service_crashes(
    suite: Suite, module_nats: NatsServer
):
    net = await set_up_network(suite, schools=FLOWS)
    flows = [Flow(net, school=i) for i in range(FLOWS)]
    half = FLOWS // 2
    # no kept-alive connections: offers is restarted in between, and a request on a connection
    # to the process that died would fail instead of reaching the new one
    fresh = httpx.Limits(max_keepalive_connections=0)
    async with (
        suite.client("offers", limits=fresh) as offers,
        suite.client("meetings") as meetings,
    ):
        await asyncio.gather(*(f.draft_and_submit(offers) for f in flows[: half - 2]))

        module_nats.kill()  # 1st broker crash, while the submissions travel
        await asyncio.sleep(1.5)
        module_nats.start()
        await asyncio.gather(*(f.wait_for_agenda_item(meetings) for f in flows[: half - 2]))

        # the producer dies after committing, before publishing; then after publishing,
        # before marking the row sent (so it publishes again: JetStream and the inbox dedup).
        # Drafted first: the crash is meant for the submission (a crash on a draft's event would
        # drop the draft's answer, and the flow would not know its application)
        await asyncio.gather(flows[half - 2].draft(offers), flows[half - 1].draft(offers))
        await _crash_on(
            suite, "offers", "outbox.before_publish", lambda: flows[half - 2].submit(offers)
        )
        await _crash_on(
            suite, "offers", "outbox.after_publish", lambda: flows[half - 1].submit(offers)
        )
        await asyncio.gather(*(f.wait_for_agenda_item(meetings) for f in flows[half - 2 : half]))

        suite.services["notifications"].kill()  # the consumer dies while decisions are taken
        for flow in flows[:half]:
            await flow.decide(meetings)
        await asyncio.sleep(1)
        suite.services["notifications"].start()

        await asyncio.gather(*(f.draft_and_submit(offers) for f in flows[half:]))
        module_nats.kill()  # 2nd broker crash
        await asyncio.sleep(1.5)
        module_nats.start()
        await asyncio.gather(*(f.wait_for_agenda_item(meetings) for f in flows[half:]))
        for flow in flows[half:]:
            await flow.decide(meetings)
        await asyncio.gather(*(f.wait_for_status(offers, "approved") for f in flows))

        fund = ok(await offers.get(f"/funds/{net.fund['id']}", headers=net.office))
        assert fund["approved_cents"] == 140_000 * FLOWS
        agenda = ok(await meetings.get(f"/meetings/{net.session['id']}/agenda", headers=net.office))
        per_application = [i["application_id"] for i in agenda["items"] if i.get("application_id")]
        assert sorted(per_application) == sorted(f.app["id"] for f in flows)

    async with suite.client("notifications") as notifications:
        await asyncio.gather(*(f.wait_for_inbox(notifications, "approved") for f in flows))
        await asyncio.sleep(2)  # anything sent twice would arrive by now
        for flow in flows:
            subjects = [m["Subject"] for m in suite.mail.to(flow.contact_email)]
            approved = [s for s in subjects if "bewilligt" in s.lower()]
            submitted = [
                s for s in subjects if "eingereicht" in s.lower() or "eingegangen" in s.lower()
            ]
            assert len(approved) == 1, subjects
            assert len(submitted) == 1, subjects
            headers = suite.auth(
                "school", sub=f"contact-{flow.contact_email}", email=flow.contact_email
            )
            inbox = ok(await notifications.get("/inbox", headers=headers))["items"]
            kinds = sorted(n["kind"] for n in inbox)
            assert len(kinds) == len(set(kinds)), kinds  # one entry per event, never two
