"""The public pages, without signing in: the start page with the 14 regions, a region's page
(office, contact list as HTML, CSV and PDF, materials, public events, projects) and an event's
page with its registration form — in Chromium, checked with axe-core, and by keyboard."""

from __future__ import annotations

import csv
import io
import re
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from suite_support import Suite
from web_support import Web, check_accessibility

from web.public.service import download_header, file_size

OFFICE = {
    "name": "Netzwerkstelle Schulerfolg sichern im Landkreis Börde",
    "provider_name": "Arbeiterwohlfahrt Kreisverband Börde e. V.",
    "provider_kind": "free",
    "address": {"street": "Bahnhofstraße 12", "postal_code": "39387", "city": "Oschersleben"},
    "phone": "03949 500100",
    "email": "netzwerkstelle@awo-boerde.example",
    "website": "https://awo-boerde.example/netzwerkstelle",
}
CONTACT = {
    "name": "Grit Mayer",
    "function": "network_office_staff",
    "email": "grit.mayer@awo-boerde.example",
    "phone": "03949 500101",
    "region": "boerde",
    "public": True,
}
HIDDEN_CONTACT = {
    "name": "Nicht Öffentlich",
    "function": "network_office_staff",
    "email": "intern@awo-boerde.example",
    "region": "boerde",
    "public": False,
}


def _pdf(text: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=f"<html lang='de'><body><p>{text}</p></body></html>").write_pdf()


def _event(
    title: str, *, capacity: int | None, public: bool = True, **extra: Any
) -> dict[str, Any]:
    starts = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    return {
        "kind": "training",
        "title": title,
        "description": "Wie Schüler:innen Konflikte selbst lösen.\n\nMit Übungen für den Unterricht.",
        "region": "boerde",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "location": "Kreisvolkshochschule Börde, Haldensleben",
        "capacity": capacity,
        "public": public,
        **extra,
    }


@pytest.fixture(scope="module")
async def seeded(suite: Suite) -> dict[str, Any]:
    """The Börde office's details, public and non-public contacts, a regional and a state-wide
    material, and events: one public place, one with room, one not public."""
    office = suite.auth("network_office", "boerde")
    state = suite.auth("state_coordinator")
    async with suite.client("registry") as registry:
        region = await registry.get("/regions/boerde")
        answer = await registry.put(
            "/regions/boerde/office",
            json=OFFICE,
            headers={**office, "If-Match": region.headers["etag"]},
        )
        assert answer.status_code == 200, answer.text
        for person in (CONTACT, HIDDEN_CONTACT):
            answer = await registry.post("/persons", json=person, headers=office)
            assert answer.status_code == 201, answer.text
        materials = {}
        for who, region_field, title in (
            (office, "boerde", "Handlungsleitfaden Kindeswohl"),
            (state, "", "Elternbrief Schulvermeidung"),
        ):
            answer = await registry.post(
                "/materials",
                data={
                    "title": title,
                    "description": f"{title} zum Ausdrucken",
                    "region": region_field,
                },
                files={"file": ("datei.pdf", _pdf(title), "application/pdf")},
                headers=who,
            )
            assert answer.status_code == 201, answer.text
            materials[title] = answer.json()
    async with suite.client("meetings") as meetings:
        events = {}
        for key, body in (
            ("one_place", _event("Fortbildung Streitschlichtung", capacity=1)),
            ("room", _event("Fachaustausch Schulabsentismus", capacity=20, kind="expert_exchange")),
            ("internal", _event("Internes Vernetzungstreffen", capacity=None, public=False)),
        ):
            answer = await meetings.post("/meetings", json=body, headers=office)
            assert answer.status_code == 201, answer.text
            events[key] = answer.json()
    return {"materials": materials, "events": events}


async def test_start_page_lists_the_fourteen_regions_with_their_offices(
    page: Any, web: Web, seeded: dict[str, Any]
) -> None:
    await page.goto(f"{web.url}/")
    assert await page.get_by_role("heading", level=1).inner_text() == "Schulerfolg sichern"
    assert "seit 2008" in await page.locator("main").inner_text()
    region_links = page.locator("main table a[href^='/regionen/']")
    assert await region_links.count() == 14
    boerde = page.get_by_role("row").filter(has=page.get_by_role("link", name="Börde", exact=True))
    assert OFFICE["name"] in await boerde.inner_text()
    assert OFFICE["email"] in await boerde.inner_text()
    assert await page.get_by_role("link", name="Zur Anmeldung").get_attribute("href") == "/anmelden"
    assert await check_accessibility(page) == []

    await page.get_by_role("link", name="Börde", exact=True).click()
    await page.wait_for_url(f"{web.url}/regionen/boerde")
    assert await page.get_by_role("heading", level=1).inner_text() == "Börde"


