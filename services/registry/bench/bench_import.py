"""How fast the school CSV import is: rows per second for a first import and a re-import.

    uv run python services/registry/bench/bench_import.py [--rows 5000]
        [--database-url postgresql+asyncpg://user@host/empty_registry_db]

It generates a realistic file with the tests' generator (``tests/school_csv.py``), imports it
into a fresh, migrated SQLite file and — when ``--database-url`` is given — into that database
too (it is migrated first; use an empty one, or the "first import" finds its schools there
already). Each import is the whole path of ``python -m registry import-schools``: decode, parse,
validate, look up existing schools, write schools and outbox events in one transaction. The
second import of the same file changes nothing (every row unchanged). Prints figures only; it
asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from school_csv import generate_schools, to_csv  # noqa: E402

from registry.main import MIGRATIONS  # noqa: E402
from registry.schools.importer import import_into_database  # noqa: E402
from schulerfolg import migrations  # noqa: E402
from schulerfolg.observability import configure_logging  # noqa: E402


async def bench(label: str, url: str, data: bytes, rows: int) -> None:
    """Migrate ``url``, import ``data`` twice and print the rates."""
    await asyncio.to_thread(migrations.upgrade, MIGRATIONS, url)
    for run in ("first import", "re-import"):
        start = time.perf_counter()
        report = await import_into_database(database_url=url, migrations=MIGRATIONS, data=data)
        seconds = time.perf_counter() - start
        print(
            f"{label:<10} {run:<12} {rows:>6} rows in {seconds:6.2f} s = "
            f"{rows / seconds:>8,.0f} rows/s  (created {report.created}, updated "
            f"{report.updated}, unchanged {report.unchanged}, rejected {report.rejected})",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=5000, help="default: %(default)s")
    parser.add_argument("--database-url", help="also import into this (empty) database")
    args = parser.parse_args()
    configure_logging("registry", level="WARNING", json=False)

    data = to_csv(generate_schools(args.rows))
    print(f"file: {args.rows} schools, {len(data) / 1024:,.0f} KiB", flush=True)
    with tempfile.TemporaryDirectory() as directory:
        sqlite_url = f"sqlite+aiosqlite:///{Path(directory) / 'registry.db'}"
        asyncio.run(bench("sqlite", sqlite_url, data, args.rows))
    if args.database_url:
        asyncio.run(bench("postgresql", args.database_url, data, args.rows))


if __name__ == "__main__":
    main()
