"""``python -m registry [serve|migrate|import-schools FILE]``: run the service, apply its
migrations, or load a CSV list of schools into its database."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from sqlalchemy.exc import SQLAlchemyError

from registry.config import RegistrySettings
from registry.main import MIGRATIONS
from registry.schools import importer
from schulerfolg.http.problems import Problem
from schulerfolg.observability import configure_logging
from schulerfolg.runner import Command, run_service_cli

IMPORT_SCHOOLS = "import-schools"


class ProgressBar:
    """A one-line progress bar on stderr, redrawn in place: ``[#####.....] 450/912``."""

    WIDTH = 30

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream
        self._last = ""

    def __call__(self, done: int, total: int) -> None:
        filled = self.WIDTH * done // total if total else self.WIDTH
        line = f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total}"
        if line != self._last:
            self._last = line
            stream = self.stream or sys.stderr
            stream.write(line)
            stream.flush()

    def finish(self) -> None:
        """End the bar's line (if one was drawn)."""
        if self._last:
            (self.stream or sys.stderr).write("\n")
            self._last = ""


def say(*lines: str) -> None:
    """Print lines to stdout and flush (the output may be a pipe)."""
    print("\n".join(lines), flush=True)


def complain(message: str) -> None:
    """Print a message about the import to stderr."""
    print(f"{IMPORT_SCHOOLS}: {message}", file=sys.stderr, flush=True)


def print_import_report(report: importer.ImportReport) -> None:
    """The counts of an import and one line per rejected row."""
    say(
        f"{report.rows} rows: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.rejected} rejected."
    )
    if report.errors:
        lines = ["Rejected rows:"]
        for error in report.errors:
            where = f"  row {error.row}"
            if error.school_number:
                where += f" (school {error.school_number})"
            if error.field:
                where += f", {error.field}"
            lines.append(f"{where}: {error.reason}")
        say(*lines)


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``import-schools``."""
    parser.add_argument("file", metavar="FILE", help="the CSV file")
    parser.add_argument(
        "--partial",
        action="store_true",
        help="write the valid rows even if others are rejected (default: all or nothing)",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="the registry database (default: REGISTRY_DATABASE_URL or the registry's default)",
    )


def import_schools(args: argparse.Namespace) -> int:
    """Upsert the schools of a CSV file into the registry's database; the exit code.

    It writes in one transaction, events included (outbox); a running registry publishes them.
    """
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        complain(f"cannot read {path}: {exc.strerror or exc}")
        return 2
    if len(data) > importer.MAX_BYTES:
        complain(
            f"{path} is larger than {importer.MAX_BYTES // (1024 * 1024)} MiB; "
            "split it into several files."
        )
        return 2
    try:
        database_url = args.database_url or RegistrySettings().database_url
    except ValueError as exc:  # pydantic's ValidationError: a bad REGISTRY_* variable
        complain(f"the registry settings are invalid: {exc}")
        return 2
    configure_logging("registry", level="WARNING", json=False)  # stdout is for the report
    bar = ProgressBar()
    try:
        report = asyncio.run(
            importer.import_into_database(
                database_url=database_url,
                migrations=MIGRATIONS,
                data=data,
                partial=args.partial,
                progress=bar,
            )
        )
    except importer.ImportRejected as exc:
        bar.finish()
        print_import_report(exc.report)
        print(
            f"Nothing was written: {exc.report.rejected} of {exc.report.rows} rows were rejected. "
            "Correct them, or use --partial to write the valid rows.",
            file=sys.stderr,
            flush=True,
        )
        return 1
    except Problem as exc:
        bar.finish()
        complain(exc.detail)
        return 1
    except importer.ImportNotReady as exc:
        complain(str(exc))
        return 2
    except (SQLAlchemyError, OSError) as exc:
        bar.finish()
        complain(f"the database failed: {exc}")
        return 2
    except KeyboardInterrupt:
        bar.finish()
        complain("interrupted; nothing was written.")
        return 130
    bar.finish()
    print_import_report(report)
    return 0


COMMANDS = (
    Command(
        name=IMPORT_SCHOOLS,
        help="import a CSV list of schools into the registry database (upsert by school number)",
        description=(
            "Upsert the schools of a CSV file (UTF-8, ';' or ',', header row with the API's "
            "field names) by school number, in one transaction with their events."
        ),
        add_arguments=add_import_arguments,
        run=import_schools,
    ),
)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m registry``."""
    run_service_cli(
        name="registry",
        app_factory="registry.main:create_app",
        settings_cls=RegistrySettings,
        migrations=MIGRATIONS,
        commands=COMMANDS,
        argv=argv,
    )


if __name__ == "__main__":
    main()
