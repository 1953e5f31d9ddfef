"""CSV import of schools: parse → validate → upsert by school number, all-or-nothing per file.

Used by ``POST /schools/import`` and by ``python -m registry import-schools``. The file is what
office staff export from a spreadsheet: UTF-8 with or without BOM, ``;`` (German Excel) or ``,``,
a header row with the API's field names. Every row passes the same rules as ``POST /schools``
(``SchoolCreate``) and the caller's region rights; a rejected row is reported with its line
number (header = line 1) and reason. Without ``partial`` one rejected row means nothing is
written; with it the valid rows are written and the others reported.

Writing is batched for files of thousands of rows: one query loads the existing schools by
number, new rows are added in chunks (one multi-row INSERT per chunk) and each change appends
its event to the outbox in the same transaction.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import structlog
from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.common import apply_changes
from registry.models import School, outbox
from registry.schools import repository
from registry.schools.schemas import SchoolCreate, school_event_data
from registry.schools.service import is_school_number_conflict, school_search_text
from schulerfolg import migrations as schema
from schulerfolg.auth import Principal
from schulerfolg.db import Database, utcnow
from schulerfolg.events.registry import SchoolCreated, SchoolUpdated
from schulerfolg.http.problems import Conflict, FieldError, ProblemDetails, Unprocessable

log = structlog.get_logger("registry.schools.import")

MAX_BYTES = 10 * 1024 * 1024
REQUIRED_COLUMNS = (
    "school_number",
    "name",
    "school_type",
    "street",
    "postal_code",
    "city",
    "region",
    "has_school_social_work",
)
OPTIONAL_COLUMNS = ("email", "phone", "website", "social_work_provider_id")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
TRUE_WORDS = frozenset({"true", "ja"})
FALSE_WORDS = frozenset({"false", "nein"})
WRITE_CHUNK = 500
# What the registry's own CSV exports put before a cell to keep spreadsheets from evaluating it.
_PROTECTED = ("'=", "'+", "'-", "'@")
_SAVE_AS_UTF8 = (
    'Save it as "CSV UTF-8" (Excel: File › Save as › "CSV UTF-8 (comma delimited)"; '
    'LibreOffice: character set "Unicode (UTF-8)") and upload it again.'
)

Progress = Callable[[int, int], None]

# The caller of the command line: it holds the database credentials, so it may write every region.
COMMAND_LINE = Principal(sub="cli:import-schools", roles=frozenset({"state_coordinator"}))


class RowError(BaseModel):
    """Why a row was rejected: its line in the file (header = 1), the school and the field."""

    row: int
    school_number: str | None
    field: str | None
    reason: str


class ImportReport(BaseModel):
    """What an import did (or, when rejected, found)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rows: int = 0
    errors: list[RowError] = []


class ImportProblemDetails(ProblemDetails):
    """A rejected import's problem: the usual fields plus the report."""

    report: dict[str, Any]


class ImportFileInvalid(Unprocessable):
    """The file as a whole cannot be read: encoding, CSV syntax or header row."""

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(
            detail,
            title="The CSV file cannot be imported",
            errors=errors
            or [FieldError(field="file", location="body", message=detail, type="csv_file")],
        )


class ImportRejected(Unprocessable):
    """Rows were rejected and the import was all-or-nothing: nothing was written."""

    FIELD_ERRORS = 20  # the first ones as ``errors``; ``report.errors`` has them all

    def __init__(self, report: ImportReport, valid_rows: int) -> None:
        super().__init__(
            f"Nothing was written: {report.rejected} of {report.rows} rows were rejected "
            f"(see report.errors). Correct them and upload the file again, or send "
            f"?partial=true to write the {valid_rows} valid rows.",
            title="Rows of the CSV file were rejected",
            rule="school-import-rejected",
            errors=[
                FieldError(
                    field=f"row {e.row}" + (f".{e.field}" if e.field else ""),
                    location="body",
                    message=e.reason,
                    type="import_row",
                )
                for e in report.errors[: self.FIELD_ERRORS]
            ],
        )
        self.report = report

    def to_details(self, instance: str | None = None) -> ProblemDetails:
        """The problem with the import report attached."""
        details = super().to_details(instance)
        return ImportProblemDetails(
            **details.model_dump(), report=self.report.model_dump(mode="json")
        )


