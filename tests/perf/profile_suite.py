"""Where the time goes: py-spy samples of the services while hot paths run (issue 18).

    uv run python tests/perf/profile_suite.py [--seconds 20] [--flows 40] [--out profiles/]
        [--admin-url postgresql://postgres@127.0.0.1/postgres]

Starts the suite as ``bench.py`` does (own nats-server, PostgreSQL, the four services as
processes) and, while ``py-spy record --nonblocking --function --format raw`` samples the service
processes at 200 Hz, drives three phases:

1. ``writes-registry`` — ``POST /organizations`` from 32 keep-alive clients (registry sampled).
2. ``writes-offers`` — create, consultation and submit of applications from 8 clients at a time
   (offers and meetings sampled: meetings consumes ``submitted`` and appends agenda items).
3. ``hop`` — decisions recorded in meetings (its relay publishes ``decision.recorded``), offers
   consuming them and approving (meetings and offers sampled) until every application is approved.

For each profile it prints the share of samples per component (the nearest library frame from the
leaf, so the shares add up to 100 % of the busy samples), how busy the event loop thread was
(its samples against 200 per second; py-spy leaves out idle threads), the share of samples whose stack passes through a component anywhere (inclusive), and the top frames
by own and by cumulative samples. The raw collapsed stacks stay in ``--out`` (speedscope and
flamegraph tools read them). Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
for extra in (HERE, HERE.parent):
    sys.path.insert(0, str(extra))

import httpx  # noqa: E402
from bench import admin_url, org_body  # noqa: E402
from loadgen import Request, run_load  # noqa: E402
from suite_support import Suite, create_databases, drop_databases, running_suite  # noqa: E402

from schulerfolg_dev.testing.servers import NatsServer  # noqa: E402

RATE = 200  # py-spy samples per second

# (component, substrings of a frame "function (file:line)"); the first match from the leaf wins.
COMPONENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("module import on first use", ("<frozen importlib",)),
    (
        "PDF rendering (weasyprint, pydyf, fonts)",
        ("/weasyprint/", "/pydyf/", "/tinycss2/", "/cssselect2/", "documents/render.py"),
    ),
    ("token verification (jwt, cryptography)", ("/jwt/", "/cryptography/", "schulerfolg/auth.py")),
    ("pydantic validation/serialisation", ("/pydantic/", "/pydantic_core/")),
    ("asyncpg driver", ("/asyncpg/",)),
    ("SQLAlchemy ORM (session, flush, loading)", ("/sqlalchemy/orm/", "/sqlmodel/")),
    ("SQLAlchemy Core (compile, cache key, engine)", ("/sqlalchemy/",)),
    ("outbox append and relay (ours)", ("messaging/outbox.py",)),
    ("FastStream/NATS (decode, publish, pull)", ("/faststream/", "/nats/", "messaging/")),
    ("structlog rendering/redaction", ("/structlog/", "observability.py", "/logging/")),
    ("OpenTelemetry and metrics", ("/opentelemetry/", "/prometheus_client/")),
    (
        "HTTP stack (uvicorn, starlette, fastapi, anyio)",
        ("/uvicorn/", "/starlette/", "/fastapi/", "/anyio/", "/h11/"),
    ),
    ("event loop itself (uvloop/asyncio)", ("/asyncio/", "/uvloop/")),
    ("our service code", ("/services/", "/shared/src/")),
)
# inclusive: the share of samples whose stack passes through one of these frames
THROUGH: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("token verification", ("/jwt/", "schulerfolg/auth.py")),
    ("pydantic", ("/pydantic/", "/pydantic_core/")),
    ("SQLAlchemy ORM flush", ("flush (",)),
    ("SQLAlchemy statement compile + cache key", ("compile", "_compiler", "cache_key")),
    ("asyncpg", ("/asyncpg/",)),
    ("outbox (append + relay)", ("messaging/outbox.py",)),
    ("nats publish", ("publish (",)),
    ("FastStream", ("/faststream/",)),
    ("structlog", ("/structlog/",)),
    ("OpenTelemetry/metrics", ("/opentelemetry/", "/prometheus_client/")),
    ("PDF (weasyprint, incl. import)", ("/weasyprint/", "documents/render.py")),
)

# frames every stack passes through (process and thread entry): left out of the cumulative top
ENTRY: tuple[str, ...] = (
    "runpy",
    "__main__.py",
    "uvicorn/main.py",
    "uvicorn/server.py",
    "uvicorn/_compat.py",
)
ENTRY += ("schulerfolg/runner.py", "asyncio/runners.py", "threading.py", "concurrent/futures")


def component(stack: list[str]) -> str:
    for frame in reversed(stack):
        for name, needles in COMPONENTS:
            if any(n in frame for n in needles):
                return name
    return "other (stdlib, interpreter)"


def read_raw(path: Path) -> list[tuple[list[str], int]]:
    """py-spy's collapsed stacks: ``frame;frame;… count`` per line (root first)."""
    stacks = []
    if path.exists():
        for line in path.read_text().splitlines():
            frames, _, count = line.rpartition(" ")
            if frames and count.isdigit():
                stacks.append((frames.split(";"), int(count)))
    return stacks


