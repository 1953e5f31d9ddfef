"""How fast the statistics and the filtered application lists are at 10,000 and 1,000,000
applications on PostgreSQL.

    uv run python services/offers/bench/bench_statistics.py [--quick] [--sizes 10000 1000000]
        [--admin-url postgresql://postgres@127.0.0.1:5432/postgres] [--runs 5]

For each size it creates a fresh database on the PostgreSQL server (``--admin-url``, else
``DATABASE_URL``, else a throwaway cluster the test fixtures start), migrates it, loads that many
generated applications over the 14 regions (the test's seeded generator,
``tests/statistics_data.py``; COPY), runs VACUUM ANALYZE (as autovacuum would in time), starts
the offers service in-process (with a NATS server, as the tests do) and times HTTP requests
through the whole app:

- ``GET /statistics`` as the state coordination (JSON and CSV), as a network office, and with a
  fund and year filter;
- ``GET /applications?status=submitted&region=boerde`` as that region's network office: the first
  page, and a deep page reached by following ``next_cursor``;
- ``GET /applications?q=…`` (substring search), as the network office and as the state
  coordination, for common words and a rare one.

Each figure is the best and the median of ``--runs`` requests (the first one included). It
prints figures only and asserts nothing about time. ``--quick`` (for CI) runs 10,000 only.
The database is dropped afterwards. Notes and figures: ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import asyncpg  # noqa: E402
from sqlalchemy import text  # noqa: E402
from statistics_data import Generator, insert_dataset, rebuild_summary  # noqa: E402

from offers.config import OffersSettings  # noqa: E402
from offers.main import MIGRATIONS, create_app  # noqa: E402
from schulerfolg.observability import configure_logging  # noqa: E402
from schulerfolg_dev.testing.servers import (  # noqa: E402
    nats_url_for_tests,
    normalise_postgres_url,
    postgres_admin_url_for_tests,
)
from schulerfolg_dev.testing.service import ServiceUnderTest, start_service  # noqa: E402

REGION = "boerde"
CHUNK = 25_000


@contextlib.contextmanager
def admin_url(given: str | None) -> Iterator[str]:
    """The PostgreSQL superuser URL: given, from DATABASE_URL, or a cluster started here."""
    if given:
        yield normalise_postgres_url(given)
        return
    with postgres_admin_url_for_tests() as url:
        yield url


async def create_database(admin: str) -> tuple[str, str]:
    name = f"bench_offers_{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    base = admin.rsplit("/", 1)[0].split("://", 1)[1]
    return name, f"postgresql+asyncpg://{base}/{name}"


async def drop_database(admin: str, name: str) -> None:
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def load(service: ServiceUnderTest, size: int) -> None:
    """Insert ``size`` generated applications (with funds, schools, links), then VACUUM."""
    generator = Generator(seed=size)
    engine = service.runtime.db.engine
    start = time.perf_counter()
    async with engine.begin() as connection:
        first = generator.dataset(0)
        await insert_dataset(connection, first, copy=True, summary=False)
    for chunk in generator.chunks(size, CHUNK):
        async with engine.begin() as connection:
            await insert_dataset(connection, chunk, copy=True, summary=False)
    async with engine.begin() as connection:
        await rebuild_summary(connection)  # once, after the last chunk
    print(f"  loaded in {time.perf_counter() - start:6.1f} s", flush=True)
    await vacuum(service)


async def vacuum(service: ServiceUnderTest) -> None:
    """VACUUM ANALYZE, as autovacuum would after a while: statistics for the planner, and the
    visibility map that lets index-only scans skip the table."""
    async with service.runtime.db.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        raw = await connection.get_raw_connection()
        await raw.driver_connection.execute("VACUUM ANALYZE")  # type: ignore[union-attr]


async def timed(service: ServiceUnderTest, runs: int, label: str, path: str, **kwargs: Any) -> Any:
    """Request ``path`` ``runs`` times; print best and median; answer the last response."""
    seconds = []
    response = None
    for _ in range(runs):
        start = time.perf_counter()
        response = await service.client.get(path, **kwargs)
        seconds.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise RuntimeError(f"{label}: {response.status_code} {response.text[:500]}")
    print(
        f"  {label:<48} best {min(seconds) * 1000:8.1f} ms   median "
        f"{statistics.median(seconds) * 1000:8.1f} ms",
        flush=True,
    )
    return response


async def deep_cursor(service: ServiceUnderTest, params: dict[str, Any], headers: Any) -> tuple:
    """Follow ``next_cursor`` (pages of 50) to the last full page; answer (cursor, position)."""
    cursor, position, last = None, 0, None
    while True:
        response = await service.client.get(
            "/api/v1/applications",
            params={**params, "limit": 50, **({"cursor": cursor} if cursor else {})},
            headers=headers,
        )
        body = response.json()
        if not body["next_cursor"]:
            return last, position
        last, cursor = cursor, body["next_cursor"]
        position += len(body["items"])


@contextlib.asynccontextmanager
async def offers_on(url: str, nats_url: str) -> AsyncIterator[ServiceUnderTest]:
    """The offers service on ``url`` (migrated first), in-process."""
    with tempfile.TemporaryDirectory() as directory:
        async with start_service(
            create_app=create_app,
            settings_cls=OffersSettings,
            migrations_dir=MIGRATIONS,
            database_url=url,
            nats_url=nats_url,
            key_dir=Path(directory),
            log_level="WARNING",
        ) as service:
            yield service


async def bench(size: int, admin: str, nats_url: str, runs: int) -> None:
    print(f"{size:,} applications", flush=True)
    name, url = await create_database(admin)
    try:
        async with offers_on(url, nats_url) as service:
            await load(service, size)
            await measure(service, runs)
    finally:
        await drop_database(admin, name)


async def bench_loaded(url: str, nats_url: str, runs: int) -> None:
    """Measure an offers database loaded before (e.g. by ``tests/statistics_data.py``)."""
    async with offers_on(url, nats_url) as service:
        async with service.runtime.db.engine.connect() as connection:
            size = (await connection.execute(text("SELECT count(*) FROM applications"))).scalar()
        print(f"{size:,} applications (loaded before)", flush=True)
        await vacuum(service)
        await measure(service, runs)


async def measure(service: ServiceUnderTest, runs: int) -> None:
    state = service.auth("state_coordinator")
    office = service.auth("network_office", REGION)
    stats = await timed(
        service, runs, "statistics (state coordination)", "/api/v1/statistics", headers=state
    )
    await timed(
        service,
        runs,
        "statistics (state coordination), CSV",
        "/api/v1/statistics",
        headers={**state, "Accept": "text/csv"},
    )
    await timed(service, runs, "statistics (network office)", "/api/v1/statistics", headers=office)
    fund = max(stats.json()["by_fund"], key=lambda f: f["applications"])["fund_id"]
    await timed(
        service,
        runs,
        "statistics (fund and year filter)",
        "/api/v1/statistics",
        headers=state,
        params={"fund_id": fund, "year": 2025},
    )

    params = {"status": "submitted", "region": REGION}
    await timed(
        service,
        runs,
        "applications first page (50)",
        "/api/v1/applications",
        headers=office,
        params=params,
    )
    cursor, position = await deep_cursor(service, params, office)
    await timed(
        service,
        runs,
        f"applications deep page (after {position:,})",
        "/api/v1/applications",
        headers=office,
        params={**params, **({"cursor": cursor} if cursor else {})},
    )
    await timed(
        service,
        runs,
        "applications q search (network office)",
        "/api/v1/applications",
        headers=office,
        params={"q": "zirkus", "region": REGION},
    )
    await timed(
        service,
        runs,
        "applications q search (state coordination)",
        "/api/v1/applications",
        headers=state,
        params={"q": "zirkusprojekt trommel"},
    )
    await timed(
        service,
        runs,
        "applications q search, rare word (state coord.)",
        "/api/v1/applications",
        headers=state,
        params={"q": "streitschlichtung 4711"},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="10,000 applications only (CI)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("DATABASE_URL"),
        help="PostgreSQL superuser URL (default: DATABASE_URL, else own cluster)",
    )
    parser.add_argument("--runs", type=int, default=5, help="requests per figure (%(default)s)")
    parser.add_argument(
        "--database-url",
        help="measure this already loaded offers database instead (nothing loaded or dropped)",
    )
    args = parser.parse_args()
    configure_logging("offers", level="WARNING", json=False)
    sizes = [10_000] if args.quick else args.sizes
    if args.database_url:
        with nats_url_for_tests() as (nats_url, _server):
            asyncio.run(bench_loaded(args.database_url, nats_url, args.runs))
        return
    with admin_url(args.admin_url) as admin, nats_url_for_tests() as (nats_url, _server):
        for size in sizes:
            asyncio.run(bench(size, admin, nats_url, args.runs))


if __name__ == "__main__":
    main()
