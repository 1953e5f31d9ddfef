"""Materials through the public HTTP API: uploads stored on disk, downloads, lists, changes,
deletion — on PostgreSQL with a real NATS server and a materials directory per test."""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from registry_support import Registry, start_registry
from sqlalchemy import event
from sqlalchemy.orm import Session

from registry.models import Material
from schulerfolg.http.pagination import encode_cursor

MAX_BYTES = 64 * 1024
PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n"
    b"%%EOF\n"
)
LEITFADEN = "Handlungsleitfaden Kindeswohl Börde.pdf"


def png_1x1() -> bytes:
    """A valid 1×1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PNG = png_1x1()


@pytest.fixture
async def registry(new_database, nats_url: str, tmp_path: Path) -> AsyncIterator[Registry]:
    """A registry on PostgreSQL storing materials under tmp_path, with a 64 KB limit."""
    url = await new_database("postgresql")
    async with start_registry(
        url,
        nats_url,
        tmp_path / "auth",
        materials_dir=str(tmp_path / "materials"),
        materials_max_bytes=MAX_BYTES,
    ) as running_registry:
        yield running_registry


def stored_files(registry: Registry) -> list[Path]:
    """Every file under the materials directory, temporary ones included."""
    root = Path(registry.settings.materials_dir)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def upload(
    registry: Registry,
    headers: dict[str, str],
    *,
    file: tuple[str, bytes, str] | None = ("Leitfaden.pdf", PDF, "application/pdf"),
    **fields: str,
) -> Any:
    """POST /materials as a web form sends it: the text fields, then the file."""
    values = {"title": "Leitfaden Kinderschutz", "region": "boerde"} | fields
    parts: list[tuple[str, Any]] = [(name, (None, value)) for name, value in values.items()]
    if file is not None:
        parts.append(("file", file))
    return await registry.client.post("/api/v1/materials", files=parts, headers=headers)


def raw_form(*parts: tuple[bytes, bytes]) -> bytes:
    """A multipart body with the boundary ``x`` from (part headers, content) pairs."""
    body = b"".join(b"--x\r\n" + head + b"\r\n\r\n" + content + b"\r\n" for head, content in parts)
    return body + b"--x--\r\n"


FORM = "multipart/form-data; boundary=x"


async def test_a_network_office_publishes_a_pdf_and_anyone_downloads_it_byte_identical(registry):
    response = await upload(
        registry,
        registry.auth("network_office", "boerde"),
        file=(LEITFADEN, PDF, "application/pdf"),
        title="Handlungsleitfaden Kindeswohl",
        description="Was tun bei Anhaltspunkten für eine Kindeswohlgefährdung?",
    )

    assert response.status_code == 201, response.text
    material = response.json()
    assert response.headers["location"] == f"/api/v1/materials/{material['id']}"
    assert response.headers["etag"] == '"1"'
    assert material | {"id": None, "created_at": None, "updated_at": None} == {
        "id": None,
        "title": "Handlungsleitfaden Kindeswohl",
        "description": "Was tun bei Anhaltspunkten für eine Kindeswohlgefährdung?",
        "region": "boerde",
        "filename": LEITFADEN,
        "content_type": "application/pdf",
        "size_bytes": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(),
        "download_url": f"/api/v1/materials/{material['id']}/file",
        "created_at": None,
        "updated_at": None,
        "version": 1,
    }

    download = await registry.client.get(material["download_url"])

    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-length"] == str(len(PDF))
    assert download.headers["etag"] == f'"{hashlib.sha256(PDF).hexdigest()}"'
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"] == (
        'attachment; filename="Handlungsleitfaden Kindeswohl Boerde.pdf"; '
        "filename*=UTF-8''Handlungsleitfaden%20Kindeswohl%20B%C3%B6rde.pdf"
    )
    assert len(stored_files(registry)) == 1


async def test_the_state_coordinator_publishes_a_png_state_wide(registry):
    response = await upload(
        registry,
        registry.auth("state_coordinator"),
        file=("Logo Schulerfolg.png", PNG, "image/png"),
        title="Logo des Programms",
        region="",
    )

    assert response.status_code == 201, response.text
    assert response.json()["region"] is None
    download = await registry.client.get(response.json()["download_url"])
    assert download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert download.headers["content-disposition"].startswith(
        'attachment; filename="Logo Schulerfolg.png"'
    )


async def test_a_utf8_csv_keeps_its_type_with_the_charset(registry):
    csv = "Schule;Ort\nGrundschule Börde;Haldensleben\n".encode()
    response = await upload(
        registry,
        registry.auth("network_office", "boerde"),
        file=("Kontakte.csv", csv, "text/csv"),
    )

    assert response.status_code == 201, response.text
    download = await registry.client.get(response.json()["download_url"])
    assert download.content == csv
    assert download.headers["content-type"] == "text/csv; charset=utf-8"


async def test_a_download_with_the_current_etag_is_304(registry):
    created = (await upload(registry, registry.auth("state_coordinator"))).json()
    response = await registry.client.get(
        created["download_url"], headers={"If-None-Match": f'"{created["sha256"]}"'}
    )
    assert response.status_code == 304 and response.content == b""


async def test_materials_are_listed_by_title_filtered_by_region_or_state_and_searched(registry):
    coordinator = registry.auth("state_coordinator")
    for title, region, description in [
        ("Handlungsleitfaden Kindeswohl", "boerde", "Für die Börde"),
        ("Elternbrief Schulabsentismus", "harz", None),
        ("Flyer Netzwerkstelle", "boerde", None),
        ("Förderrichtlinie", "", "Landesweit gültig"),
    ]:
        response = await upload(
            registry, coordinator, title=title, region=region, description=description or ""
        )
        assert response.status_code == 201, response.text

    async def titles(**params: str) -> list[str]:
        response = await registry.client.get("/api/v1/materials", params=params)
        assert response.status_code == 200, response.text
        return [m["title"] for m in response.json()["items"]]

    assert await titles() == [
        "Elternbrief Schulabsentismus",
        "Flyer Netzwerkstelle",
        "Förderrichtlinie",
        "Handlungsleitfaden Kindeswohl",
    ]
    assert await titles(region="boerde") == [
        "Flyer Netzwerkstelle",
        "Handlungsleitfaden Kindeswohl",
    ]
    assert await titles(region="state") == ["Förderrichtlinie"]
    assert await titles(q="borde") == ["Handlungsleitfaden Kindeswohl"]  # in the description
    assert await titles(q="BOERDE") == ["Handlungsleitfaden Kindeswohl"]
    assert await titles(q="foerder") == ["Förderrichtlinie"]
    assert await titles(q="netzwerk", region="harz") == []
    assert await titles(q="50%_") == []


async def test_materials_page_through_with_a_cursor(registry):
    headers = registry.auth("network_office", "halle")
    for number in range(5):
        response = await upload(registry, headers, title=f"Protokoll {number}", region="halle")
        assert response.status_code == 201

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        response = await registry.client.get("/api/v1/materials", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [m["title"] for m in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    assert seen == [f"Protokoll {n}" for n in range(5)]


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"region": "atlantis"}, 422, "region"),
        ({"cursor": "not-a-cursor"}, 400, "cursor"),
        # Well-formed cursors, but with titles the database could not compare.
        ({"cursor": "WzEsICJ4Il0"}, 400, "cursor"),  # [1, "x"]
        (
            {"cursor": encode_cursor(["a\x00", "5b0e6a52-8a1c-4c5e-9f3e-0d1c2b3a4f5e"])},
            400,
            "cursor",
        ),
        (
            {"cursor": encode_cursor(["\ud800", "5b0e6a52-8a1c-4c5e-9f3e-0d1c2b3a4f5e"])},
            400,
            "cursor",
        ),
        ({"q": "a\x00b"}, 400, None),  # refused before the route (PostgreSQL refuses NUL)
    ],
)
async def test_bad_list_parameters_are_4xx_problems_naming_the_parameter(
    registry, params, status, field
):
    response = await registry.client.get("/api/v1/materials", params=params)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert response.json()["errors"][0]["field"] == field


async def test_one_material_carries_its_version_as_etag_and_a_stale_if_match_is_412(registry):
    headers = registry.auth("network_office", "boerde")
    created = (await upload(registry, headers)).json()
    path = f"/api/v1/materials/{created['id']}"

    got = await registry.client.get(path)
    changed = await registry.client.patch(
        path,
        json={"title": "Leitfaden Kinderschutz (2. Auflage)", "description": ""},
        headers=headers | {"If-Match": '"1"'},
    )
    stale = await registry.client.patch(
        path, json={"title": "Zu spät"}, headers=headers | {"If-Match": '"1"'}
    )

    assert got.status_code == 200 and got.headers["etag"] == '"1"'
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert changed.json()["title"] == "Leitfaden Kinderschutz (2. Auflage)"
    assert changed.json()["description"] is None
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.headers["etag"] == '"2"'
    assert (await registry.client.get(path)).json()[
        "title"
    ] == "Leitfaden Kinderschutz (2. Auflage)"
    search = await registry.client.get("/api/v1/materials", params={"q": "auflage"})
    assert [m["id"] for m in search.json()["items"]] == [created["id"]]


async def test_moving_a_material_needs_the_right_to_write_both_regions(registry):
    boerde = registry.auth("network_office", "boerde")
    created = (await upload(registry, boerde)).json()
    path = f"/api/v1/materials/{created['id']}"

    to_harz = await registry.client.patch(path, json={"region": "harz"}, headers=boerde)
    to_state = await registry.client.patch(path, json={"region": None}, headers=boerde)
    by_harz = await registry.client.patch(
        path, json={"title": "Übernommen"}, headers=registry.auth("network_office", "harz")
    )
    by_both = await registry.client.patch(
        path, json={"region": "harz"}, headers=registry.auth("network_office", "boerde", "harz")
    )
    to_state_by_coordinator = await registry.client.patch(
        path, json={"region": "state"}, headers=registry.auth("state_coordinator")
    )

    assert [to_harz.status_code, to_state.status_code, by_harz.status_code] == [403, 403, 403]
    assert by_both.status_code == 200 and by_both.json()["region"] == "harz"
    assert to_state_by_coordinator.status_code == 200
    assert to_state_by_coordinator.json()["region"] is None


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"title": None}, {"title"}),
        ({"title": "x" * 301}, {"title"}),
        ({"region": "atlantis"}, {"region"}),
        ({"description": "d" * 4001, "sha256": "0" * 64}, {"description", "sha256"}),
        ({"title": "Kinderschutz\ud800"}, {"title"}),
    ],
)
async def test_invalid_changes_are_named_in_a_422_problem(registry, body, fields):
    headers = registry.auth("state_coordinator")
    created = (await upload(registry, headers)).json()

    response = await registry.client.patch(
        f"/api/v1/materials/{created['id']}",
        content=json.dumps(body),  # ASCII-escaped: the lone surrogate reaches the server
        headers=headers | {"Content-Type": "application/json"},
    )

    assert response.status_code == 422, response.text
    assert {e["field"] for e in response.json()["errors"]} == fields


async def test_a_retry_with_the_same_idempotency_key_returns_the_same_material_and_stores_one_file(
    registry,
):
    headers = registry.auth("network_office", "boerde") | {"Idempotency-Key": "upload-1"}
    first = await upload(registry, headers)
    retry = await upload(registry, headers)
    other_file = await upload(
        registry, headers, file=("Leitfaden.pdf", PDF + b"\n", "application/pdf")
    )

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["location"] == first.headers["location"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert other_file.status_code == 422
    assert other_file.json()["errors"][0]["field"] == "Idempotency-Key"
    listed = (await registry.client.get("/api/v1/materials")).json()["items"]
    assert [m["id"] for m in listed] == [first.json()["id"]]
    assert len(stored_files(registry)) == 1


async def test_a_file_over_the_size_limit_is_413_and_leaves_no_file_behind(registry):
    too_big = PDF + b"%" * (MAX_BYTES - len(PDF) + 1)
    just_right = PDF + b"%" * (MAX_BYTES - len(PDF))
    headers = registry.auth("network_office", "boerde")

    refused = await upload(registry, headers, file=("Gross.pdf", too_big, "application/pdf"))

    assert refused.status_code == 413, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "64 KB (65536 bytes)" in refused.json()["detail"]
    assert refused.json()["errors"][0]["field"] == "file"
    assert stored_files(registry) == []
    assert (await registry.client.get("/api/v1/materials")).json()["items"] == []

    accepted = await upload(registry, headers, file=("Genau.pdf", just_right, "application/pdf"))
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["size_bytes"] == MAX_BYTES


async def test_an_upload_streamed_in_small_chunks_with_the_file_first_is_stored_intact(registry):
    text = ("Börde, Jerichower Land; " * 600).encode()  # umlauts split across chunk borders
    body = raw_form(
        (
            b'Content-Disposition: form-data; name="file"; filename="Regionen.txt"\r\n'
            b"Content-Type: text/plain",
            text,
        ),
        (b'Content-Disposition: form-data; name="title"', "Übersicht der Regionen".encode()),
        (b'Content-Disposition: form-data; name="region"', b"boerde"),
    )

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 997):
            yield body[start : start + 997]

    response = await registry.client.post(
        "/api/v1/materials",
        content=chunks(),
        headers=registry.auth("network_office", "boerde") | {"Content-Type": FORM},
    )

    assert response.status_code == 201, response.text
    assert response.json()["title"] == "Übersicht der Regionen"
    assert response.json()["sha256"] == hashlib.sha256(text).hexdigest()
    assert (await registry.client.get(response.json()["download_url"])).content == text


async def test_a_streamed_upload_is_refused_as_soon_as_it_passes_the_limit(registry):
    body = raw_form(
        (b'Content-Disposition: form-data; name="title"', b"Zu gross"),
        (
            b'Content-Disposition: form-data; name="file"; filename="Gross.pdf"\r\n'
            b"Content-Type: application/pdf",
            PDF + b"%" * (4 * MAX_BYTES),
        ),
    )
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: only the stream tells
        nonlocal sent
        for start in range(0, len(body), 4096):
            sent += 1
            yield body[start : start + 4096]

    response = await registry.client.post(
        "/api/v1/materials",
        content=chunks(),
        headers=registry.auth("state_coordinator") | {"Content-Type": FORM},
    )

    assert response.status_code == 413
    assert sent <= MAX_BYTES // 4096 + 2  # the rest of the body was never read
    assert stored_files(registry) == []


async def test_a_body_far_over_the_limit_is_refused_by_its_content_length(registry):
    response = await registry.client.post(
        "/api/v1/materials",
        content=b"x" * (MAX_BYTES + 300 * 1024),
        headers=registry.auth("state_coordinator")
        | {"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 413
    assert stored_files(registry) == []


async def test_a_type_that_is_not_accepted_is_415_naming_the_accepted_types(registry):
    response = await upload(
        registry,
        registry.auth("network_office", "boerde"),
        file=("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "application/x-msdownload"),
    )

    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert "application/x-msdownload" in detail
    assert "application/pdf" in detail and "image/png" in detail
    assert stored_files(registry) == []


@pytest.mark.parametrize(
    ("name", "content", "declared"),
    [
        ("Leitfaden.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56, "application/pdf"),
        ("Foto.jpg", PNG, "image/jpeg"),
        ("Bild.png", PDF, "image/png"),
        (
            "Bericht.docx",
            PDF,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("Liste.csv", "Schule;Ort\nBörde;Haldensleben\n".encode("latin-1"), "text/csv"),
        ("Notiz.txt", b"Hallo\x00Welt", "text/plain"),
        ("Notiz.txt", "Kindeswohl Bö".encode()[:-1], "text/plain"),  # cut in an umlaut
    ],
)
async def test_a_file_whose_bytes_do_not_match_its_declared_type_is_415(
    registry, name, content, declared
):
    response = await upload(
        registry, registry.auth("network_office", "boerde"), file=(name, content, declared)
    )

    assert response.status_code == 415, response.text
    assert declared in response.json()["detail"]
    assert "Accepted types:" in response.json()["detail"]
    assert stored_files(registry) == []


async def test_a_network_office_may_neither_publish_for_another_region_nor_state_wide(registry):
    harz = registry.auth("network_office", "harz")

    to_boerde = await upload(registry, harz, region="boerde")
    state_wide = await upload(registry, harz, region="")
    as_school = await upload(registry, registry.auth("school"), region="harz")

    assert [to_boerde.status_code, state_wide.status_code, as_school.status_code] == [403] * 3
    assert to_boerde.headers["content-type"] == "application/problem+json"
    assert stored_files(registry) == []
    assert (await registry.client.get("/api/v1/materials")).json()["items"] == []


async def test_publishing_without_a_token_is_401(registry):
    response = await upload(registry, {})

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert stored_files(registry) == []


@pytest.mark.parametrize(
    ("fields", "file", "invalid"),
    [
        ({}, None, {"file"}),
        ({"title": "x" * 301}, ("a.pdf", PDF, "application/pdf"), {"title"}),
        ({"title": "  "}, ("a.pdf", PDF, "application/pdf"), {"title"}),
        ({"region": "atlantis"}, ("a.pdf", PDF, "application/pdf"), {"region"}),
        ({"title": "Zeile\nUmbruch", "region": "mond"}, None, {"title", "region", "file"}),
        ({"description": "d" * 4001}, ("a.pdf", PDF, "application/pdf"), {"description"}),
        ({"colour": "blau"}, ("a.pdf", PDF, "application/pdf"), {"colour"}),
        ({}, ("leer.pdf", b"", "application/pdf"), {"file"}),
    ],
)
async def test_invalid_upload_fields_are_named_in_a_422_problem(registry, fields, file, invalid):
    response = await upload(registry, registry.auth("state_coordinator"), file=file, **fields)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert {e["field"] for e in response.json()["errors"]} == invalid
    assert stored_files(registry) == []


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"title": "Leitfaden"}'),
        ("multipart/form-data", b"--x\r\n"),
        (FORM, raw_form((b"Content-Type: text/plain", b"hi"))),
        (
            FORM,
            b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n%PDF-1.4 cut off",
        ),
        (FORM, raw_form((b'Content-Disposition: form-data; name="title"', b"\xff\xfe"))),
        (
            FORM,
            raw_form(
                (b'Content-Disposition: form-data; name="title"', b"Eins"),
                (b'Content-Disposition: form-data; name="title"', b"Zwei"),
            ),
        ),
    ],
)
async def test_a_body_that_is_not_a_complete_form_is_a_422_problem_not_a_500(
    registry, content_type, body
):
    response = await registry.client.post(
        "/api/v1/materials",
        content=body,
        headers=registry.auth("state_coordinator") | {"Content-Type": content_type},
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert stored_files(registry) == []


@pytest.mark.parametrize(
    ("raw_name", "stored"),
    [
        ("C:\\Users\\nwst\\Desktop\\Lei\x07tf\u202eaden.pdf".encode(), "Leitfaden.pdf"),
        (b"../../etc/Leitfaden.pdf", "Leitfaden.pdf"),
        ("Kindeswohl Bo\u0308rde.pdf".encode(), "Kindeswohl Börde.pdf"),  # macOS: decomposed
        (b"..", "material.pdf"),
        (b"", "material.pdf"),
    ],
)
async def test_a_file_name_is_kept_as_its_base_name_without_control_characters(
    registry, raw_name, stored
):
    body = raw_form(
        (b'Content-Disposition: form-data; name="title"', b"Leitfaden"),
        (
            b'Content-Disposition: form-data; name="file"; filename="' + raw_name + b'"\r\n'
            b"Content-Type: application/pdf",
            PDF,
        ),
    )
    response = await registry.client.post(
        "/api/v1/materials",
        content=body,
        headers=registry.auth("state_coordinator") | {"Content-Type": FORM},
    )

    assert response.status_code == 201, response.text
    assert response.json()["filename"] == stored


async def test_a_long_file_name_is_cut_to_255_characters_keeping_its_extension(registry):
    response = await upload(
        registry,
        registry.auth("state_coordinator"),
        file=("Ä" * 300 + ".pdf", PDF, "application/pdf"),
    )

    assert response.json()["filename"] == "Ä" * 251 + ".pdf"
    download = await registry.client.get(response.json()["download_url"])
    assert download.headers["content-disposition"].startswith(
        'attachment; filename="' + "Ae" * 251 + ".pdf\"; filename*=UTF-8''%C3%84"
    )


async def test_deleting_a_material_removes_its_file_and_it_is_404_afterwards(registry):
    headers = registry.auth("network_office", "boerde")
    created = (await upload(registry, headers)).json()
    path = f"/api/v1/materials/{created['id']}"
    assert len(stored_files(registry)) == 1

    by_other_office = await registry.client.delete(
        path, headers=registry.auth("network_office", "harz")
    )
    stale = await registry.client.delete(path, headers=headers | {"If-Match": '"7"'})
    deleted = await registry.client.delete(path, headers=headers)

    assert by_other_office.status_code == 403
    assert stale.status_code == 412
    assert deleted.status_code == 204 and deleted.content == b""
    assert stored_files(registry) == []
    assert (await registry.client.get(path)).status_code == 404
    assert (await registry.client.get(f"{path}/file")).status_code == 404
    assert (await registry.client.delete(path, headers=headers)).status_code == 404
    assert (
        await registry.client.patch(path, json={"title": "x"}, headers=headers)
    ).status_code == 404
    assert (await registry.client.get("/api/v1/materials")).json()["items"] == []


async def test_a_file_missing_on_disk_is_a_404_problem_not_a_500(registry):
    created = (await upload(registry, registry.auth("state_coordinator"))).json()
    for file in stored_files(registry):
        file.unlink()

    response = await registry.client.get(created["download_url"])

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert (await registry.client.get(f"/api/v1/materials/{created['id']}")).status_code == 200


async def test_an_unknown_material_is_404_and_a_malformed_id_422(registry):
    unknown = await registry.client.get("/api/v1/materials/5b0e6a52-8a1c-4c5e-9f3e-0d1c2b3a4f5e")
    malformed = await registry.client.get("/api/v1/materials/not-an-id/file")

    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert malformed.status_code == 422


async def test_a_commit_that_fails_after_the_file_was_stored_leaves_no_file(registry):
    def note_a_new_material(session: Session, _context: Any) -> None:
        if any(isinstance(obj, Material) for obj in session.new):
            session.info["test.material_written"] = True

    def fail_the_commit(session: Session) -> None:
        if session.info.get("test.material_written"):
            raise RuntimeError("the database went away at commit")

    # A client that gets the 500 answer instead of the server's exception.
    transport = httpx.ASGITransport(app=registry.app, raise_app_exceptions=False)
    client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    event.listen(Session, "after_flush", note_a_new_material)
    event.listen(Session, "before_commit", fail_the_commit)
    try:
        async with client:
            response = await upload(
                replace(registry, client=client), registry.auth("state_coordinator")
            )
    finally:
        event.remove(Session, "after_flush", note_a_new_material)
        event.remove(Session, "before_commit", fail_the_commit)

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert stored_files(registry) == []
    assert (await registry.client.get("/api/v1/materials")).json()["items"] == []


async def test_a_material_makes_the_whole_round_trip_on_sqlite_too(
    new_database, nats_url: str, tmp_path: Path
):
    async with start_registry(
        await new_database("sqlite"),
        nats_url,
        tmp_path / "auth",
        materials_dir=str(tmp_path / "materials"),
        materials_max_bytes=MAX_BYTES,
    ) as registry:
        headers = registry.auth("network_office", "magdeburg")
        first = await upload(registry, headers, title="Aushang", region="magdeburg")
        second = await upload(
            registry, headers, file=(LEITFADEN, PDF, "application/pdf"), region="magdeburg"
        )
        page = (await registry.client.get("/api/v1/materials", params={"limit": 1})).json()
        rest = await registry.client.get(
            "/api/v1/materials", params={"limit": 1, "cursor": page["next_cursor"]}
        )
        download = await registry.client.get(second.json()["download_url"])
        deleted = await registry.client.delete(
            f"/api/v1/materials/{first.json()['id']}", headers=headers
        )

        assert first.status_code == second.status_code == 201
        assert [m["title"] for m in page["items"] + rest.json()["items"]] == [
            "Aushang",
            "Leitfaden Kinderschutz",
        ]
        assert download.content == PDF
        assert "B%C3%B6rde.pdf" in download.headers["content-disposition"]
        assert deleted.status_code == 204
        assert len(stored_files(registry)) == 1
