"""The suite's benchmark against the bare stack: prints figures, asserts nothing about time.

    uv run python tests/perf/bench.py [--quick] [--admin-url postgresql://postgres@127.0.0.1/postgres]
        [--json results.json]

Everything runs on this machine: an own nats-server (JetStream, file storage), PostgreSQL
(``--admin-url``, else ``DATABASE_URL``, else a throwaway cluster), the four services as separate
processes on PostgreSQL. It measures, and prints each figure with its ceiling and the ratio:

1. Ceilings — nats-py JetStream publish → pull-consume and single-message latency; a bare
   FastAPI endpoint doing one SQLModel insert into PostgreSQL; a bare FastStream consumer doing
   one insert per message; the bare prototype flow (HTTP POST → insert + outbox → JetStream →
   consumer → insert, ``bare_app``) under an open-loop ramp until it saturates.
2. Write endpoints — ``POST /organizations`` (registry) at the same concurrency as the bare
   endpoint.
3. Flows, open loop (``flows.py``): whole flows (submit → agenda item → decision → approved →
   inbox entry) started at rising rates (``--rates``) until saturation; the saturation rate
   against the bare prototype flow's, and p50/p99 of each hop at 200 flows/s — or at the highest
   rate below saturation, printed — against the bare flow's hop at that rate (event timestamps).
4. Consumer catch-up — offers stopped, a backlog of ``registry.school.created`` events
   published, offers started: events per second until its read model holds them all; again with
   a second offers (and meetings) process on the same databases: two replicas ÷ one.
5. Reads at 64 concurrent clients — school search with 30,000 schools, application lists with
   1,000,000 applications (``--quick``: 3,000 and 10,000), with EXPLAIN (ANALYZE, BUFFERS) of
   both statements; statistics at that size (from the statistics summary).
6. Peak memory (VmHWM) of each service and of NATS.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for extra in (HERE, HERE.parent, ROOT / "services/offers/tests"):
    sys.path.insert(0, str(extra))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from ceilings import bare_flow_ceiling, faststream_consumer_ceiling, nats_ceiling  # noqa: E402
from loadgen import Request, Step, run_load  # noqa: E402
from suite_support import Suite, create_databases, drop_databases, running_suite  # noqa: E402

from schulerfolg.events.registry import SchoolCreated  # noqa: E402
from schulerfolg_dev.processes import free_port, spawn  # noqa: E402
from schulerfolg_dev.testing.live import LiveService  # noqa: E402
from schulerfolg_dev.testing.servers import (  # noqa: E402
    NatsServer,
    normalise_postgres_url,
    postgres_admin_url_for_tests,
)
from schulerfolg_dev.testing.service import publish_events, wrap  # noqa: E402


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    ceiling: float | None = None
    target: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ceiling in (None, 0) or self.value != self.value:
            return None
        return self.value / self.ceiling


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)

    def add(
        self, name: str, value: float, unit: str, ceiling: float | None = None, target: str = ""
    ) -> None:
        figure = Figure(name, value, unit, ceiling, target)
        self.figures.append(figure)
        ratio = f"{figure.ratio:6.2f}×" if figure.ratio is not None else "       "
        ceil = f"{ceiling:>10.1f}" if ceiling is not None else " " * 10
        print(f"{name:<52} {value:>10.1f} {unit:<7} ceiling {ceil} {ratio}  {target}", flush=True)

    def markdown(self) -> str:
        """The figures as a Markdown table (for docs/PERFORMANCE.md)."""
        lines = ["| figure | measured | ceiling | ratio | target |", "|---|---:|---:|---:|---|"]
        for f in self.figures:
            ceiling = f"{f.ceiling:,.1f}" if f.ceiling is not None else ""
            ratio = f"{f.ratio:.2f}×" if f.ratio is not None else ""
            lines.append(
                f"| {f.name} | {f.value:,.1f} {f.unit} | {ceiling} | {ratio} | {f.target} |"
            )
        return "\n".join(lines) + "\n"


@contextlib.contextmanager
def admin_url(given: str | None) -> Iterator[str]:
    if given:
        yield normalise_postgres_url(given)
        return
    with postgres_admin_url_for_tests() as url:
        yield url


def async_url(admin: str, name: str) -> str:
    base = admin.rsplit("/", 1)[0].split("://", 1)[1]
    return f"postgresql+asyncpg://{base}/{name}"


# --------------------------------------------------------------------------- 1. ceilings


@contextlib.contextmanager
def bare_app(database_url: str, log_dir: Path, nats_url: str | None = None) -> Iterator[int]:
    port = free_port()
    env = {**os.environ, "BARE_DATABASE_URL": database_url, "PYTHONPATH": str(HERE)}
    if nats_url:
        env["BARE_NATS_URL"] = nats_url
    with (log_dir / "bare.log").open("ab") as log:
        process = spawn(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bare_app:app",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            log=log,
            env=env,
            cwd=HERE,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("bare app did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=15)


def org_body(i: int) -> bytes:
    return json.dumps(
        {"name": f"Träger {i} e.V.", "kind": "free_youth_welfare", "region": "boerde"}
    ).encode()


# --------------------------------------------------------------------------- 3. flows


async def propagation(
    suite: Suite,
    report: Report,
    rates: list[float],
    *,
    seconds: float,
    drain: float,
    bare: tuple[list[Step], dict[float, list[float]]],
) -> None:
    """Whole flows at rising rates until saturation (``flows.run_flows``); the saturation rate
    against the bare prototype flow's, and each hop's p50/p99 at 200 flows/s (or the highest
    rate below saturation) against the bare hop at the same rate (or its nearest)."""
    from flows import hop_percentiles, run_flows

    run = await run_flows(suite, rates, seconds=seconds, drain=drain)
    bare_steps, bare_hops = bare
    bare_rate = max(s.achieved for s in bare_steps)
    report.add(
        "flows saturate at (draft → inbox, open loop)",
        max(s.achieved for s in run.steps),
        "flows/s",
        bare_rate,
        "≥ bare prototype flow",
    )
    index, note = run.chosen(200)
    rate = run.steps[index].rate
    print(f"# flow hops {note}", flush=True)
    report.add("flow hops measured at", rate, "flows/s", target="200 flows/s")
    nearest = min(bare_hops, key=lambda r: abs(r - rate))
    bare_p50, bare_p99 = hop_percentiles(bare_hops[nearest])
    for label, deltas in run.hops(index).items():
        p50, p99 = hop_percentiles(deltas)
        report.add(f"{label} p50", p50, "ms", bare_p50, "≤ 3 ms")
        report.add(f"{label} p99", p99, "ms", bare_p99, "≤ 15 ms")


# --------------------------------------------------------------------------- 4. catch-up


async def catch_up(
    suite: Suite, report: Report, events: int, ceiling: float, log_dir: Path
) -> None:
    """Offers stopped, ``events`` school events published, offers started: events per second
    until its read model holds them all (counted from the first event applied, so the process
    start is not in it) — with one offers process, then with two on the same database sharing
    the durable consumer (a second meetings process running as well)."""
    from suite_support import replica

    one = await _catch_up(suite, events, replicas=1, log_dir=log_dir)
    report.add(f"consumer catch-up ({events:,} events)", one, "ev/s", ceiling, "≥ bare consumer")
    with replica(suite, "meetings", log_dir / "meetings-replica"):
        two = await _catch_up(suite, events, replicas=2, log_dir=log_dir)
    report.add(f"consumer catch-up, two replicas ({events:,} events)", two, "ev/s", ceiling)
    report.add("two replicas ÷ one (consumer catch-up)", two / one, "×", target="≥ 1.7×")


async def _catch_up(suite: Suite, events: int, *, replicas: int, log_dir: Path) -> float:
    offers = suite.services["offers"]
    offers.stop()
    batch = [
        wrap(
            SchoolCreated(
                version=1,
                id=str(uuid.uuid4()),
                school_number=f"{replicas}{i:07d}",
                name=f"Grundschule {replicas}-{i}",
                school_type="grundschule",
                region="harz",
            ),
            entity_id=f"{replicas}-{i}",
            region="harz",
        )
        for i in range(events)
    ]
    await publish_events(suite.nats_url, batch)
    url = offers.env["OFFERS_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    extra = [
        LiveService("offers", env=dict(offers.env), log_dir=log_dir / f"offers-replica-{n}")
        for n in range(1, replicas)
    ]
    connection = await asyncpg.connect(url)
    try:
        before = await connection.fetchval("SELECT count(*) FROM schools")
        offers.start(wait=False)
        for live in extra:
            live.log_path.parent.mkdir(parents=True, exist_ok=True)
            live.start(wait=False)
        began = None
        while (done := await connection.fetchval("SELECT count(*) FROM schools") - before) < events:
            if began is None and done > 0:
                began, first = time.monotonic(), done
            await asyncio.sleep(0.05)
        seconds = time.monotonic() - (began or time.monotonic())
        offers.wait_ready()
    finally:
        for live in extra:
            live.stop()
        await connection.close()
    return (events - (first if began else 0)) / max(seconds, 1e-3)


# --------------------------------------------------------------------------- 5. reads


async def load_bulk(suite: Suite, schools: int, applications: int) -> dict[str, Any]:
    from sqlalchemy.ext.asyncio import create_async_engine
    from statistics_data import Generator, insert_dataset, rebuild_summary

    registry_url = suite.services["registry"].env["REGISTRY_DATABASE_URL"]
    connection = await asyncpg.connect(
        registry_url.replace("postgresql+asyncpg://", "postgresql://")
    )
    names = ("Grundschule", "Sekundarschule", "Gymnasium", "Gemeinschaftsschule", "Förderschule")
    towns = (
        "Haldensleben",
        "Oschersleben",
        "Wanzleben",
        "Stendal",
        "Halberstadt",
        "Köthen",
        "Zeitz",
    )
    now = datetime.now(UTC)
    rows = []
    for i in range(schools):
        name = f"{random.choice(names)} {random.choice(towns)} {i}"
        folded = name.lower().replace("ö", "o")
        rows.append(
            (
                uuid.uuid4(),
                now,
                now,
                1,
                f"9{i:07d}",
                name,
                "grundschule",
                "boerde",
                False,
                f"{folded} | {folded}",
            )
        )
    await connection.copy_records_to_table(
        "schools",
        records=rows,
        columns=[
            "id",
            "created_at",
            "updated_at",
            "version",
            "school_number",
            "name",
            "school_type",
            "region",
            "has_school_social_work",
            "search_text",
        ],
    )
    await connection.execute("VACUUM ANALYZE schools")  # as autovacuum would: visibility map
    await connection.close()

    engine = create_async_engine(suite.services["offers"].env["OFFERS_DATABASE_URL"])
    generator = Generator(seed=7)
    for index, chunk in enumerate(generator.chunks(applications)):
        if index == 0:
            chunk.funds, chunk.schools = generator.funds, generator.schools
        async with engine.begin() as conn:
            await insert_dataset(conn, chunk, copy=True, summary=False)
    async with engine.begin() as conn:
        await rebuild_summary(conn)  # the statistics summary, once after the last chunk
    await engine.dispose()
    offers_db = await asyncpg.connect(
        suite.services["offers"]
        .env["OFFERS_DATABASE_URL"]
        .replace("postgresql+asyncpg://", "postgresql://")
    )
    try:  # as autovacuum would after a while: statistics, and the visibility map
        await offers_db.execute("VACUUM ANALYZE")
    finally:
        await offers_db.close()
    return {"towns": towns}


async def reads(
    suite: Suite, report: Report, schools: int, applications: int, seconds: float
) -> None:
    bulk = await load_bulk(suite, schools, applications)
    office = suite.auth("network_office", "boerde")["Authorization"]
    state = suite.auth("state_coordinator")["Authorization"]
    registry, offers = suite.services["registry"], suite.services["offers"]

    def search(i: int) -> Request:
        term = urllib.parse.quote(random.choice(bulk["towns"]).lower()[:5])
        return Request("GET", f"/api/v1/schools?q={term}&limit=50")

    result = await run_load("127.0.0.1", registry.port, search, concurrency=64, duration=seconds)
    report.add(
        f"school search p99 ({schools:,} schools, 64 clients)",
        result.percentile(99) * 1000,
        "ms",
        target="≤ 50 ms",
    )
    report.add("school search throughput", result.rate, "req/s")

    def listing(i: int) -> Request:
        return Request(
            "GET",
            "/api/v1/applications?status=submitted&region=boerde&limit=50",
            headers={"Authorization": office},
        )

    result = await run_load("127.0.0.1", offers.port, listing, concurrency=64, duration=seconds)
    report.add(
        f"application list p99 ({applications:,} apps, 64 clients)",
        result.percentile(99) * 1000,
        "ms",
        target="≤ 50 ms",
    )
    assert result.statuses.get(200), result.statuses

    await explain(suite, bulk["towns"][0].lower()[:5])

    timings = []
    async with httpx.AsyncClient(base_url=offers.url, timeout=120) as client:
        for _ in range(3):
            began = time.perf_counter()
            response = await client.get("/api/v1/statistics", headers={"Authorization": state})
            timings.append(time.perf_counter() - began)
            assert response.status_code == 200, response.text
    report.add(
        f"statistics ({applications:,} applications), median of 3",
        statistics.median(timings) * 1000,
        "ms",
        target="≤ 1000 ms",
    )


EXPLAINED = {
    # the statements the services run for the requests above (registry ``list_schools`` with
    # ``q``, offers ``list_applications`` for a network office; one page of 50 and one more)
    "registry": (
        "school search",
        "SELECT * FROM schools WHERE id IN (SELECT id FROM schools WHERE deleted_at IS NULL"
        " AND search_text LIKE $1 ORDER BY name, id LIMIT 51) ORDER BY name, id LIMIT 51",
    ),
    "offers": (
        "application list",
        "SELECT * FROM applications WHERE id IN (SELECT id FROM applications"
        " WHERE region IN ('boerde') AND region = 'boerde' AND status = 'submitted'"
        " ORDER BY created_at, id LIMIT 51) ORDER BY created_at, id LIMIT 51",
    ),
}


async def explain(suite: Suite, term: str) -> None:
    """Print EXPLAIN (ANALYZE, BUFFERS) of the list and search statements."""
    for service, (label, sql) in EXPLAINED.items():
        url = suite.services[service].env[f"{service.upper()}_DATABASE_URL"]
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            args = [f"%{term}%"] if "$1" in sql else []
            rows = await connection.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *args)
        finally:
            await connection.close()
        print(f"# EXPLAIN (ANALYZE, BUFFERS) {label}: {sql}", flush=True)
        for row in rows:
            print(f"#   {row[0]}", flush=True)


# --------------------------------------------------------------------------- 6. memory


def peak_rss_mb(pid: int | None) -> float:
    if pid is None:
        return float("nan")
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --------------------------------------------------------------------------- main


async def main(args: argparse.Namespace) -> Report:
    quick = args.quick
    report = Report()
    with (
        admin_url(args.admin_url) as admin,
        NatsServer() as nats,
        tempfile.TemporaryDirectory() as tmp,
    ):
        log_dir = Path(tmp)
        print(f"# ceilings ({'quick' if quick else 'full'} run)", flush=True)
        ceiling = await nats_ceiling(nats.url, args.messages or (2_000 if quick else 50_000))
        report.add(
            "JetStream publish, one at a time (bare nats-py)",
            ceiling.publish_sequential_per_s,
            "msg/s",
        )
        report.add(
            "JetStream publish, pipelined (bare nats-py)", ceiling.publish_pipelined_per_s, "msg/s"
        )
        report.add("JetStream pull-consume with ack (bare nats-py)", ceiling.consume_per_s, "msg/s")
        report.add("JetStream publish → consume latency p50", ceiling.latency_p50_ms, "ms")
        report.add("JetStream publish → consume latency p99", ceiling.latency_p99_ms, "ms")

        bare_db = await create_databases(admin, ("bare",))
        bare_url = bare_db["bare"]
        consumer_ceiling = await faststream_consumer_ceiling(
            nats.url, bare_url, args.messages or (300 if quick else 10_000)
        )
        report.add("bare FastStream consumer, one insert per message", consumer_ceiling, "msg/s")
        duration = 2.0 if quick else 15.0
        with bare_app(bare_url, log_dir, nats.url) as port:
            bare_flow = await bare_flow_ceiling(
                f"http://127.0.0.1:{port}",
                bare_url,
                [20, 50] if quick else [50, 100, 200, 400, 800],
                seconds=2 if quick else 5,
                drain=30 if quick else 60,
            )
            report.add(
                "bare prototype flow saturates at (POST → outbox → JetStream → insert)",
                max(step.achieved for step in bare_flow[0]),
                "flows/s",
            )
            result = await run_load(
                "127.0.0.1",
                port,
                lambda i: Request(
                    "POST", "/items", body=json.dumps({"name": f"Träger {i}", "kind": "x"}).encode()
                ),
                concurrency=32,
                duration=duration,
            )
        bare_rate = result.rate
        report.add("bare FastAPI + SQLModel insert (32 clients)", bare_rate, "req/s")
        await drop_databases(admin, bare_db)

        databases = await create_databases(admin)
        try:
            with running_suite(databases, nats.url, log_dir, LOG_LEVEL="WARNING") as suite:
                print("# the suite", flush=True)
                office = suite.auth("network_office", "boerde")["Authorization"]
                result = await run_load(
                    "127.0.0.1",
                    suite.services["registry"].port,
                    lambda i: Request(
                        "POST",
                        "/api/v1/organizations",
                        body=org_body(i),
                        headers={"Authorization": office},
                    ),
                    concurrency=32,
                    duration=duration,
                )
                assert result.statuses.get(201), result.statuses
                report.add(
                    "registry POST /organizations (32 clients)",
                    result.rate,
                    "req/s",
                    bare_rate,
                    "≥ 1.0× bare",
                )
                report.add("registry POST /organizations p99", result.percentile(99) * 1000, "ms")

                await propagation(
                    suite,
                    report,
                    [float(r) for r in args.rates.split(",")]
                    if args.rates
                    else ([2, 4] if quick else [5, 10, 20, 50, 100, 200]),
                    seconds=args.flow_seconds or (3 if quick else 10),
                    drain=30 if quick else 60,
                    bare=bare_flow,
                )
                await catch_up(
                    suite,
                    report,
                    args.events or (300 if quick else 100_000),
                    consumer_ceiling,
                    log_dir,
                )
                await reads(
                    suite,
                    report,
                    args.schools or (3_000 if quick else 30_000),
                    args.applications or (10_000 if quick else 1_000_000),
                    duration,
                )

                total = 0.0
                for name, service in suite.services.items():
                    rss = peak_rss_mb(service.pid)
                    total += rss
                    report.add(f"peak RSS {name}", rss, "MB", target="≤ 200 MB")
                nats_rss = peak_rss_mb(nats.pid)
                report.add("peak RSS nats-server", nats_rss, "MB")
                report.add("peak RSS suite + NATS", total + nats_rss, "MB", target="≤ 1024 MB")
        finally:
            await drop_databases(admin, databases)
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI)")
    parser.add_argument("--messages", type=int, help="messages for the NATS/consumer ceilings")
    parser.add_argument("--rates", help="flow rates per second to ramp through, e.g. 5,10,20")
    parser.add_argument("--flow-seconds", type=float, help="seconds of flows at each rate")
    parser.add_argument("--events", type=int, help="backlog events for the catch-up")
    parser.add_argument("--schools", type=int, help="schools for the search")
    parser.add_argument("--applications", type=int, help="applications for lists and statistics")
    parser.add_argument("--admin-url", help="PostgreSQL superuser URL")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--markdown", help="write the figures as a Markdown table to this file")
    arguments = parser.parse_args()
    from schulerfolg.observability import configure_logging

    configure_logging("bench", level="WARNING", json=False)
    outcome = asyncio.run(main(arguments))
    if arguments.markdown:
        Path(arguments.markdown).write_text(outcome.markdown())
    if arguments.json:
        Path(arguments.json).write_text(
            json.dumps([asdict(f) | {"ratio": f.ratio} for f in outcome.figures], indent=2)
        )
