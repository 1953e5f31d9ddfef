"""Attachments on applications: upload, list, download, the type found from the content, the
size and count limits, who may add and remove them in which status, the events, the audit, the
files deleted when the application's retention ends, and the uploader's own data."""

from __future__ import annotations

import dataclasses
import io
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from offers_support import World, make_world, request_erasure

from schulerfolg_dev.testing.events import collect_events

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200)


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def ods() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


@pytest.fixture
async def world(offers_on, nats_url: str, tmp_path: Path) -> World:
    service = await offers_on(
        "postgresql",
        attachments_dir=str(tmp_path / "attachments"),
        attachment_max_bytes=4096,
        attachments_max_count=3,
    )
    return await make_world(service, nats_url)


async def upload(
    world: World,
    app: dict[str, Any],
    headers: dict[str, str],
    content: bytes,
    *,
    name: str = "angebot.pdf",
    kind: str = "quote",
    title: str = "Angebot Kletterhalle",
    expect: int = 201,
) -> dict[str, Any]:
    response = await world.client.post(
        f"/api/v1/applications/{app['id']}/attachments",
        data={"kind": kind, "title": title},
        files={"file": (name, content, "application/pdf")},
        headers=headers,
    )
    assert response.status_code == expect, response.text
    return response.json()


def files_in(world: World) -> list[Path]:
    root = Path(world.service.runtime.settings.attachments_dir)
    return [p for p in root.rglob("*") if p.is_file() and ".incoming" not in p.parts]


async def test_upload_list_download_and_the_type_is_found_from_the_content(world: World):
    fund = await world.fund()
    app = await world.draft(fund)

    png = await upload(world, app, world.school(), PNG, name="angebot.pdf")
    assert png["content_type"] == "image/png"  # the name said PDF; the bytes say PNG
    assert png["filename"] == "angebot.png"
    assert png["size_bytes"] == len(PNG)
    assert png["kind"] == "quote" and png["title"] == "Angebot Kletterhalle"
    pdf = await upload(world, app, world.partner(), PDF, name="../../vertrag.pdf", kind="other")
    assert pdf["content_type"] == "application/pdf" and pdf["filename"] == "vertrag.pdf"
    office = await upload(world, app, world.office(), docx(), name="kalkulation")
    assert office["filename"] == "kalkulation.docx"
    assert office["content_type"].endswith("wordprocessingml.document")

    listed = await world.client.get(
        f"/api/v1/applications/{app['id']}/attachments", headers=world.steering()
    )
    assert listed.status_code == 404  # a steering member sees no drafts
    listed = await world.client.get(
        f"/api/v1/applications/{app['id']}/attachments", headers=world.school()
    )
    assert [a["id"] for a in listed.json()["items"]] == [png["id"], pdf["id"], office["id"]]

    download = await world.client.get(
        f"/api/v1/applications/{app['id']}/attachments/{png['id']}/file", headers=world.office()
    )
    assert download.status_code == 200
    assert download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert 'filename="angebot.png"' in download.headers["content-disposition"]
    assert len(files_in(world)) == 3

    other_school = await world.client.get(
        f"/api/v1/applications/{app['id']}/attachments/{png['id']}/file",
        headers=world.school("harz"),
    )
    assert other_school.status_code == 404

    # The office's download is audited, the school's own is not.
    await world.client.get(
        f"/api/v1/applications/{app['id']}/attachments/{png['id']}/file", headers=world.school()
    )
    audit = await world.client.get(
        "/api/v1/audit",
        params={"resource": f"applications/{app['id']}"},
        headers=world.state(),
    )
    actions = [e["action"] for e in audit.json()["items"]]
    assert actions.count("attachment.downloaded") == 1
    assert actions.count("attachment.added") == 3


