"""``python -m <service> [serve|migrate]``: every service runs alone, configured by environment."""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from schulerfolg import migrations as schema
from schulerfolg.settings import ServiceSettings


def ensure_sqlite_dir(url: str) -> None:
    """Create the directory of a SQLite database file if it is missing."""
    if url.startswith("sqlite") and ":///" in url:
        path = url.split(":///", 1)[1].split("?", 1)[0]
        if path and path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)


def run_service_cli(
    *, name: str, app_factory: str, settings_cls: type[ServiceSettings], migrations: Path
) -> None:
    """Parse the command line of a service and serve it or migrate its database."""
    parser = argparse.ArgumentParser(prog=f"python -m {name}", description=f"The {name} service.")
    parser.add_argument(
        "command",
        nargs="?",
        default="serve",
        choices=["serve", "migrate"],
        help="serve the HTTP API and consumers (default), or apply the database migrations",
    )
    args = parser.parse_args()
    settings = settings_cls()
    ensure_sqlite_dir(settings.database_url)
    if args.command == "migrate":
        _migrate(migrations, settings.database_url)
        return
    uvicorn.run(
        app_factory,
        factory=True,
        host=settings.host,
        port=settings.port,
        log_config=None,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )


def _migrate(script_location: Path, url: str) -> None:
    schema.upgrade(script_location, url)