class ImportNotReady(RuntimeError):
    """The database cannot take an import (command line: missing or not migrated)."""


# --------------------------------------------------------------------------- reading the file


def decode(data: bytes) -> str:
    """The file's text; a problem that says what to do when it is not UTF-8 text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileInvalid(
            f'The file is UTF-16 (Excel\'s "Unicode text"), not UTF-8. {_SAVE_AS_UTF8}'
        )
    if b"\x00" in data[:65536]:
        raise ImportFileInvalid(
            "The file is not a text file (it contains NUL bytes). Upload the list of schools "
            "as a CSV file."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start]
        try:
            legacy = data.decode("cp1252")
        except UnicodeDecodeError:
            legacy = None
        if legacy is not None:
            character = bytes([byte]).decode("cp1252")
            raise ImportFileInvalid(
                f"The file is not UTF-8: byte 0x{byte:02X} in line {line} is no UTF-8 "
                f"character. It looks like Windows-1252/Latin-1 (where it is '{character}'), "
                f"the encoding older Excel versions use for CSV. {_SAVE_AS_UTF8}"
            ) from None
        raise ImportFileInvalid(
            f"The file is not UTF-8 text: byte 0x{byte:02X} in line {line} is no UTF-8 "
            f"character. {_SAVE_AS_UTF8}"
        ) from None
    if "\x00" in text:
        raise ImportFileInvalid("The file contains NUL characters; upload a CSV text file.")
    return text


_EXCEL_SEPARATOR = re.compile(r"^sep=([;,])\s*$")  # Excel's optional first line, e.g. "sep=;"


def detect_delimiter(text: str) -> tuple[str, bool]:
    """``;`` or ``,`` — Excel's ``sep=`` line, else whichever the header line uses more — and
    whether the file starts with a ``sep=`` line."""
    lines = (line for line in text.splitlines() if line.strip())
    header = next(lines, "")
    excel = _EXCEL_SEPARATOR.match(header.strip())
    if excel:
        return excel.group(1), True
    return (";" if header.count(";") > header.count(",") else ","), False


@dataclass
class CsvRecord:
    """One data row: the line it starts on and its cells."""

    line: int
    cells: list[str]


@dataclass
class CsvFile:
    """A parsed file: the column names and the data rows."""

    columns: list[str]
    records: list[CsvRecord]


def parse(text: str) -> CsvFile:
    """Split the text into header and rows; a problem naming the line for broken CSV."""
    delimiter, separator_line = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[CsvRecord] = []
    header: list[str] | None = None
    skip = separator_line
    try:
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            if not any(cell.strip() for cell in cells):
                continue  # blank lines (and Excel's ";;;;" lines) carry no school
            if skip:
                skip = False  # the sep= line
                continue
            if header is None:
                header = cells
            else:
                records.append(CsvRecord(start, cells))
    except csv.Error as exc:
        raise ImportFileInvalid(
            f'The file is not valid CSV near line {reader.line_num}: {exc}. A quote (") that '
            'opens a cell must close it, and a quote inside a quoted cell is written twice ("").'
        ) from None
    if header is None:
        raise ImportFileInvalid(
            "The file is empty. The first line must name the columns: " + ", ".join(COLUMNS) + "."
        )
    return CsvFile(columns=check_header(header), records=records)


def check_header(cells: list[str]) -> list[str]:
    """The column names of the header row; a problem naming missing and unknown columns."""
    names = [cell.strip().lower() for cell in cells]
    while names and not names[-1]:
        names.pop()  # trailing separators
    errors: list[FieldError] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    unknown = [n for n in dict.fromkeys(names) if n not in COLUMNS]
    repeated = [n for n in dict.fromkeys(names) if n and names.count(n) > 1]
    parts = []
    if missing:
        parts.append("missing columns: " + ", ".join(missing))
        errors += [_column_error(c, "missing column", "missing_column") for c in missing]
    if unknown:
        shown = [u or f"(unnamed, column {names.index(u) + 1})" for u in unknown]
        parts.append("unknown columns: " + ", ".join(shown))
        errors += [
            _column_error(u or "(unnamed)", "unknown column", "unknown_column") for u in unknown
        ]
    if repeated:
        parts.append("columns named twice: " + ", ".join(repeated))
        errors += [_column_error(r, "column named twice", "repeated_column") for r in repeated]
    if parts:
        raise ImportFileInvalid(
            "The header row does not fit: "
            + "; ".join(parts)
            + ". The first line must name the columns "
            + ", ".join(REQUIRED_COLUMNS)
            + " and may add "
            + ", ".join(OPTIONAL_COLUMNS)
            + ".",
            errors=errors,
        )
    return names


def _column_error(name: str, message: str, kind: str) -> FieldError:
    return FieldError(field=name, location="csv_header", message=message, type=kind)


# --------------------------------------------------------------------------- validating rows


class Action(Enum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass
class Row:
    """A data row on its way through the import."""

    line: int
    school_number: str | None
    values: dict[str, Any] = field(default_factory=dict)
    school: SchoolCreate | None = None
    errors: list[RowError] = field(default_factory=list)
    action: Action | None = None
    existing: School | None = None

    def reject(self, field_name: str | None, reason: str) -> None:
        """Record why the row cannot be imported."""
        self.errors.append(
            RowError(
                row=self.line, school_number=self.school_number, field=field_name, reason=reason
            )
        )


def _cell(text: str) -> str:
    text = text.strip()
    return text[1:] if text.startswith(_PROTECTED) else text


def read_row(record: CsvRecord, columns: list[str]) -> Row:
    """A row's values by column, validated like ``POST /schools``."""
    cells = [_cell(c) for c in record.cells]
    number = (
        cells[columns.index("school_number")] if len(cells) > columns.index("school_number") else ""
    )
    row = Row(line=record.line, school_number=number or None)
    if any(cells[len(columns) :]):
        row.reject(
            None,
            f"The row has {len(cells)} cells but the header names {len(columns)} columns; a cell "
            "with the separator in it must be put in quotes.",
        )
        return row
    for column, value in zip(columns, cells, strict=False):
        if value:
            row.values[column] = value
    flag = row.values.get("has_school_social_work")
    if flag is None:
        row.reject("has_school_social_work", "is empty; write ja or nein (or true/false)")
    elif flag.lower() in TRUE_WORDS | FALSE_WORDS:
        row.values["has_school_social_work"] = flag.lower() in TRUE_WORDS
    else:
        row.reject("has_school_social_work", f"'{flag}' is not ja, nein, true or false")
        del row.values["has_school_social_work"]
    try:
        row.school = SchoolCreate.model_validate(row.values)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            row.reject(str(error["loc"][0]) if error["loc"] else None, _reason(error))
    if row.errors:
        row.school = None
    return row


