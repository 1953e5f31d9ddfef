"""Attachments through the pages: on the application's page the school uploads a file (its type
found from the content: a PNG named „.pdf“ is listed as the PNG it is), a program renamed „.pdf“
is refused with a German error beside the file field, so is a file over the size limit, a missing title and kind beside theirs; the
file is downloaded through the web; the removal asks first. axe clean on every page; the forms
work without JavaScript."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from applications_support import ready_network
from e2e.flow import Network
from money_support import PNG, attach, draft, fees, project
from suite_support import Suite
from web_support import Web, check_accessibility, sign_in

TITLE = f"Theaterwerkstatt „Bühne frei“ ({uuid.uuid4().hex[:6]})"
TEN_MB = 10 * 1024 * 1024
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(500)


@pytest.fixture(scope="module")
async def net(suite: Suite) -> Network:
    return await ready_network(suite, schools=1)


async def new_draft(net: Network) -> dict[str, Any]:
    return await draft(net, project(net, TITLE, [fees(80000)]))


async def test_a_school_attaches_downloads_and_removes_a_file(
    page: Any, web: Web, net: Network
) -> None:
    app = await new_draft(net)
    await sign_in(page, web, role="school", school=net.schools[0]["id"], name="Jonas Beck")
    await page.goto(f"{web.url}/antraege/{app['id']}")
    section = page.locator("section[aria-labelledby=anlagen]")
    assert "noch keine Anlagen" in await section.inner_text()
    assert await check_accessibility(page) == []

    # Nothing chosen: German errors beside every field.
    await page.get_by_role("button", name="Anlage hochladen").click()
    assert "Wählen Sie aus" in await page.locator("#feld-attachment_kind-fehler").inner_text()
    assert "Titel" in await page.locator("#feld-attachment_title-fehler").inner_text()
    assert "Datei" in await page.locator("#feld-attachment_file-fehler").inner_text()

    # A program renamed .pdf: refused by offers, the error stands beside the file field.
    await page.locator("#feld-attachment_kind").select_option("quote")
    await page.locator("#feld-attachment_title").fill("Angebot Theaterpädagogin")
    await page.locator("#feld-attachment_file").set_input_files(
        files=[{"name": "angebot.pdf", "mimeType": "application/pdf", "buffer": EXE}]
    )
    await page.get_by_role("button", name="Anlage hochladen").click()
    error = await page.locator("#feld-attachment_file-fehler").inner_text()
    assert "nicht anhängen" in error and "PDF" in error
    assert await page.locator("#feld-attachment_title").input_value() == (
        "Angebot Theaterpädagogin"
    )
    assert await page.locator("#feld-attachment_file").get_attribute("aria-invalid") == "true"
    assert await check_accessibility(page) == []

    # Too large: offers' limit (10 MB by default) in German beside the field.
    await page.locator("#feld-attachment_file").set_input_files(
        files=[
            {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-" + bytes(TEN_MB)}
        ]
    )
    await page.get_by_role("button", name="Anlage hochladen").click()
    error = await page.locator("#feld-attachment_file-fehler").inner_text()
    assert "zu groß" in error and "10 MB" in error

    # A PNG named .pdf passes as the PNG it is.
    await page.locator("#feld-attachment_file").set_input_files(
        files=[{"name": "angebot.pdf", "mimeType": "application/pdf", "buffer": PNG}]
    )
    await page.get_by_role("button", name="Anlage hochladen").click()
    assert "Die Anlage ist gespeichert." in await page.locator("[role=status]").inner_text()
    row = section.locator("tbody tr")
    assert await row.count() == 1
    text = await row.inner_text()
    assert "Angebot Theaterpädagogin" in text
    assert "Angebot oder Kostenvoranschlag" in text
    assert "2 KB" in text
    assert await check_accessibility(page) == []

    link = section.get_by_role("link", name="Angebot Theaterpädagogin herunterladen")
    async with page.expect_download() as waiting:
        await link.click()
    download = await waiting.value
    assert download.suggested_filename == "angebot.png"
    saved = Path(await download.path())
    assert await asyncio.to_thread(saved.read_bytes) == PNG

    # Removal asks first, then the list is empty again.
    await section.get_by_role("link", name="Entfernen").click()
    assert await page.get_by_role("heading", level=1).inner_text() == "Anlage entfernen?"
    assert await check_accessibility(page) == []
    await page.get_by_role("button", name="Anlage entfernen").click()
    assert "Die Anlage ist entfernt." in await page.locator("[role=status]").inner_text()
    assert "noch keine Anlagen" in await section.inner_text()


async def test_a_file_is_only_for_those_signed_in(web: Web, net: Network) -> None:
    app = await new_draft(net)
    attachment = await attach(net, app["id"], "other", "Notiz", "notiz.png")
    async with web.client() as client:
        anonymous = await client.get(f"/antraege/{app['id']}/anhaenge/{attachment['id']}/datei")
        assert anonymous.status_code in (302, 303, 307)  # to the sign-in
        assert anonymous.content != PNG
