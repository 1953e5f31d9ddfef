"""A small HTTP/1.1 load generator: keep-alive connections from asyncio streams, no client
library in the way, so the client costs little CPU next to the servers it measures.

Used the same way for the bare ceiling and for the services, so the ratios between them are fair.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


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