def summarise(name: str, path: Path, seconds: float, top: int = 10) -> None:
    """Without ``--idle`` py-spy keeps only samples of busy threads: the event loop thread's
    samples (SQLAlchemy's greenlets included, which py-spy shows as stacks of their own) against
    200 per second give its busy share, the rest is its idle wait."""
    stacks = [
        (s, c)
        for s, c in read_raw(path)
        if not s[-1].startswith(("Condition.wait", "Queue.get"))  # parked worker threads
    ]
    total = sum(c for _, c in stacks)
    workers = sum(c for s, c in stacks if s[0].startswith("Thread._bootstrap"))
    loop = 100 * (total - workers) / (RATE * seconds)
    print(f"\n## {name}: {total} busy samples in {seconds:.1f} s ({path.name})", flush=True)
    print(f"event loop thread busy {total - workers} samples = {loop:.0f} % of {RATE}/s")
    print(f"worker threads (to_thread, executors) busy: {workers} samples")
    if not total:
        return
    share, through = Counter[str](), Counter[str]()
    own, cumulative = Counter[str](), Counter[str]()
    for stack, count in stacks:
        share[component(stack)] += count
        own[stack[-1]] += count
        for frame in set(stack) - {f for f in stack if any(e in f for e in ENTRY)}:
            cumulative[frame] += count
        for label, needles in THROUGH:
            if any(n in f for f in stack for n in needles):
                through[label] += count
    for title, counter in (
        ("component (nearest from the leaf)", share),
        ("passes through", through),
    ):
        print(f"### {title}, % of busy samples")
        for label, count in counter.most_common():
            print(f"  {100 * count / total:5.1f}  {label}")
    for title, counter in (("own", own), ("cumulative", cumulative)):
        print(f"### top {top} frames by {title} samples (% of busy samples)")
        for frame, count in counter.most_common(top):
            print(f"  {100 * count / total:5.1f}  {frame[:200]}")


@contextlib.contextmanager
def sampling(suite: Suite, services: tuple[str, ...], out: Path, phase: str) -> Iterator[None]:
    """``py-spy record`` on each service for the duration of the block (stopped with SIGINT,
    which makes py-spy write its file)."""
    recorders = []
    for name in services:
        pid = suite.services[name].pid
        assert pid is not None, f"{name} is not running"
        target = out / f"{phase}-{name}.txt"
        command = ["py-spy", "record", "-p", str(pid), "-r", str(RATE), "--nonblocking"]
        command += ["--function", "--full-filenames", "--format", "raw", "-o", str(target)]
        recorders.append(
            (name, target, subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=sys.stderr))
        )
    time.sleep(1.0)  # py-spy attaches
    began = time.monotonic()
    try:
        yield
    finally:
        seconds = time.monotonic() - began
        for _, _, process in recorders:
            process.send_signal(signal.SIGINT)
        for _, _, process in recorders:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    for name, target, _ in recorders:
        summarise(f"{phase} — {name}", target, seconds)


async def drive(suite: Suite, out: Path, seconds: float, flows: int) -> None:
    from e2e.flow import Flow, set_up_network

    office = suite.auth("network_office", "boerde")["Authorization"]
    with sampling(suite, ("registry",), out, "writes-registry"):
        result = await run_load(
            "127.0.0.1",
            suite.services["registry"].port,
            lambda i: Request(
                "POST", "/api/v1/organizations", body=org_body(i), headers={"Authorization": office}
            ),
            concurrency=32,
            duration=seconds,
        )
    print(f"registry POST /organizations: {result.requests} requests, {result.rate:.1f} req/s")

    net = await set_up_network(suite, schools=flows)
    runs = [Flow(net, school=i) for i in range(flows)]
    gate = asyncio.Semaphore(8)
    async with suite.client("offers") as offers, suite.client("meetings") as meetings:

        async def submit(run: Flow) -> None:
            async with gate:
                for attempt in range(3):  # a keep-alive connection the server just closed
                    try:
                        await run.draft_and_submit(offers)
                        return
                    except httpx.TransportError:
                        if attempt == 2:
                            raise

        async def decide(run: Flow) -> None:
            async with gate:
                await run.decide(meetings)

        began = time.monotonic()
        with sampling(suite, ("offers", "meetings"), out, "writes-offers"):
            await asyncio.gather(*(submit(r) for r in runs))
        took = time.monotonic() - began
        print(f"offers create+consultation+submit: {flows} applications in {took:.1f} s")
        await asyncio.gather(*(r.wait_for_agenda_item(meetings) for r in runs))
        for run in runs[:2]:  # warm-up: offers' first grant notice imports WeasyPrint
            await run.decide(meetings)
            await run.wait_for_status(offers, "approved")
        await asyncio.sleep(10)  # the notices render after the approval (offers' own consumer)
        began = time.monotonic()
        with sampling(suite, ("meetings", "offers"), out, "hop"):
            await asyncio.gather(*(decide(r) for r in runs[2:]))
            await asyncio.gather(*(r.wait_for_status(offers, "approved") for r in runs[2:]))
        took = time.monotonic() - began
        print(f"decision → approved: {flows - 2} decisions approved in {took:.1f} s (2 warm-up)")


async def main(args: argparse.Namespace) -> None:
    out = Path(args.out)
    with (
        admin_url(args.admin_url) as admin,
        NatsServer() as nats,
        tempfile.TemporaryDirectory() as tmp,
    ):
        databases = await create_databases(admin)
        try:
            with running_suite(databases, nats.url, Path(tmp), LOG_LEVEL=args.log_level) as suite:
                await drive(suite, out, args.seconds, args.flows)
        finally:
            await drop_databases(admin, databases)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="registry write load")
    parser.add_argument("--flows", type=int, default=40, help="applications submitted/decided")
    parser.add_argument("--out", default="profiles", help="directory for the raw stacks")
    parser.add_argument("--log-level", default="INFO", help="the services' LOG_LEVEL")
    parser.add_argument("--admin-url", help="PostgreSQL superuser URL")
    arguments = parser.parse_args()
    Path(arguments.out).mkdir(parents=True, exist_ok=True)
    asyncio.run(main(arguments))
