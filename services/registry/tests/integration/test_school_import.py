"""CSV import of schools (POST /schools/import and ``python -m registry import-schools``).

The files are made by ``school_csv``: 900+ schools across the 14 regions with German names
(umlauts, typographic and straight quotes, commas, semicolons), plus deliberate problems.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from registry_support import add_organization, all_published, migrate
from school_csv import REQUIRED_HEADER, generate_schools, to_csv
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from registry.__main__ import main as registry_command
from registry.main import MIGRATIONS
from registry.models import School
from registry.schools.importer import import_into_database
from schulerfolg import migrations
from schulerfolg_dev.testing.events import EventTap

GOOD = generate_schools(900)
NUMBERS = {row["school_number"] for row in GOOD}


def school(**cells: str) -> dict[str, str]:
    """A valid row of Börde that is not in GOOD, changed by ``cells``."""
    return {
        "school_number": "150839001",
        "name": "Sekundarschule „An der Sülze“ Sülzetal",
        "school_type": "sekundarschule",
        "street": "Schulstraße 1",
        "postal_code": "39171",
        "city": "Sülzetal",
        "region": "boerde",
        "has_school_social_work": "ja",
    } | cells


# (position in the file's data rows, the row, expected (field, words in the reason) per error)
PROBLEMS: list[tuple[int, dict[str, str], list[tuple[str | None, str]]]] = [
    (100, school(school_number="150839001", name=""), [("name", "empty")]),
    (
        200,
        school(school_number="150839002", school_type="Gymnasiumm"),
        [("school_type", "Gymnasiumm")],
    ),
    (300, school(school_number="150839003", postal_code="3934"), [("postal_code", "five digits")]),
    (400, school(school_number="150839004", region="Börde"), [("region", "boerde")]),
    (
        500,
        GOOD[10] | {"name": "Grundschule Doppelt"},
        [("school_number", "already appears in row 12")],
    ),
    (
        600,
        school(school_number="150839005", has_school_social_work="vielleicht"),
        [("has_school_social_work", "vielleicht")],
    ),
    (700, school(school_number=""), [("school_number", "empty")]),
    (
        800,
        school(school_number="150839006", postal_code="ABCDE", email="kein-postfach"),
        [("postal_code", "five digits"), ("email", "kein-postfach")],
    ),
    (850, school(school_number="150839007", name="x" * 301), [("name", "300")]),
    (
        880,
        school(school_number="150839008", has_school_social_work=""),
        [("has_school_social_work", "ja or nein")],
    ),
]


def file_with_problems() -> tuple[
    list[dict[str, str]], list[tuple[int, str | None, str | None, str]]
]:
    """GOOD with the PROBLEMS put in; the expected errors as (line, number, field, words)."""
    rows: list[dict[str, str]] = list(GOOD)
    for offset, (position, row, _) in enumerate(PROBLEMS):
        rows.insert(position + offset, row)
    expected = []
    for position_offset, (position, row, errors) in enumerate(PROBLEMS):
        line = position + position_offset + 2  # the header is line 1
        for field, words in errors:
            expected.append((line, row["school_number"] or None, field, words))
    return rows, expected


async def post_csv(
    registry,
    data: bytes,
    *,
    headers: dict[str, str] | None = None,
    partial: bool = False,
    multipart: bool = False,
):
    headers = headers if headers is not None else registry.auth("state_coordinator")
    params = {"partial": "true"} if partial else {}
    if multipart:
        return await registry.client.post(
            "/api/v1/schools/import",
            files={"file": ("schulen.csv", data, "text/csv")},
            params=params,
            headers=headers,
        )
    return await registry.client.post(
        "/api/v1/schools/import",
        content=data,
        params=params,
        headers=headers | {"Content-Type": "text/csv"},
    )


async def count(registry, what: Any) -> int:
    async with registry.app.state.runtime.db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(what))


async def schools_and_events(registry) -> tuple[int, int]:
    return await count(registry, School), await count(
        registry, registry.app.state.runtime.tables.outbox
    )


@pytest.fixture
async def registry(registry):
    """The registry, which has published every event of the test when the test ends."""
    yield registry
    await all_published(registry)


async def all_schools(registry) -> dict[str, dict[str, Any]]:
    schools: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        params = {"limit": 500} | ({"cursor": cursor} if cursor else {})
        body = (await registry.client.get("/api/v1/schools", params=params)).json()
        schools |= {s["school_number"]: s for s in body["items"]}
        cursor = body["next_cursor"]
        if cursor is None:
            return schools


# --------------------------------------------------------------------------- the realistic file


async def test_a_file_with_bad_rows_is_rejected_whole_with_a_reason_per_row(registry):
    rows, expected = file_with_problems()

    response = await post_csv(registry, to_csv(rows))

    assert response.status_code == 422, response.text[:500]
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["rule"] == "school-import-rejected"
    assert "Nothing was written" in problem["detail"] and "partial=true" in problem["detail"]
    report = problem["report"]
    assert {k: report[k] for k in ("created", "updated", "unchanged", "rejected", "rows")} == {
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "rejected": len(PROBLEMS),
        "rows": 900 + len(PROBLEMS),
    }
    got = [(e["row"], e["school_number"], e["field"]) for e in report["errors"]]
    assert got == [(line, number, field) for line, number, field, _ in expected]
    for error, (_, _, _, words) in zip(report["errors"], expected, strict=True):
        assert words in error["reason"], error
    assert problem["errors"][0]["field"] == f"row {expected[0][0]}.name"
    assert await schools_and_events(registry) == (0, 0)


async def test_with_partial_the_valid_rows_are_written_and_the_bad_ones_reported(registry):
    rows, expected = file_with_problems()

    response = await post_csv(registry, to_csv(rows), partial=True)

    assert response.status_code == 200, response.text[:500]
    report = response.json()
    assert {k: report[k] for k in ("created", "updated", "unchanged", "rejected", "rows")} == {
        "created": 900,
        "updated": 0,
        "unchanged": 0,
        "rejected": len(PROBLEMS),
        "rows": 900 + len(PROBLEMS),
    }
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(e[0], e[2]) for e in expected]
    assert await schools_and_events(registry) == (900, 900)
    stored = await all_schools(registry)
    assert set(stored) == NUMBERS
    first = stored[GOOD[10]["school_number"]]
    assert first["name"] == GOOD[10]["name"]  # the later duplicate row did not win
    assert {s["region"] for s in stored.values()} == {r["region"] for r in GOOD}
    assert len({s["region"] for s in stored.values()}) == 14
    assert {s["school_type"] for s in stored.values()} == {
        "grundschule",
        "sekundarschule",
        "gemeinschaftsschule",
        "gesamtschule",
        "gymnasium",
        "foerderschule",
        "berufsbildende_schule",
        "other",
    }


async def test_importing_the_same_file_again_creates_and_changes_nothing(registry):
    data = to_csv(GOOD)
    first = await post_csv(registry, data)
    before = await all_schools(registry)

    again = await post_csv(registry, data)

    assert first.status_code == 200 and first.json()["created"] == 900
    assert again.status_code == 200, again.text[:500]
    assert again.json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 900,
        "rejected": 0,
        "rows": 900,
        "errors": [],
    }
    assert await schools_and_events(registry) == (900, 900)
    assert await all_schools(registry) == before  # same versions, same updated_at


async def test_a_changed_field_in_a_reimport_updates_that_school_and_emits_school_updated(
    registry, nats_url
):
    assert (await post_csv(registry, to_csv(GOOD))).status_code == 200
    await all_published(registry)  # the tap below sees only what the re-import publishes
    changed = [dict(row) for row in GOOD]
    changed[42]["phone"] = "03904 999999"
    target = changed[42]
    school_id = (await all_schools(registry))[target["school_number"]]["id"]

    subject = f"sfs.{target['region']}.registry.school.updated"
    async with EventTap(nats_url, stream="REGISTRY", subject=subject) as tap:
        response = await post_csv(
            registry, to_csv(changed, delimiter=",", bom=False), multipart=True
        )
        [(event, _)] = await tap.wait_for(lambda e: str(e.data.id) == school_id)

    assert response.status_code == 200, response.text[:500]
    assert {k: response.json()[k] for k in ("created", "updated", "unchanged")} == {
        "created": 0,
        "updated": 1,
        "unchanged": 899,
    }
    school = (await registry.client.get(f"/api/v1/schools/{school_id}")).json()
    assert school["phone"] == "03904 999999" and school["version"] == 2
    assert event.data.school_number == target["school_number"]
    assert await schools_and_events(registry) == (900, 901)


# --------------------------------------------------------------------------- how files come


@pytest.mark.parametrize(
    ("bom", "delimiter", "multipart"),
    [(True, ";", True), (False, ";", False), (True, ",", False), (False, ",", True)],
    ids=["bom-semicolon-multipart", "semicolon-text-csv", "bom-comma-text-csv", "comma-multipart"],
)
async def test_files_with_or_without_bom_and_either_separator_arrive_unchanged(
    registry, bom, delimiter, multipart
):
    rows = generate_schools(60, seed=7)

    response = await post_csv(
        registry, to_csv(rows, bom=bom, delimiter=delimiter), multipart=multipart
    )

    assert response.status_code == 200, response.text[:500]
    assert response.json()["created"] == 60
    stored = await all_schools(registry)
    for row in rows:
        school = stored[row["school_number"]]
        assert school["name"] == row["name"]  # quotes, commas, semicolons, umlauts
        assert school["city"] == row["city"] and school["street"] == row["street"]
        assert school["has_school_social_work"] is (
            row["has_school_social_work"].lower() in ("ja", "true")
        )
        assert school["email"] == (row["email"] or None)
    assert any('"' in row["name"] for row in rows) and any("," in row["name"] for row in rows)


async def test_only_the_required_columns_are_enough_and_cells_are_trimmed(registry):
    rows = [school(name="  Grundschule Sülzetal  ", has_school_social_work=" NEIN ")]

    response = await post_csv(registry, to_csv(rows, header=REQUIRED_HEADER))

    assert response.status_code == 200, response.text
    stored = (await all_schools(registry))["150839001"]
    assert stored["name"] == "Grundschule Sülzetal"
    assert stored["has_school_social_work"] is False
    assert stored["email"] is None


async def test_columns_left_out_of_a_reimport_keep_their_values(registry):
    row = school(
        email="info@sek-suelzetal.example", phone="039205 123", website="sek-suelzetal.example"
    )
    assert (await post_csv(registry, to_csv([row]))).status_code == 200

    without_contacts = await post_csv(registry, to_csv([row], header=REQUIRED_HEADER))
    emptied = await post_csv(registry, to_csv([row | {"email": ""}]))

    assert without_contacts.json()["unchanged"] == 1
    assert emptied.json()["updated"] == 1
    stored = (await all_schools(registry))["150839001"]
    assert stored["email"] is None
    assert stored["phone"] == "039205 123"
    assert stored["website"] == "https://sek-suelzetal.example/"


async def test_an_excel_separator_line_is_understood_and_rows_keep_their_line_numbers(registry):
    data = b"sep=,\r\n" + to_csv(
        [school(), school(school_number="150839002", postal_code="1")], delimiter=",", bom=False
    )

    response = await post_csv(registry, data, partial=True)

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["rejected"]) == (1, 1)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(4, "postal_code")]


async def test_the_import_documents_both_ways_to_send_the_file(registry):
    spec = (await registry.client.get("/api/v1/openapi.json")).json()
    operation = spec["paths"]["/api/v1/schools/import"]["post"]

    content = operation["requestBody"]["content"]
    assert content["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
    assert content["text/csv"]["schema"] == {"type": "string"}
    assert {"200", "413", "415", "422"} <= set(operation["responses"])
    assert [p["name"] for p in operation["parameters"]] == ["partial"]


async def test_a_header_without_rows_imports_nothing(registry):
    response = await post_csv(registry, to_csv([]))

    assert response.status_code == 200
    assert response.json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "rows": 0,
        "errors": [],
    }


# --------------------------------------------------------------------------- files that cannot be read


async def test_a_windows_1252_file_is_refused_with_advice_to_save_it_as_utf8(registry):
    data = to_csv(GOOD[:50], encoding="cp1252", bom=False)

    response = await post_csv(registry, data, multipart=True)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert "not UTF-8" in detail and "Windows-1252" in detail and "CSV UTF-8" in detail
    assert "line 2" in detail
    assert await schools_and_events(registry) == (0, 0)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            b"school_number;name;school_type;street;postal_code;city;region;has_school_social_work\r\n"
            b'150830001;"Grundschule Am Park;grundschule;Weg 1;39164;Wanzleben;boerde;ja\r\n'
            b"150830002;Gymnasium;gymnasium;Weg 2;39164;Wanzleben;boerde;ja\r\n",
            "not valid CSV",
        ),
        (
            b"school_number,name,school_type,street,postal_code,city,region,has_school_social_work\r\n"
            b'150830001,"Schule" am Park,grundschule,Weg 1,39164,Wanzleben,boerde,ja\r\n',
            "line 2",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "not a text file"),
        (bytes(range(128, 256)) * 20, "not UTF-8"),
        ("school_number;name\r\n".encode("utf-16"), "UTF-16"),
        (b"", "empty"),
        (b"\xef\xbb\xbf\r\n\r\n", "empty"),
    ],
    ids=["unclosed-quote", "text-after-quote", "png", "random-bytes", "utf-16", "empty", "blank"],
)
async def test_a_broken_or_binary_file_is_a_4xx_problem_never_a_500(registry, data, words):
    for multipart in (False, True):
        response = await post_csv(registry, data, multipart=multipart)

        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert words in response.json()["detail"]
    assert await schools_and_events(registry) == (0, 0)


async def test_missing_and_unknown_header_columns_are_named_in_a_422(registry):
    header = [
        "school_number",
        "name",
        "school_type",
        "postal_code",
        "region",
        "fax",
        "has_school_social_work",
    ]
    data = to_csv([school(fax="0391 1")], header=header)

    response = await post_csv(registry, data)

    assert response.status_code == 422
    problem = response.json()
    assert {(e["field"], e["type"]) for e in problem["errors"]} == {
        ("street", "missing_column"),
        ("city", "missing_column"),
        ("fax", "unknown_column"),
    }
    assert "street, city" in problem["detail"] and "fax" in problem["detail"]


async def test_a_row_with_more_cells_than_columns_is_rejected_with_its_line(registry):
    data = to_csv([school()], delimiter=",", bom=False, header=REQUIRED_HEADER)
    data += "150839002,Grundschule Klein Wanzleben, Außenstelle,grundschule,Weg 1,39164,Wanzleben-Börde,boerde,ja\r\n".encode()

    response = await post_csv(registry, data, partial=True)

    assert response.status_code == 200
    report = response.json()
    assert report["created"] == 1 and report["rejected"] == 1
    [error] = report["errors"]
    assert error["row"] == 3 and error["school_number"] == "150839002" and error["field"] is None
    assert "quotes" in error["reason"]


# --------------------------------------------------------------------------- limits and rights


async def test_a_file_over_10_mib_is_a_413_problem(registry):
    data = to_csv(GOOD[:1]) + b"#" * (10 * 1024 * 1024)

    for multipart in (False, True):
        response = await post_csv(registry, data, multipart=multipart)
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"


async def test_other_media_types_and_a_form_without_file_are_refused(registry):
    headers = registry.auth("state_coordinator")
    json_body = await registry.client.post(
        "/api/v1/schools/import", json={"rows": []}, headers=headers
    )
    wrong_field = await registry.client.post(
        "/api/v1/schools/import",
        files={"upload": ("s.csv", to_csv(GOOD[:2]), "text/csv")},
        headers=headers,
    )
    text_field = await registry.client.post(
        "/api/v1/schools/import",
        data={"file": "school_number"},
        files={"x": ("x", b"")},
        headers=headers,
    )
    no_boundary = await registry.client.post(
        "/api/v1/schools/import",
        content=b"--x\r\n",
        headers=headers | {"Content-Type": "multipart/form-data"},
    )

    assert json_body.status_code == 415
    assert wrong_field.status_code == 422 and wrong_field.json()["errors"][0]["field"] == "file"
    assert text_field.status_code == 422
    assert no_boundary.status_code == 400
    assert all(
        r.headers["content-type"] == "application/problem+json"
        for r in (json_body, wrong_field, text_field, no_boundary)
    )


@pytest.mark.parametrize("role", ["school", "partner", "steering_member", "admin"])
async def test_only_network_offices_and_the_state_coordination_may_import(registry, role):
    response = await post_csv(registry, to_csv(GOOD[:5]), headers=registry.auth(role, "boerde"))

    assert response.status_code == 403
    assert await schools_and_events(registry) == (0, 0)


async def test_a_network_office_imports_only_rows_of_its_own_regions(registry):
    rows = generate_schools(56)  # four schools per region
    harz_rows = [row for row in rows if row["region"] == "harz"]
    # A Börde school already holds the number of one Harz row: the row would move it to Harz.
    taken = harz_rows[0]["school_number"]
    created = await registry.client.post(
        "/api/v1/schools",
        json={
            "school_number": taken,
            "name": "Grundschule Hohe Börde",
            "school_type": "grundschule",
            "region": "boerde",
        },
        headers=registry.auth("state_coordinator"),
    )
    assert created.status_code == 201
    headers = registry.auth("network_office", "harz")

    whole = await post_csv(registry, to_csv(rows), headers=headers)
    partial = await post_csv(registry, to_csv(rows), headers=headers, partial=True)

    assert whole.status_code == 422
    assert whole.json()["report"]["rejected"] == 53
    assert partial.status_code == 200
    report = partial.json()
    assert (report["created"], report["rejected"]) == (3, 53)
    assert {e["field"] for e in report["errors"]} == {"region"}
    moved = next(e for e in report["errors"] if e["school_number"] == taken)
    assert "'boerde'" in moved["reason"]
    stored = await all_schools(registry)
    assert stored[taken]["region"] == "boerde"
    assert {s["region"] for n, s in stored.items() if n != taken} == {"harz"}


async def test_social_work_providers_in_the_file_must_be_organisations_of_the_registry(registry):
    provider = await add_organization(registry)
    rows = [
        school(school_number="150839001", social_work_provider_id=str(provider)),
        school(school_number="150839002", social_work_provider_id=str(uuid.uuid4())),
        school(school_number="150839003", social_work_provider_id="AWO Börde"),
    ]

    response = await post_csv(
        registry, to_csv(rows, header=(*REQUIRED_HEADER, "social_work_provider_id")), partial=True
    )

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["rejected"]) == (1, 2)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [
        (3, "social_work_provider_id"),
        (4, "social_work_provider_id"),
    ]
    assert (await all_schools(registry))["150839001"]["social_work_provider_id"] == str(provider)


# --------------------------------------------------------------------------- command line


def _migrated_sqlite(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "registry.db"
    url = f"sqlite+aiosqlite:///{path}"
    migrations.upgrade(MIGRATIONS, url)
    return url, path


def _count_sqlite(path: Path, table: str) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _run_cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        registry_command(["import-schools", *args])
    return int(exit_info.value.code)


def test_the_command_imports_a_file_into_a_migrated_sqlite_database(tmp_path):
    url, db_path = _migrated_sqlite(tmp_path)
    csv_path = tmp_path / "schulen.csv"
    csv_path.write_bytes(to_csv(GOOD))
    command = [sys.executable, "-m", "registry", "import-schools"]

    first = subprocess.run(
        [*command, str(csv_path), "--database-url", url],
        capture_output=True,
        timeout=120,
        env=os.environ | {"REGISTRY_DATABASE_URL": "sqlite+aiosqlite:///nowhere/at/all.db"},
    )
    again = subprocess.run(
        [*command, str(csv_path), "--database-url", url],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert first.returncode == 0, first.stderr
    assert b"900 rows: 900 created, 0 updated, 0 unchanged, 0 rejected." in first.stdout
    assert b"\r[################..............] 500/900" in first.stderr
    assert first.stderr.endswith(b"\r[##############################] 900/900\n")
    assert again.returncode == 0, again.stderr
    assert "900 rows: 0 created, 0 updated, 900 unchanged, 0 rejected." in again.stdout
    assert _count_sqlite(db_path, "schools") == 900
    assert _count_sqlite(db_path, "outbox") == 900  # the registry's relay publishes them


def test_the_command_writes_nothing_when_rows_are_rejected_unless_partial(
    tmp_path, capsys, monkeypatch
):
    url, db_path = _migrated_sqlite(tmp_path)
    monkeypatch.setenv("REGISTRY_DATABASE_URL", url)  # no --database-url: the registry's setting
    rows, expected = file_with_problems()
    csv_path = tmp_path / "schulen.csv"
    csv_path.write_bytes(to_csv(rows))

    refused = _run_cli(str(csv_path))
    refused_out = capsys.readouterr()
    written = _run_cli(str(csv_path), "--partial")
    written_out = capsys.readouterr()

    assert refused == 1
    assert (
        f"{len(rows)} rows: 0 created, 0 updated, 0 unchanged, {len(PROBLEMS)} rejected."
        in refused_out.out
    )
    assert f"row {expected[0][0]} (school {expected[0][1]}), name: is empty" in refused_out.out
    assert "Nothing was written" in refused_out.err and "--partial" in refused_out.err
    assert written == 0
    assert (
        f"{len(rows)} rows: 900 created, 0 updated, 0 unchanged, {len(PROBLEMS)} rejected."
        in written_out.out
    )
    assert _count_sqlite(db_path, "schools") == 900


def test_the_command_explains_an_unreadable_file_and_an_unmigrated_database(tmp_path, capsys):
    url, _ = _migrated_sqlite(tmp_path)
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(to_csv(GOOD[:10], encoding="cp1252", bom=False))
    good = tmp_path / "schulen.csv"
    good.write_bytes(to_csv(GOOD[:10]))
    empty_db = tmp_path / "empty.db"
    sqlite3.connect(empty_db).close()

    assert _run_cli(str(latin1), "--database-url", url) == 1
    assert "Windows-1252" in capsys.readouterr().err
    assert _run_cli(str(tmp_path / "missing.csv"), "--database-url", url) == 2
    assert "cannot read" in capsys.readouterr().err
    assert _run_cli(str(good), "--database-url", f"sqlite+aiosqlite:///{empty_db}") == 2
    assert "not migrated" in capsys.readouterr().err
    assert _run_cli(str(good), "--database-url", f"sqlite+aiosqlite:///{tmp_path}/none.db") == 2
    assert "no registry database" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()


async def test_the_command_line_importer_runs_against_postgresql_too(new_database):
    url = await new_database("postgresql")
    await migrate(url)

    progress: list[tuple[int, int]] = []
    report = await import_into_database(
        database_url=url,
        migrations=MIGRATIONS,
        data=to_csv(GOOD),
        progress=lambda d, t: progress.append((d, t)),
    )

    assert (report.created, report.rows) == (900, 900)
    assert progress[0] == (0, 900) and progress[-1] == (900, 900)
    assert progress == sorted(progress)
    await asyncio.sleep(0)


async def _count_postgresql(url: str, table: str) -> int:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
    finally:
        await engine.dispose()


async def test_python_m_registry_imports_a_small_file_into_postgresql(new_database, tmp_path):
    url = await new_database("postgresql")
    await migrate(url)
    csv_path = tmp_path / "schulen.csv"
    csv_path.write_bytes(to_csv([*GOOD[:20], school(name="")]))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "registry", "import-schools", str(csv_path), *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=os.environ | {"REGISTRY_DATABASE_URL": url},  # the registry's own setting
        )

    refused = await asyncio.to_thread(run)
    refused_count = await _count_postgresql(url, "schools")
    written = await asyncio.to_thread(run, "--partial")

    assert refused.returncode == 1, refused.stderr
    assert "21 rows: 0 created, 0 updated, 0 unchanged, 1 rejected." in refused.stdout
    assert "row 22 (school 150839001), name: is empty" in refused.stdout
    assert refused_count == 0
    assert written.returncode == 0, written.stderr
    assert "21 rows: 20 created, 0 updated, 0 unchanged, 1 rejected." in written.stdout
    assert await _count_postgresql(url, "schools") == 20
    assert await _count_postgresql(url, "outbox") == 20
