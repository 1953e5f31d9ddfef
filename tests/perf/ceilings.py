"""The bare ceilings the suite is measured against: what the same stack does with nothing of
ours in the way.

- JetStream with nats-py: publish (awaiting each ack, and pipelined) → pull-consume with ack, and
  the publish → consume latency of single messages at a low rate.
- A bare FastStream consumer doing one SQLModel insert per message (durable pull consumer,
  explicit ack), as a service consumer does — minus the inbox, envelope and tracing.
- The bare prototype flow: ``bare_app``'s ``POST /flows`` (insert + outbox row, published to
  JetStream) and its consumer's insert, under the open-loop ramp the suite's flows get.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import nats
from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from loadgen import Step, percentile
from nats.js import api
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel import Field, SQLModel


@dataclass
class NatsCeiling:
    publish_sequential_per_s: float
    publish_pipelined_per_s: float
    consume_per_s: float
    latency_p50_ms: float
    latency_p99_ms: float


async def nats_ceiling(url: str, messages: int, latency_samples: int = 300) -> NatsCeiling:
    """Publish and consume ``messages`` 200-byte messages on a fresh file-storage stream."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    stream = f"BENCH_{uuid.uuid4().hex[:8].upper()}"
    subject = f"bench.{stream.lower()}"
    await js.add_stream(
        api.StreamConfig(name=stream, subjects=[f"{subject}.>"], storage=api.StorageType.FILE)
    )
    body = b"x" * 200
    try:
        start = time.perf_counter()
        for i in range(messages // 2):
            await js.publish(f"{subject}.a", body, headers={"Nats-Msg-Id": f"s{i}"})
        sequential = (messages // 2) / (time.perf_counter() - start)

        start = time.perf_counter()
        batch = 200
        for offset in range(0, messages - messages // 2, batch):
            size = min(batch, messages - messages // 2 - offset)
            await asyncio.gather(
                *(
                    js.publish(f"{subject}.b", body, headers={"Nats-Msg-Id": f"p{offset + i}"})
                    for i in range(size)
                )
            )
        pipelined = (messages - messages // 2) / (time.perf_counter() - start)

        sub = await js.pull_subscribe(f"{subject}.>", durable="bench-consume", stream=stream)
        start = time.perf_counter()
        received = 0
        while received < messages:
            for msg in await sub.fetch(200, timeout=5):
                await msg.ack()
                received += 1
        consume = messages / (time.perf_counter() - start)

        latencies = []
        live = await js.pull_subscribe(
            f"{subject}.lat",
            durable="bench-latency",
            stream=stream,
            config=api.ConsumerConfig(deliver_policy=api.DeliverPolicy.NEW),
        )
        for i in range(latency_samples):
            fetching = asyncio.create_task(live.fetch(1, timeout=5))
            await asyncio.sleep(0.002)
            began = time.perf_counter()
            await js.publish(f"{subject}.lat", body, headers={"Nats-Msg-Id": f"l{i}"})
            (msg,) = await fetching
            latencies.append(time.perf_counter() - began)
            await msg.ack()
    finally:
        await js.delete_stream(stream)
        await nc.close()
    return NatsCeiling(
        sequential,
        pipelined,
        consume,
        percentile(latencies, 50) * 1000,
        percentile(latencies, 99) * 1000,
    )


class BenchRow(SQLModel, table=True):
    __tablename__ = "bench_rows"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    subject: str = Field(max_length=255)
    body: str


async def faststream_consumer_ceiling(url: str, database_url: str, messages: int) -> float:
    """Messages per second a bare FastStream pull consumer drains, one insert each."""
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all, tables=[BenchRow.__table__])
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    stream = f"BENCHC_{uuid.uuid4().hex[:8].upper()}"
    subject = f"benchc.{stream.lower()}"
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(
        api.StreamConfig(name=stream, subjects=[f"{subject}.>"], storage=api.StorageType.FILE)
    )
    body = b'{"specversion":"1.0","data":{"name":"Sekundarschule am Park"}}'
    for offset in range(0, messages, 200):
        await asyncio.gather(
            *(js.publish(f"{subject}.x", body) for _ in range(min(200, messages - offset)))
        )
    done = asyncio.Event()
    count = 0

    broker = NatsBroker(url, log_level=0)
    subscriber = broker.subscriber(
        f"{subject}.>",
        stream=JStream(stream, declare=False),
        durable="bench-consumer",
        pull_sub=PullSub(batch_size=1, timeout=1),
        ack_policy=AckPolicy.MANUAL,
    )

    @subscriber
    async def handle(msg: NatsMessage) -> None:
        nonlocal count
        raw = msg.raw_message
        async with sessions() as session:
            session.add(BenchRow(subject=raw.subject, body=raw.data.decode()))
            await session.commit()
        await msg.ack()
        count += 1
        if count >= messages:
            done.set()

    start = time.perf_counter()
    await broker.start()
    await asyncio.wait_for(done.wait(), timeout=600)
    rate = messages / (time.perf_counter() - start)
    await broker.stop()
    await js.delete_stream(stream)
    await nc.close()
    await engine.dispose()
    return rate


async def bare_flow_ceiling(
    base_url: str, database_url: str, rates: list[float], *, seconds: float, drain: float
) -> tuple[list[Step], dict[float, list[float]]]:
    """The bare prototype flow (``bare_app`` ``POST /flows``: insert + outbox → JetStream →
    consumer → insert) under the same open-loop ramp as the suite's flows: the steps, and per
    rate the milliseconds from the item's commit to the consumer's insert."""
    import asyncpg
    import httpx
    from flows import Watcher
    from loadgen import ramp

    watcher = Watcher()
    hop: dict[str, float] = {}
    db = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    stop = asyncio.Event()

    async def poll() -> None:
        last = 0.0
        while not stop.is_set():
            rows = await db.fetch(
                "SELECT c.id::text AS id, extract(epoch FROM c.created_at) AS at,"
                " extract(epoch FROM c.created_at - i.created_at) * 1000 AS ms"
                " FROM bare_consumed c JOIN bare_flow_items i USING (id)"
                " WHERE extract(epoch FROM c.created_at) > $1 ORDER BY c.created_at",
                last,
            )
            for row in rows:
                last = max(last, float(row["at"]))
                hop[row["id"]] = float(row["ms"])
                watcher.seen(row["id"], "consumed", datetime.now(UTC))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.02)

    ids: dict[int, str] = {}
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    poller = asyncio.create_task(poll())
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as client:

            async def flow(i: int) -> None:
                response = await client.post("/flows", json={"name": f"Träger {i}", "kind": "x"})
                assert response.status_code == 201, response.text
                ids[i] = item = response.json()["id"]
                await watcher.wait(item, "consumed")

            steps = await ramp(flow, rates, seconds=seconds, drain=drain, label="bare flow")
    finally:
        stop.set()
        await poller
        await db.close()
    per_rate, first = {}, 0
    for step in steps:
        items = [ids[i] for i in range(first, first + step.started) if i in ids]
        per_rate[step.rate] = [hop[item] for item in items if item in hop]
        first += step.started
    return steps, per_rate