async def test_region_page_shows_office_contacts_materials_events_and_projects(
    page: Any, web: Web, seeded: dict[str, Any]
) -> None:
    await page.goto(f"{web.url}/regionen/boerde")
    main = await page.locator("main").inner_text()
    for text in (OFFICE["name"], OFFICE["provider_name"], "Bahnhofstraße 12", "39387 Oschersleben"):
        assert text in main
    assert (
        await page.get_by_role("link", name=OFFICE["phone"]).get_attribute("href")
        == "tel:03949500100"
    )
    assert await page.get_by_role("link", name=OFFICE["email"]).count() == 1

    contacts = page.get_by_role("table", name="Ansprechpersonen in der Region Börde")
    row = contacts.get_by_role("row").filter(has_text=CONTACT["name"])
    assert "Regionale Netzwerkstelle" in await row.inner_text()
    assert CONTACT["email"] in await row.inner_text()
    assert HIDDEN_CONTACT["name"] not in main

    for title in ("Handlungsleitfaden Kindeswohl", "Elternbrief Schulvermeidung"):
        link = page.get_by_role("link", name=re.compile(title))
        material = seeded["materials"][title]
        assert await link.get_attribute("href") == f"/api/v1/materials/{material['id']}/file"
        assert re.search(r"\(PDF, \d+ kB\)", await link.inner_text())
    regional = page.locator("h3:has-text('Aus der Region') + ul")
    assert "Handlungsleitfaden Kindeswohl" in await regional.inner_text()

    events = page.get_by_role("table", name="Kommende öffentliche Veranstaltungen")
    one_place = seeded["events"]["one_place"]
    link = events.get_by_role("link", name="Fortbildung Streitschlichtung")
    assert await link.get_attribute("href") == f"/veranstaltungen/{one_place['id']}"
    assert (
        "Fortbildung"
        in await events.get_by_role("row").filter(has_text="Streitschlichtung").inner_text()
    )
    assert "Fachaustausch Schulabsentismus" in await events.inner_text()
    assert "Internes Vernetzungstreffen" not in main

    # No application is funded in this suite yet (the applicant journey's tests show one).
    assert "In dieser Region sind noch keine Projekte bewilligt." in main
    assert await check_accessibility(page) == []


