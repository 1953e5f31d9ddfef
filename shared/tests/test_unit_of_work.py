"""One request, one transaction: the change and its event commit together, or neither does."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from platform_support import STREAM, ThingHappened, make_schema, stream_messages
from sqlalchemy import func, insert, select

from schulerfolg.app import ServiceDefinition, SessionDep, create_app
from schulerfolg.http.problems import Conflict
from schulerfolg.settings import ServiceSettings
from schulerfolg_dev.testing.plugin import eventually, running


def build(url: str, nats_url: str, tmp_path):
    metadata, effects, outbox = make_schema()
    router = APIRouter()

    @router.post("/things/{thing_id}", status_code=201)
    async def create_thing(thing_id: str, session: SessionDep, fail: bool = False) -> dict:
        await session.execute(insert(effects).values(event_id="-", thing_id=thing_id, value=1))
        await outbox.append(
            session, ThingHappened(thing_id=thing_id, value=1), entity_id=thing_id, region="boerde"
        )
        if fail:
            raise Conflict("the thing conflicts with another", rule="thing-conflict")
        return {"id": thing_id}

    definition = ServiceDefinition(
        name="testsvc",
        title="t",
        description="t",
        metadata=metadata,
        outbox=outbox,
        migrations=None,
        routers=[router],
    )
    app = create_app(
        definition, ServiceSettings(database_url=url, nats_url=nats_url, outbox_poll_interval=0.2)
    )
    return app, metadata, effects


async def test_a_failed_request_leaves_neither_the_change_nor_its_event(
    db_kind, new_database, nats_server, tmp_path
):
    url = await new_database(db_kind)
    app, metadata, effects = build(url, nats_server.url, tmp_path)
    runtime = app.state.runtime
    async with runtime.db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    async with running(app) as client:
        await eventually(lambda: asyncio.sleep(0, runtime.messaging.started.is_set()))
        failed = await client.post("/api/v1/things/a", params={"fail": "true"})
        ok = await client.post("/api/v1/things/b")

        assert failed.status_code == 409
        assert failed.json()["type"].endswith("/thing-conflict")
        assert ok.status_code == 201
        async with runtime.db.sessions() as session:
            things = (await session.execute(select(effects.c.thing_id))).scalars().all()
            events = await session.scalar(select(func.count()).select_from(runtime.tables.outbox))
        assert things == ["b"] and events == 1

        async def published():
            return await stream_messages(nats_server.url, STREAM) == 1

        await eventually(published)


async def test_an_oversized_tracestate_from_a_client_never_fails_the_write(
    db_kind, new_database, nats_server, tmp_path
):
    url = await new_database(db_kind)
    app, metadata, effects = build(url, nats_server.url, tmp_path)
    runtime = app.state.runtime
    async with runtime.db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    headers = {
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "tracestate": ",".join(f"vendor{i}=" + "x" * 40 for i in range(20)),  # ~900 characters
    }
    async with running(app) as client:
        response = await client.post("/api/v1/things/t", headers=headers)
    assert response.status_code == 201
    async with runtime.db.sessions() as session:
        row = (await session.execute(select(runtime.tables.outbox))).one()
    assert row.traceparent.startswith("00-0af7651916cd43dd8448eb211c80319c-")
    assert row.tracestate is None
