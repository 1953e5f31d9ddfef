"""Offers runs alone: without the registry's or meetings' streams it is ready and serves;
its consumers wait and start when the streams appear."""

from __future__ import annotations

from pathlib import Path

from offers_support import school_event, start_offers

from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import publish_events


async def test_ready_alone_and_consumers_start_when_their_streams_appear(
    new_database, nats_server, tmp_path: Path
):
    url = await new_database("sqlite")
    async with start_offers(url, nats_server.url, tmp_path / "auth") as offers:

        async def ready():
            response = await offers.client.get("/readyz")
            return response if response.status_code == 200 else None

        response = await eventually(ready)
        # offers-documents reads offers' own stream, which offers declares as it starts: it may
        # already run at the first look
        waiting = response.json()["consumers_waiting"]
        assert [name for name in waiting if name != "offers-documents"] == [
            "offers-committee-decisions",
            "offers-erasure-requests",
            "offers-meetings-committees",
            "offers-meetings-sessions",
            "offers-registry-directory",
        ]
        await publish_events(nats_server.url, [school_event("boerde")])

        async def registry_consumer_started():
            body = (await offers.client.get("/readyz")).json()
            return body["consumers_waiting"] == [
                "offers-committee-decisions",
                "offers-meetings-committees",
                "offers-meetings-sessions",
            ]

        await eventually(registry_consumer_started, timeout=20)
