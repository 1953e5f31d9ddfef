"""Idempotency-Key on a creating POST, on SQLite and PostgreSQL, with concurrent retries."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import Column, MetaData, String, Table, func, insert, select

from schulerfolg.db import Database, make_metadata
from schulerfolg.http.idempotency import Created, IdempotencyDep, run_idempotent
from schulerfolg.http.problems import install_problem_handlers
from schulerfolg.tables import platform_tables


class NoteIn(BaseModel):
    text: str


def build(db: Database, metadata: MetaData) -> tuple[FastAPI, Table]:
    notes = Table(
        "notes", metadata, Column("id", String(36), primary_key=True), Column("text", String(200))
    )
    tables = platform_tables(metadata)
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/notes", status_code=201)
    async def create_note(body: NoteIn, key: IdempotencyDep):
        async with db.transaction() as session:

            async def create() -> Created:
                note_id = str(uuid.uuid4())
                await session.execute(insert(notes).values(id=note_id, text=body.text))
                await asyncio.sleep(0.05)  # a slow creation invites concurrent retries
                return Created(
                    {"id": note_id, "text": body.text}, headers={"Location": f"/notes/{note_id}"}
                )

            return await run_idempotent(session, tables, key, body, create)

    return app, notes


@pytest.fixture
async def api(db_kind, new_database) -> AsyncIterator[tuple[httpx.AsyncClient, Database, Table]]:
    metadata = make_metadata()
    db = Database(await new_database(db_kind))
    app, notes = build(db, metadata)
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        yield client, db, notes
    await db.dispose()


async def count(db: Database, table: Table) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)))


async def test_a_retry_with_the_same_key_returns_the_first_result_and_creates_nothing(api):
    client, db, notes = api
    headers = {"Idempotency-Key": "k-1"}
    first = await client.post("/notes", json={"text": "hallo"}, headers=headers)
    retry = await client.post("/notes", json={"text": "hallo"}, headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["location"] == first.headers["location"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert await count(db, notes) == 1


async def test_concurrent_retries_with_one_key_create_one_resource(api):
    client, db, notes = api
    headers = {"Idempotency-Key": "k-concurrent"}
    responses = await asyncio.gather(
        *(client.post("/notes", json={"text": "x"}, headers=headers) for _ in range(8))
    )

    assert {r.status_code for r in responses} <= {201, 409}
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1
    assert await count(db, notes) == 1


async def test_without_a_key_each_post_creates(api):
    client, db, notes = api
    await client.post("/notes", json={"text": "a"})
    await client.post("/notes", json={"text": "a"})
    assert await count(db, notes) == 2


async def test_a_key_reused_for_another_body_is_a_422_problem(api):
    client, db, notes = api
    await client.post("/notes", json={"text": "a"}, headers={"Idempotency-Key": "k-2"})
    reused = await client.post("/notes", json={"text": "b"}, headers={"Idempotency-Key": "k-2"})

    assert reused.status_code == 422
    assert reused.headers["content-type"] == "application/problem+json"
    assert reused.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await count(db, notes) == 1


async def test_an_unusable_key_is_a_422_problem(api):
    client, db, notes = api
    response = await client.post(
        "/notes", json={"text": "a"}, headers={"Idempotency-Key": "x" * 300}
    )
    assert response.status_code == 422
    assert await count(db, notes) == 0
