"""The bare ceilings for write endpoints and for a whole flow, as one prototype app:
``uvicorn bare_app:app`` with ``BARE_DATABASE_URL`` (and ``BARE_NATS_URL`` for the flow).

- ``POST /items``: FastAPI, one SQLModel insert into PostgreSQL, nothing else (no auth, no
  outbox, no events).
- ``POST /flows``: the prototype of one hop — the insert and an outbox row in one transaction,
  then published to JetStream (the ack awaited) and the outbox row marked; a FastStream durable
  pull consumer in the same process inserts one row per message into ``bare_consumed`` (the
  effect, stamped with the database's clock, as is the item).
"""

from __future__ import annotations

import os
import uuid
from contextlib import asynccontextmanager
from datetime import datetime

import nats
from fastapi import FastAPI
from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from nats.js import api
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, func, update
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel import Field, SQLModel

STREAM, SUBJECT = "BAREFLOW", "bareflow.items"


def _stamp() -> Column[datetime]:
    return Column(DateTime(timezone=True), server_default=func.clock_timestamp(), nullable=False)


class Item(SQLModel, table=True):
    __tablename__ = "bare_items"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=300)
    kind: str = Field(max_length=32)


class FlowItem(SQLModel, table=True):
    __tablename__ = "bare_flow_items"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=300)
    created_at: datetime | None = Field(default=None, sa_column=_stamp())


class Outbox(SQLModel, table=True):
    __tablename__ = "bare_outbox"

    id: uuid.UUID = Field(primary_key=True)
    subject: str = Field(max_length=255)
    body: str
    published: bool = False


class Consumed(SQLModel, table=True):
    __tablename__ = "bare_consumed"

    id: uuid.UUID = Field(primary_key=True)
    created_at: datetime | None = Field(default=None, sa_column=_stamp())


class ItemIn(BaseModel):
    name: str
    kind: str


engine = create_async_engine(os.environ["BARE_DATABASE_URL"], pool_size=10)
sessions = async_sessionmaker(engine, expire_on_commit=False)
NATS_URL = os.environ.get("BARE_NATS_URL")
broker = NatsBroker(NATS_URL or "nats://127.0.0.1:4222", log_level=0)
jetstream: list[nats.js.JetStreamContext] = []


@broker.subscriber(
    f"{SUBJECT}.>",
    stream=JStream(STREAM, declare=False),
    durable="bare-flow",
    pull_sub=PullSub(batch_size=1, timeout=1),
    ack_policy=AckPolicy.MANUAL,
)
async def consume(msg: NatsMessage) -> None:
    async with sessions() as session:
        session.add(Consumed(id=uuid.UUID(msg.raw_message.data.decode())))
        await session.commit()
    await msg.ack()


@asynccontextmanager
async def lifespan(app: FastAPI):
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    if NATS_URL is None:
        yield
        await engine.dispose()
        return
    nc = await nats.connect(NATS_URL)
    js = nc.jetstream()
    await js.add_stream(
        api.StreamConfig(name=STREAM, subjects=[f"{SUBJECT}.>"], storage=api.StorageType.FILE)
    )
    jetstream.append(js)
    await broker.start()
    yield
    await broker.stop()
    await nc.close()
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.post("/items", status_code=201)
async def create_item(data: ItemIn) -> Item:
    async with sessions() as session:
        item = Item(name=data.name, kind=data.kind)
        session.add(item)
        await session.commit()
        return item


@app.post("/flows", status_code=201)
async def start_flow(data: ItemIn) -> dict[str, str]:
    item = FlowItem(name=data.name)
    async with sessions() as session:
        session.add(item)
        session.add(Outbox(id=item.id, subject=f"{SUBJECT}.x", body=str(item.id)))
        await session.commit()
    await jetstream[0].publish(
        f"{SUBJECT}.x", str(item.id).encode(), headers={"Nats-Msg-Id": str(item.id)}
    )
    async with sessions() as session:
        await session.execute(update(Outbox).where(Outbox.id == item.id).values(published=True))  # type: ignore[arg-type]
        await session.commit()
    return {"id": str(item.id)}