async def test_wrong_types_too_large_and_too_many_are_refused(world: World):
    fund = await world.fund()
    app = await world.draft(fund)

    refused = await upload(world, app, world.school(), EXE, name="angebot.pdf", expect=415)
    assert refused["errors"][0]["field"] == "file"
    assert refused["errors"][0]["type"] == "file_type"
    fake_zip = b"PK\x03\x04" + bytes(100)
    await upload(world, app, world.school(), fake_zip, name="x.docx", expect=415)

    large = await upload(world, app, world.school(), b"%PDF-" + bytes(5000), expect=413)
    assert large["errors"][0]["field"] == "file"
    huge = await upload(world, app, world.school(), b"%PDF-" + bytes(200_000), expect=413)
    assert huge["status"] == 413

    invalid = await upload(world, app, world.school(), PDF, kind="invoice", title=" ", expect=422)
    assert {e["field"] for e in invalid["errors"]} == {"kind", "title"}
    assert files_in(world) == []

    for _ in range(3):
        await upload(world, app, world.school(), ods(), name="liste.ods")
    full = await upload(world, app, world.school(), PDF, expect=409)
    assert full["errors"][0]["type"] == "too_many"
    assert len(files_in(world)) == 3


async def test_the_applicant_changes_attachments_only_while_draft_or_returned(world: World):
    fund = await world.fund(requires_consultation=False)
    app = await world.draft(fund)
    first = await upload(world, app, world.school(), PDF)
    await upload(world, app, world.steering(), PDF, expect=404)  # cannot see a draft
    await upload(world, app, world.school("harz"), PDF, expect=404)
    await world.act(app, "submit", world.school())

    locked = await upload(world, app, world.partner(), PDF, expect=409)
    assert locked["type"].endswith("attachments-locked")
    await upload(world, app, world.steering(), PDF, expect=403)  # reads, never writes
    deleted = await world.client.delete(
        f"/api/v1/applications/{app['id']}/attachments/{first['id']}", headers=world.school()
    )
    assert deleted.status_code == 409
    by_office = await upload(world, app, world.office(), PNG, kind="signed_application")
    listed = await world.client.get(
        f"/api/v1/applications/{app['id']}/attachments", headers=world.steering()
    )
    assert len(listed.json()["items"]) == 2

    await world.act(
        app, "decision", world.office(), {"outcome": "returned", "reason": "Angebot fehlt"}
    )
    deleted = await world.client.delete(
        f"/api/v1/applications/{app['id']}/attachments/{first['id']}", headers=world.school()
    )
    assert deleted.status_code == 204
    gone = await world.client.get(
        f"/api/v1/applications/{app['id']}/attachments/{first['id']}/file",
        headers=world.school(),
    )
    assert gone.status_code == 404
    deleted = await world.client.delete(
        f"/api/v1/applications/{app['id']}/attachments/{by_office['id']}",
        headers=world.office(),
    )
    assert deleted.status_code == 204
    assert files_in(world) == []
    missing = await world.client.delete(
        f"/api/v1/applications/{app['id']}/attachments/{uuid.uuid4()}", headers=world.office()
    )
    assert missing.status_code == 404

    events = await collect_events(
        world.nats_url,
        stream="OFFERS",
        subject="sfs.*.offers.attachment.>",
        count=4,
        where=lambda event: str(event.data.application_id) == app["id"],
    )
    assert [e.type.split(".")[-2] for e, _ in events] == ["added", "added", "removed", "removed"]
    added = events[0][0].data
    assert str(added.id) == first["id"] and added.kind == "quote"
    assert added.title == "Angebot Kletterhalle" and added.size_bytes == len(PDF)
    assert events[0][0].subject == f"attachments/{first['id']}"
    assert "content" not in added.model_dump()


