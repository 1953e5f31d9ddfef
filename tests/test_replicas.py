"""Two replicas of offers and of meetings on the same databases (issue 18, "Scale out"): they
share the outbox relay's claims and one durable consumer each, while submissions and decisions
arrive through both and nats-server is killed and restarted twice. Every application gets one
agenda item and one approval, the fund's money is committed once, and every event is in its
stream once (counted per event id and per application)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from contextlib import AsyncExitStack
from typing import Any

import asyncpg
import nats
import pytest
from e2e.flow import Flow, ok, set_up_network
from suite_support import Suite, module_nats, replica, replica_client  # noqa: F401
from suite_support import module_suite as suite  # noqa: F401

from schulerfolg_dev.testing.servers import NatsServer

FLOWS = 10


async def stream_events(nats_url: str, stream: str) -> list[dict[str, Any]]:
    """Every message of ``stream``: its ``Nats-Msg-Id`` and the CloudEvent it carries."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        state = (await js.stream_info(stream)).state
        messages = []
        for seq in range(state.first_seq, state.last_seq + 1):
            raw = await js.get_msg(stream, seq)
            messages.append(
                {"msg_id": (raw.headers or {}).get("Nats-Msg-Id"), **json.loads(raw.data)}
            )
        return messages
    finally:
        await nc.close()


async def outbox_rows(database_url: str) -> tuple[int, int]:
    """All outbox rows of a service's database and how many of them are still unsent."""
    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        total = await connection.fetchval("SELECT count(*) FROM outbox")
        unsent = await connection.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    finally:
        await connection.close()
    return int(total), int(unsent)


async def kill_nats(module_nats: NatsServer) -> None:  # noqa: F811
    module_nats.kill()
    await asyncio.sleep(1.5)
    module_nats.start()


@pytest.mark.slow
async def test_two_replicas_of_offers_and_meetings_never_double_an_effect(
    suite: Suite,  # noqa: F811
    module_nats: NatsServer,  # noqa: F811
    tmp_path,
):
    net = await set_up_network(suite, schools=FLOWS)
    flows = [Flow(net, school=i) for i in range(FLOWS)]
    half = FLOWS // 2
    async with AsyncExitStack() as stack:
        offers_b = stack.enter_context(replica(suite, "offers", tmp_path / "b"))
        meetings_b = stack.enter_context(replica(suite, "meetings", tmp_path / "b"))
        offers = [
            await stack.enter_async_context(suite.client("offers")),
            await stack.enter_async_context(replica_client(offers_b)),
        ]
        meetings = [
            await stack.enter_async_context(suite.client("meetings")),
            await stack.enter_async_context(replica_client(meetings_b)),
        ]

        # Submissions through both offers replicas, nats-server killed in the middle.
        await asyncio.gather(
            *(f.draft_and_submit(offers[i % 2]) for i, f in enumerate(flows[:half]))
        )
        await kill_nats(module_nats)
        await asyncio.gather(
            *(f.draft_and_submit(offers[i % 2]) for i, f in enumerate(flows[half:]))
        )
        await asyncio.gather(
            *(f.wait_for_agenda_item(meetings[i % 2]) for i, f in enumerate(flows))
        )

        # Decisions through both meetings replicas, nats-server killed again in the middle.
        for i, flow in enumerate(flows[:half]):
            await flow.decide(meetings[i % 2])
        await kill_nats(module_nats)
        for i, flow in enumerate(flows[half:]):
            await flow.decide(meetings[i % 2])
        await asyncio.gather(
            *(f.wait_for_status(offers[i % 2], "approved") for i, f in enumerate(flows))
        )
        await asyncio.sleep(2)  # anything done twice would show by now

        fund = ok(await offers[1].get(f"/funds/{net.fund['id']}", headers=net.office))
        assert fund["approved_cents"] == 140_000 * FLOWS  # the money committed once per flow
        agenda = ok(
            await meetings[1].get(f"/meetings/{net.session['id']}/agenda", headers=net.office)
        )
        on_agenda = Counter(i["application_id"] for i in agenda["items"] if i.get("application_id"))
        assert on_agenda == Counter(f.app["id"] for f in flows)  # one agenda item each

    databases = {
        name: live.env[f"{name.upper()}_DATABASE_URL"] for name, live in suite.services.items()
    }
    for service, stream in (("offers", "OFFERS"), ("meetings", "MEETINGS")):
        total, unsent = await outbox_rows(databases[service])
        assert unsent == 0
        messages = await stream_events(suite.nats_url, stream)
        per_id = Counter(m["msg_id"] for m in messages)
        assert max(per_id.values()) == 1, f"{stream}: an event is in the stream twice"
        assert len(per_id) == total, f"{stream}: not every outbox row is in the stream once"
    offers_events = await stream_events(suite.nats_url, "OFFERS")
    for kind in ("application.submitted", "application.approved"):
        per_application = Counter(
            m["subject"] for m in offers_events if m["type"].endswith(f".{kind}.v1")
        )
        ours = {f"applications/{f.app['id']}" for f in flows}
        assert {s: n for s, n in per_application.items() if s in ours} == dict.fromkeys(ours, 1), (
            kind
        )
    decisions = Counter(
        m["data"]["application_id"]
        for m in await stream_events(suite.nats_url, "MEETINGS")
        if m["type"].endswith(".decision.recorded.v1")
    )
    assert {a: decisions[a] for a in (f.app["id"] for f in flows)} == {
        f.app["id"]: 1 for f in flows
    }  # one decision per application in the stream