def _reason(error: Any) -> str:
    if error["type"] == "missing":
        return "is empty; every school needs it"
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if isinstance(value, str) and len(value) <= 80:
        return f"{message} (got '{value}')"
    return message


# --------------------------------------------------------------------------- the import


async def import_schools(
    *,
    session: AsyncSession,
    principal: Principal,
    data: bytes,
    partial: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Upsert a CSV file's schools by number; ImportRejected if any row fails (unless ``partial``)."""
    parsed = parse(decode(data))
    rows = [read_row(record, parsed.columns) for record in parsed.records]
    total = len(rows)
    if progress:
        progress(0, total)

    first_line: dict[str, int] = {}
    for row in rows:
        number = row.school.school_number if row.school else row.school_number
        if number is None:
            continue
        if number in first_line:
            row.school = None
            row.reject(
                "school_number",
                f"the school number {number} already appears in row {first_line[number]}; "
                "each school may appear once per file",
            )
        else:
            first_line[number] = row.line

    valid = [row for row in rows if row.school is not None]
    # Locked: a concurrent PATCH waits, so no two versions of a school share a number (ETag).
    existing = await repository.schools_by_number(
        session, [row.school.school_number for row in valid if row.school], for_update=True
    )
    providers = await repository.active_organization_ids(
        session,
        [
            row.school.social_work_provider_id
            for row in valid
            if row.school and row.school.social_work_provider_id
        ],
    )
    present = set(parsed.columns)
    for row in valid:
        _classify(row, principal, existing, providers, present)

    report = ImportReport(rows=total)
    for row in rows:
        report.errors += row.errors
    report.rejected = sum(1 for row in rows if row.errors)
    writable = [row for row in rows if not row.errors]
    if report.rejected and not partial:
        raise ImportRejected(report, valid_rows=len(writable))

    for start in range(0, total, WRITE_CHUNK):
        chunk = [row for row in rows[start : start + WRITE_CHUNK] if not row.errors]
        await _write(session, chunk, present)
        if progress:
            progress(min(start + WRITE_CHUNK, total), total)
    report.created = sum(1 for row in writable if row.action is Action.CREATE)
    report.updated = sum(1 for row in writable if row.action is Action.UPDATE)
    report.unchanged = sum(1 for row in writable if row.action is Action.UNCHANGED)
    log.info(
        "registry.schools.imported",
        rows=total,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=report.rejected,
        partial=partial,
    )
    return report


def _classify(
    row: Row,
    principal: Principal,
    existing: dict[str, School],
    providers: set[uuid.UUID],
    present: set[str],
) -> None:
    school = row.school
    assert school is not None
    current = existing.get(school.school_number)
    regions = [school.region] + (
        [current.region] if current and current.region != school.region else []
    )
    for region in regions:
        if not principal.may_manage_region(region):
            row.reject("region", f"you may not manage schools of the region '{region}'")
    provider = school.social_work_provider_id
    if provider is not None and provider not in providers:
        row.reject("social_work_provider_id", f"there is no organisation with the id '{provider}'")
    if row.errors:
        row.school = None
        return
    if current is None:
        row.action = Action.CREATE
        return
    row.existing = current
    values = _changes(school, present)
    differs = any(getattr(current, name) != value for name, value in values.items())
    row.action = Action.UPDATE if differs else Action.UNCHANGED


def _changes(school: SchoolCreate, present: set[str]) -> dict[str, Any]:
    # Columns the file does not have keep their values; an empty cell clears an optional field.
    values = {name: value for name, value in school.column_values().items() if name in present}
    return values


async def _write(session: AsyncSession, rows: list[Row], present: set[str]) -> None:
    """Insert and update one chunk of rows, then append their events."""
    # New schools go in as one multi-row INSERT of plain values: building an ORM object per
    # row would cost more than the INSERT itself.
    now = utcnow()
    created: list[dict[str, Any]] = []
    updated: list[School] = []
    for row in rows:
        school = row.school
        assert school is not None
        if row.action is Action.CREATE:
            created.append(
                school.column_values()
                | {
                    "id": uuid.uuid4(),
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                    "search_text": school_search_text(school.name, school.city),
                    "deleted_at": None,
                }
            )
        elif row.action is Action.UPDATE and row.existing is not None:
            values = _changes(school, present)
            name = values.get("name", row.existing.name)
            values["search_text"] = school_search_text(name, values.get("city", row.existing.city))
            apply_changes(row.existing, values)
            updated.append(row.existing)
    try:
        await repository.insert_schools(session, created)
        await session.flush()
    except IntegrityError as exc:
        if is_school_number_conflict(exc):
            raise Conflict(
                "A school number of the file was given to another school while the import ran; "
                "upload the file again.",
                rule="school-number-taken",
            ) from exc
        raise
    await outbox.append_many(
        session,
        [(SchoolCreated(**school_event_data(v)), str(v["id"]), v["region"]) for v in created]
        + [(SchoolUpdated(**school_event_data(e)), str(e.id), e.region) for e in updated],
    )


# --------------------------------------------------------------------------- outside HTTP


async def import_into_database(
    *,
    database_url: str,
    migrations: Path,
    data: bytes,
    partial: bool = False,
    progress: Progress | None = None,
    principal: Principal = COMMAND_LINE,
) -> ImportReport:
    """Import into the registry database at ``database_url`` in one transaction (command line);
    ``migrations`` are the registry's, which must all have been applied."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not await asyncio.to_thread(Path(url.database).exists):
            raise ImportNotReady(f"There is no registry database at {url.database}.")
    db = Database(database_url, pool_size=1)
    try:
        if await schema.pending(db.engine, migrations):
            raise ImportNotReady(
                "The registry database is not migrated; run `python -m registry migrate` with "
                "REGISTRY_DATABASE_URL set to it first."
            )
        async with db.transaction() as session:
            return await import_schools(
                session=session, principal=principal, data=data, partial=partial, progress=progress
            )
    finally:
        await db.dispose()