async def test_once_approved_the_applicant_adds_receipts_and_reports_only(world: World):
    fund = await world.fund(requires_consultation=False)
    app = await world.draft(fund)
    await world.act(app, "submit", world.school())
    await world.act(
        app,
        "decision",
        world.office(),
        {"outcome": "approved", "approved_cents": app["requested_cents"]},
    )

    quote = await upload(world, app, world.school(), PDF, expect=409)  # the application is done
    assert quote["type"].endswith("attachments-locked")
    receipt = await upload(world, app, world.school(), PNG, kind="receipt", title="Beleg 1")
    report = await upload(world, app, world.partner(), PDF, kind="report", title="Sachbericht")
    assert (receipt["kind"], report["kind"]) == ("receipt", "report")
    await upload(world, app, world.steering(), PDF, kind="receipt", expect=403)
    by_office = await upload(world, app, world.office(), PDF, kind="other", title="Vermerk")

    path = f"/api/v1/applications/{app['id']}/attachments"
    refused = await world.client.delete(f"{path}/{by_office['id']}", headers=world.school())
    assert refused.status_code == 409  # not a receipt or report: the office's
    removed = await world.client.delete(f"{path}/{receipt['id']}", headers=world.school())
    assert removed.status_code == 204
    listed = await world.client.get(path, headers=world.school())
    assert [a["id"] for a in listed.json()["items"]] == [report["id"], by_office["id"]]


async def test_files_go_when_the_retention_ends_and_uploads_are_own_data(world: World):
    fund = await world.fund(requires_consultation=False)
    app = await world.draft(fund)
    attachment = await upload(world, app, world.school(), PDF)
    own = await world.client.get("/api/v1/me/data", headers=world.school())
    assert [a["id"] for a in own.json()["data"]["attachments"]] == [attachment["id"]]

    housekeeping = world.service.runtime.housekeeping
    assert (await housekeeping.purge()).anonymised["attachment_files"] == 0
    housekeeping.retention = dataclasses.replace(
        housekeeping.retention, clock_offset=timedelta(days=5 * 365 + 5)
    )
    assert (await housekeeping.purge()).anonymised["attachment_files"] == 1
    assert files_in(world) == []
    listed = await world.client.get(
        f"/api/v1/applications/{app['id']}/attachments", headers=world.office()
    )
    (row,) = listed.json()["items"]
    assert row["erased_at"] is not None and row["title"] == "Angebot Kletterhalle"
    gone = await world.client.get(
        f"/api/v1/applications/{app['id']}/attachments/{attachment['id']}/file",
        headers=world.office(),
    )
    assert gone.status_code == 404
    assert (await housekeeping.purge()).anonymised["attachment_files"] == 0


async def test_an_erasure_of_the_contact_deletes_the_files_funding_law_does_not_keep(world: World):
    """An erasure request for the contact's address deletes the files of the contact's
    applications — except, on a funded application, the receipts, the report and the signed
    application: the proof of how public money was used, kept until the retention ends."""
    erika = {"name": "Erika Beleg", "email": f"erika.{uuid.uuid4().hex[:8]}@schule.example"}
    fund = await world.fund(requires_consultation=False)
    funded = await world.submitted(fund, contact=erika)
    quote = await upload(world, funded, world.office(), PDF)
    signed = await upload(world, funded, world.office(), PDF, kind="signed_application")
    await world.act(funded, "decision", world.office(), {"outcome": "approved"})
    receipt = await upload(world, funded, world.school(), PNG, name="b.png", kind="receipt")
    draft = await world.draft(fund, contact=erika)
    draft_quote = await upload(world, draft, world.school(), PDF)
    other = await world.draft(fund)  # another contact: untouched
    others_quote = await upload(world, other, world.school(), PDF)
    assert len(files_in(world)) == 5

    [(answer, _)] = await request_erasure(world, erika["email"].upper())
    assert answer.data.counts["attachment_files"] == 2
    assert len(files_in(world)) == 3

    async def status_of(app: dict[str, Any], attachment: dict[str, Any]) -> int:
        response = await world.client.get(
            f"/api/v1/applications/{app['id']}/attachments/{attachment['id']}/file",
            headers=world.office(),
        )
        return response.status_code

    assert await status_of(funded, quote) == 404
    assert await status_of(draft, draft_quote) == 404
    assert await status_of(funded, signed) == 200
    assert await status_of(funded, receipt) == 200
    assert await status_of(other, others_quote) == 200
    listed = await world.client.get(
        f"/api/v1/applications/{funded['id']}/attachments", headers=world.office()
    )
    erased = {a["id"]: a["erased_at"] is not None for a in listed.json()["items"]}
    assert erased == {quote["id"]: True, signed["id"]: False, receipt["id"]: False}