async def test_the_contact_list_downloads_as_csv(
    page: Any, web: Web, seeded: dict[str, Any]
) -> None:
    await page.goto(f"{web.url}/regionen/boerde")
    async with page.expect_download() as started:
        await page.get_by_role("link", name="Kontaktliste als Tabelle herunterladen (CSV)").click()
    download = await started.value
    assert download.suggested_filename == "Kontaktliste Börde.csv"
    text = (await download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Name", "Funktion", "Einrichtung", "E-Mail", "Telefon"]
    assert [
        CONTACT["name"],
        "Regionale Netzwerkstelle",
        "",
        CONTACT["email"],
        CONTACT["phone"],
    ] in rows
    assert all(HIDDEN_CONTACT["name"] not in row for row in rows)


def _inflated(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated (object streams hold links and metadata)."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


async def test_the_contact_list_prints_as_a_pdf(web: Web, seeded: dict[str, Any]) -> None:
    async with web.client() as client:
        answer = await client.get("/regionen/boerde/kontakte.pdf")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''Kontaktliste%20B%C3%B6rde.pdf" in answer.headers["content-disposition"]
    pdf = answer.content
    assert pdf.startswith(b"%PDF-")
    content = _inflated(pdf)
    # WeasyPrint writes the text as glyphs; the contact's links and the title are plain.
    assert f"mailto:{CONTACT['email']}".encode() in content
    assert b"tel:03949500101" in content
    title = "Regionale Kontaktliste Börde".encode("utf-16-be").hex().encode()
    assert title in content.lower()
    assert HIDDEN_CONTACT["email"].encode() not in content
    assert b"/MediaBox [0 0 595" in content  # A4: 595 × 842 points


async def test_unknown_regions_and_events_that_are_not_public_are_not_found(
    page: Any, web: Web, seeded: dict[str, Any]
) -> None:
    internal = seeded["events"]["internal"]["id"]
    async with web.client() as client:
        for path in (
            "/regionen/nirgendwo",
            "/regionen/Nicht_so",
            "/regionen/nirgendwo/kontakte.csv",
            "/regionen/nirgendwo/kontakte.pdf",
            f"/veranstaltungen/{internal}",
            f"/veranstaltungen/{uuid.uuid4()}",
            "/veranstaltungen/keine-kennung",
        ):
            answer = await client.get(path)
            assert answer.status_code == 404, path
            assert "Seite nicht gefunden" in answer.text, path
            assert "Internes Vernetzungstreffen" not in answer.text
    await page.goto(f"{web.url}/veranstaltungen/{internal}")
    assert await page.get_by_role("heading", level=1).inner_text() == "Seite nicht gefunden"
    assert await check_accessibility(page) == []


async def _register(page: Any, web: Web, event_id: str, name: str, email: str) -> None:
    await page.goto(f"{web.url}/veranstaltungen/{event_id}")
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("E-Mail").fill(email)
    await page.get_by_label("Einrichtung").fill("Grundschule Wanzleben")
    await page.get_by_role("button", name="Zur Veranstaltung anmelden").click()
    await page.wait_for_load_state()


async def test_one_place_confirms_the_first_and_waitlists_the_second(
    browser: Any, page: Any, web: Web, seeded: dict[str, Any]
) -> None:
    event = seeded["events"]["one_place"]
    await page.goto(f"{web.url}/veranstaltungen/{event['id']}")
    assert (
        await page.get_by_role("heading", level=1).inner_text() == "Fortbildung Streitschlichtung"
    )
    main = await page.locator("main").inner_text()
    assert "Kreisvolkshochschule Börde, Haldensleben" in main
    assert "Noch 1 von 1 Platz frei" in main
    assert "Mit Übungen für den Unterricht." in main
    starts = datetime.fromisoformat(event["starts_at"]).astimezone(ZoneInfo("Europe/Berlin"))
    assert f"{starts.day}. " in main and f"{starts:%H:%M} Uhr" in main
    calendar = page.get_by_role("link", name=re.compile("Kalender"))
    assert await calendar.get_attribute("href") == f"/api/v1/meetings/{event['id']}.ics"
    assert await check_accessibility(page) == []

    await _register(page, web, event["id"], "Anna Erste", "anna.erste@schule.example")
    alert = page.get_by_role("status")
    assert "Sie sind angemeldet" in await alert.inner_text()
    assert "anna.erste@schule.example" in await alert.inner_text()
    assert await page.title() == "Angemeldet: Fortbildung Streitschlichtung – Schulerfolg sichern"
    assert await check_accessibility(page) == []

    other = await browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    try:
        second = await other.new_page()
        await second.goto(f"{web.url}/veranstaltungen/{event['id']}")
        assert "Ausgebucht" in await second.locator("main").inner_text()
        await _register(second, web, event["id"], "Bernd Zweiter", "bernd.zweiter@schule.example")
        answer = await second.get_by_role("status").inner_text()
        assert (
            "Die Veranstaltung ist ausgebucht. Sie stehen auf der Warteliste an Stelle 1" in answer
        )
        assert await check_accessibility(second) == []
    finally:
        await other.close()

    await _register(page, web, event["id"], "Anna Erste", "anna.erste@schule.example")
    summary = page.get_by_role("alert")
    link = summary.get_by_role("link", name=re.compile("bereits jemand für diese Veranstaltung"))
    assert await link.get_attribute("href") == "#feld-email"
    assert await page.get_by_label("E-Mail").get_attribute("aria-invalid") == "true"
    assert await page.get_by_label("Name").input_value() == "Anna Erste"
    assert await check_accessibility(page) == []

    async with web.suite.client("meetings") as meetings:
        listed = await meetings.get(
            f"/meetings/{event['id']}/registrations",
            headers=web.suite.auth("network_office", "boerde"),
        )
    statuses = {r["email"]: r["status"] for r in listed.json()["items"]}
    assert statuses == {
        "anna.erste@schule.example": "confirmed",
        "bernd.zweiter@schule.example": "waitlisted",
    }


async def test_a_missing_name_and_a_broken_address_are_named_in_the_error_summary(
    page: Any, web: Web, seeded: dict[str, Any]
) -> None:
    event = seeded["events"]["room"]
    await _register(page, web, event["id"], "", "keine-adresse")
    summary = page.get_by_role("alert")
    assert (
        await summary.get_by_role(
            "link", name="Geben Sie Ihren Namen ein (höchstens 200 Zeichen)."
        ).get_attribute("href")
        == "#feld-name"
    )
    assert (
        await summary.get_by_role("link", name=re.compile("E-Mail-Adresse wie")).get_attribute(
            "href"
        )
        == "#feld-email"
    )
    assert await page.get_by_label("E-Mail").input_value() == "keine-adresse"
    assert await check_accessibility(page) == []


async def test_the_registration_form_works_by_keyboard_alone(
    page: Any, web: Web, seeded: dict[str, Any]
) -> None:
    event = seeded["events"]["room"]
    await page.goto(f"{web.url}/veranstaltungen/{event['id']}")
    for _ in range(80):
        await page.keyboard.press("Tab")
        if (
            await page.evaluate("document.activeElement && document.activeElement.id")
            == "feld-name"
        ):
            break
    else:
        pytest.fail("Tab never reached the field „Name“")
    await page.keyboard.type("Karla Tastatur")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "feld-email"
    await page.keyboard.type("karla.tastatur@schule.example")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "feld-organization"
    await page.keyboard.type("Sekundarschule Haldensleben")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    answer = await page.get_by_role("status").inner_text()
    assert "Sie sind angemeldet" in answer
    assert "karla.tastatur@schule.example" in answer


def test_sizes_and_file_names_are_german() -> None:
    assert file_size(830) == "830 Byte"
    assert file_size(12 * 1024 + 100) == "12 kB"
    assert file_size(1_258_291) == "1,2 MB"
    assert download_header("Kontaktliste Börde.csv") == (
        'attachment; filename="Kontaktliste-Boerde.csv"; '
        "filename*=UTF-8''Kontaktliste%20B%C3%B6rde.csv"
    )
