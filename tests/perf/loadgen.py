"""A small HTTP/1.1 load generator: keep-alive connections from asyncio streams, no client
library in the way, so the client costs little CPU next to the servers it measures.

Used the same way for the bare ceiling and for the services, so the ratios between them are fair.
``open_loop``/``ramp`` start whole jobs (flows) at a fixed rate, rising until saturation.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Request:
    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self, host: str) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}"]
        headers = {"Content-Length": str(len(self.body)), **self.headers}
        if self.body and "Content-Type" not in headers:
            headers["Content-Type"] = "application/json"
        lines += [f"{k}: {v}" for k, v in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of ``values``; NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies: list[float]
    statuses: dict[int, int]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        return percentile(self.latencies, p)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            body += await reader.readexactly(size + 2)
        return status, body
    return status, await reader.readexactly(length) if length else b""


async def run_load(
    host: str,
    port: int,
    next_request: Callable[[int], Request],
    *,
    concurrency: int,
    duration: float | None = None,
    total: int | None = None,
) -> LoadResult:
    """Send requests from ``concurrency`` keep-alive connections for ``duration`` seconds (or
    until ``total`` requests); ``next_request(i)`` makes the i-th request."""
    counter = 0
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    start = time.perf_counter()
    deadline = start + duration if duration else None

    def more() -> int | None:
        nonlocal counter
        if total is not None and counter >= total:
            return None
        if deadline is not None and time.perf_counter() >= deadline:
            return None
        counter += 1
        return counter - 1

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while (i := more()) is not None:
                data = next_request(i).encode(f"{host}:{port}")
                began = time.perf_counter()
                writer.write(data)
                status, _ = await _read_response(reader)
                latencies.append(time.perf_counter() - began)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return LoadResult(len(latencies), time.perf_counter() - start, latencies, statuses)


@dataclass
class Step:
    """One rate of an open-loop run: ``started`` jobs were started at ``rate`` per second over
    ``seconds``; ``latencies`` of those that finished (in start order), ``failed`` the others."""

    rate: float
    seconds: float
    started: int
    latencies: list[float]
    failed: int
    finished_at: list[float] = field(default_factory=list)

    @property
    def completed(self) -> int:
        return len(self.latencies)

    @property
    def achieved(self) -> float:
        """Jobs finished per second, from the first job's end to the last's (plus one start
        interval): the rate when the system keeps up, less when the ends spread out."""
        if not self.finished_at:
            return 0.0
        return self.completed / (max(self.finished_at) - min(self.finished_at) + 1 / self.rate)

    @property
    def saturated(self) -> bool:
        """Some did not finish, fewer than 90 % of the rate finished per second, or the jobs of
        the last quarter took over 3× (+ 0.1 s) those of the first (a queue building up)."""
        if self.failed or not self.latencies:
            return True
        quarter = max(1, len(self.latencies) // 4)
        first = percentile(self.latencies[:quarter], 50)
        last = percentile(self.latencies[-quarter:], 50)
        return self.achieved < 0.9 * self.rate or last > 3 * first + 0.1


async def open_loop(
    job: Callable[[int], Awaitable[Any]], *, rate: float, seconds: float, drain: float
) -> Step:
    """Start ``job(i)`` at ``rate`` per second for ``seconds`` whether or not earlier ones have
    finished (open loop: the load does not slow down when the system does), then wait up to
    ``drain`` seconds for the last; jobs still running then are cancelled and count as failed."""
    count = max(1, int(rate * seconds))
    finished: dict[int, float] = {}
    ends: list[float] = []

    async def timed(i: int) -> None:
        began = time.perf_counter()
        await job(i)
        ends.append(time.perf_counter())
        finished[i] = ends[-1] - began

    start = time.perf_counter()
    tasks = []
    for i in range(count):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(timed(i)))
    done, pending = await asyncio.wait(tasks, timeout=drain)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    failed = len(pending) + sum(1 for t in done if t.exception() is not None)
    latencies = [finished[i] for i in sorted(finished)]
    return Step(rate, count / rate, count, latencies, failed, ends)


async def ramp(
    job: Callable[[int], Awaitable[Any]],
    rates: list[float],
    *,
    seconds: float,
    drain: float,
    label: str,
) -> list[Step]:
    """``open_loop`` at each rate in turn until one saturates (that one is the last); prints a
    line per rate. ``job`` numbers continue across the rates."""
    steps: list[Step] = []
    offset = 0
    for rate in rates:

        def numbered(i: int, base: int = offset) -> Awaitable[Any]:
            return job(base + i)

        step = await open_loop(numbered, rate=rate, seconds=seconds, drain=drain)
        offset += step.started
        steps.append(step)
        print(
            f"  {label}: {rate:7.1f}/s offered → {step.achieved:7.1f}/s done, "
            f"{step.completed}/{step.started} finished, p50 {percentile(step.latencies, 50) * 1000:8.1f} ms, "
            f"p99 {percentile(step.latencies, 99) * 1000:8.1f} ms{'  (saturated)' if step.saturated else ''}",
            flush=True,
        )
        if step.saturated:
            break
    return steps
