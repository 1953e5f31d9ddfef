"""``python -m <service> [serve|migrate]``: every service runs alone, configured by environment.

A service may add commands of its own (the registry: ``import-schools``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Command:
    """A further command of ``python -m <service>``: its arguments and what it runs (exit code)."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    description: str = ""  # the command's own --help (default: ``help``)


def run_service_cli(
    *,
    name: str,
    app_factory: str,
    settings_cls: type[ServiceSettings],
    migrations: Path,
    commands: Sequence[Command] = (),
    argv: Sequence[str] | None = None,
) -> None:
    """Parse the command line of a service and serve it, migrate its database or run one of
    its own ``commands``."""
    parser = argparse.ArgumentParser(prog=f"python -m {name}", description=f"The {name} service.")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    subcommands.add_parser("serve", help="serve the HTTP API and consumers (the default)")
    subcommands.add_parser("migrate", help="apply the database migrations")
    for command in commands:
        command.add_arguments(
            subcommands.add_parser(
                command.name, help=command.help, description=command.description or command.help
            )
        )
    args = parser.parse_args(argv)
    own = {command.name: command for command in commands}
    if args.command in own:
        sys.exit(own[args.command].run(args))
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
