"""The in-app inbox: own notifications only, newest first, unread count, mark read, a live
stream (Server-Sent Events); and the dead letters for admins."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import nats
import uvicorn
from notifications_support import application_fields, inbox, o, publish

from schulerfolg.http.pagination import encode_cursor
from schulerfolg_dev.processes import free_port
from schulerfolg_dev.testing.plugin import eventually

CONTACT = "joerg.weiss@schule.test"


async def test_the_inbox_lists_reads_and_counts_only_the_callers_notifications(
    notifications, nats_url
):
    client = notifications.client
    me = notifications.auth("school", sub="sub-joerg", email="Joerg.Weiss@schule.test")
    stranger = notifications.auth("school", sub="sub-other", email="other@schule.test")
    events = [o.ApplicationSubmitted(**application_fields(title=f"Antrag {i}")) for i in range(3)]
    for event in events:  # one after the other, so the order is known
        await publish(nats_url, event)
        await eventually(lambda e=event: _seen(notifications, me, e.id))

    first = await client.get("/api/v1/inbox", params={"limit": 2}, headers=me)
    assert first.status_code == 200
    page = first.json()
    assert [i["link"] for i in page["items"]] == [
        f"/applications/{events[2].id}",
        f"/applications/{events[1].id}",
    ]
    rest = await inbox(notifications, me, limit=2, cursor=page["next_cursor"])
    assert [i["link"] for i in rest] == [f"/applications/{events[0].id}"]
    assert await inbox(notifications, stranger) == []

    count = await client.get("/api/v1/inbox/unread-count", headers=me)
    assert count.json() == {"unread": 3}
    oldest = rest[0]["id"]
    assert (await client.post(f"/api/v1/inbox/{oldest}/read", headers=stranger)).status_code == 404
    read = await client.post(f"/api/v1/inbox/{oldest}/read", headers=me)
    assert read.status_code == 200 and read.json()["read"] is True
    assert read.headers["ETag"] == '"2"'
    assert [i["id"] for i in await inbox(notifications, me, unread="false")] == [oldest]
    assert len(await inbox(notifications, me, unread="true")) == 2
    all_read = await client.post("/api/v1/inbox/read-all", headers=me)
    assert all_read.json() == {"marked": 2}
    assert (await client.get("/api/v1/inbox/unread-count", headers=me)).json() == {"unread": 0}

    assert (await client.get("/api/v1/inbox")).status_code == 401
    bad = await client.get("/api/v1/inbox", params={"cursor": "nonsense"}, headers=me)
    assert bad.status_code == 400
    naive = encode_cursor(["2026-01-01", str(uuid.uuid4())])
    bad = await client.get("/api/v1/inbox", params={"cursor": naive}, headers=me)
    assert bad.status_code == 400
    missing = await client.post(f"/api/v1/inbox/{uuid.uuid4()}/read", headers=me)
    assert missing.status_code == 404


async def _seen(service, headers, application_id):
    return any(str(application_id) in i["link"] for i in await inbox(service, headers))


async def test_the_stream_pushes_new_notifications_only(notifications, nats_url):
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            notifications.app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
        )
    )
    serving = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: _started(server))
        me = notifications.auth("school", sub="sub-joerg", email=CONTACT)
        earlier = o.ApplicationSubmitted(**application_fields(title="Schon gesehen"))
        await publish(nats_url, earlier)
        await eventually(lambda: _seen(notifications, me, earlier.id))
        event = o.ApplicationSubmitted(**application_fields(title="Live übertragen"))
        async with (
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
            client.stream("GET", "/api/v1/inbox/stream", headers=me) as response,
        ):
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            lines = response.aiter_lines()
            assert (await anext(lines)).startswith("retry:")
            await publish(nats_url, event)
            received = await asyncio.wait_for(_next_notification(lines), 30)
        assert received["title"] == "Ihr Antrag wurde eingereicht: Live übertragen"
        assert received["link"] == f"/applications/{event.id}"
        assert received["read"] is False
    finally:
        server.should_exit = True
        await serving


async def _started(server) -> bool:
    return server.started


async def _next_notification(lines) -> dict:
    event = None
    async for line in lines:
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event == "notification":
            return json.loads(line.split(":", 1)[1])
    raise AssertionError("the stream ended without a notification")


async def test_events_no_consumer_can_process_show_in_the_dead_letters(notifications, nats_url):
    connection = await nats.connect(nats_url)
    try:
        js = connection.jetstream()
        await js.publish(
            "sfs.boerde.offers.application.submitted",
            b'{"not": "a cloudevent"}',
            stream="OFFERS",
            headers={"Nats-Msg-Id": "broken-1"},
        )
    finally:
        await connection.close()
    admin = notifications.auth("admin")

    async def parked():
        # every consumer of the OFFERS stream parks it once (applications, payments, proof of
        # use); the applications' consumer is the one looked at here
        response = await notifications.client.get("/api/v1/dead-letters", headers=admin)
        items = response.json()["items"]
        return [i for i in items if i["consumer"] == "notifications-offers"]

    (letter,) = await eventually(parked)
    assert letter["consumer"] == "notifications-offers"
    assert letter["event_id"] == "broken-1"
    assert letter["reason"]
    coordinator = notifications.auth("state_coordinator")
    denied = await notifications.client.get("/api/v1/dead-letters", headers=coordinator)
    assert denied.status_code == 403
    page = await notifications.client.get(
        "/api/v1/dead-letters", params={"limit": 1, "cursor": "bm9wZQ"}, headers=admin
    )
    assert page.status_code == 400
