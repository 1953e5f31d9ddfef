"""The privacy pages against the real suite and Chromium: „Meine Daten“ with its download (also
without JavaScript, and naming a service that does not answer), erasure requests filed by the
state coordination (a German error beside the field, the confirmation, pending and then
completed per service) and the audit log of an application. axe-core on every new page; each is
reached by keyboard."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from applications_support import ready_network
from e2e.flow import Network, ok, until
from playwright.async_api import expect
from suite_support import Suite
from web_support import Web, check_accessibility, csrf_of, register_for_event, sign_in, tab_to

REGION = "boerde"
WAIT_MS = 90_000


@pytest.fixture(scope="module")
async def net(web: Web) -> Network:
    return await ready_network(web.suite, schools=1)


def _address(who: str) -> str:
    return f"{who}-{uuid.uuid4().hex[:8]}@schule.example"


async def _session_token(page: Any, web: Web) -> str:
    """The access token the web service keeps for this browser's session."""
    cookie = {c["name"]: c["value"] for c in await page.context.cookies()}["sf_sitzung"]
    key = hashlib.sha256(cookie.encode()).hexdigest()
    with sqlite3.connect(web.database) as connection:
        (token,) = connection.execute(
            "SELECT access_token FROM web_sessions WHERE id = ?", (key,)
        ).fetchone()
    return str(token)


async def _application(
    suite: Suite, net: Network, headers: dict[str, str], title: str, contact: dict[str, str]
) -> dict[str, Any]:
    body = {
        "fund_id": net.fund["id"],
        "school_ids": [net.schools[0]["id"]],
        "title": title,
        "contact": contact,
    }
    async with suite.client("offers") as offers:
        return ok(await offers.post("/applications", json=body, headers=headers), 201)


async def _follow_link_by_keyboard(page: Any, name: str) -> None:
    await tab_to(page, name)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")


async def _sign_in_coordinator(page: Any, web: Web) -> None:
    await sign_in(
        page,
        web,
        role="state_coordinator",
        name="Lena Landesstelle",
        email=_address("landesstelle"),
    )


async def test_a_school_downloads_its_own_data_and_nothing_of_another_person(
    browser: Any, web: Web, net: Network
) -> None:
    suite = web.suite
    mine = _address("lena")
    other = _address("otto")
    context = await browser.new_context(
        locale="de-DE", timezone_id="Europe/Berlin", java_script_enabled=False
    )
    try:
        page = await context.new_page()
        await sign_in(
            page, web, role="school", school=net.schools[0]["id"], name="Lena Lehrerin", email=mine
        )
        own = await _application(
            suite,
            net,
            {"Authorization": f"Bearer {await _session_token(page, web)}"},
            "Lesepaten für die Klassen 1 und 2",
            {"name": "Lena Lehrerin", "email": mine, "phone": "039209 1111"},
        )
        await _application(
            suite,
            net,
            suite.auth("school", school_id=net.schools[0]["id"], sub="otto-other", email=other),
            "Schulgarten der anderen Klasse",
            {"name": "Otto Anderer", "email": other, "phone": "039209 9999"},
        )

        # From the header by keyboard (no JavaScript at all in this browser).
        await page.goto(f"{web.url}/antraege")
        await _follow_link_by_keyboard(page, "Meine Daten")
        assert page.url == f"{web.url}/meine-daten"
        await expect(page.get_by_role("heading", level=1)).to_have_text("Meine Daten")
        offers = page.locator("section[data-service='offers']")
        await expect(offers).to_contain_text("Anträge: 1")
        await expect(page.locator("body")).not_to_contain_text("Otto Anderer")
        await expect(page.locator("body")).not_to_contain_text("Nicht erreichbar")

        async with page.expect_download() as download_info:
            await page.get_by_role("link", name="Alle meine Daten herunterladen (JSON)").click()
        download = await download_info.value
        assert download.suggested_filename.startswith("meine-daten-")
        saved = Path(await download.path())
        text = await asyncio.to_thread(saved.read_text, encoding="utf-8")
    finally:
        await context.close()

    exported = json.loads(text)
    assert exported["unreachable"] == []
    assert set(exported["services"]) == {
        "web",
        "registry",
        "offers",
        "meetings",
        "notifications",
        "planning",
    }
    session = exported["services"]["web"]["data"]["sessions"][0]
    assert (session["name"], session["email"], session["roles"]) == (
        "Lena Lehrerin",
        mine,
        ["school"],
    )
    assert session["signed_in_at"]
    applications = exported["services"]["offers"]["data"]["applications"]
    assert [a["id"] for a in applications] == [own["id"]]
    assert "Lena Lehrerin" in text
    for stranger in ("Otto Anderer", other, "039209 9999", "otto-other"):
        assert stranger not in text
    for token in web.access_tokens():
        assert token not in text and token.split(".")[1] not in text


async def test_the_download_is_an_attachment_kept_nowhere(page: Any, web: Web) -> None:
    await sign_in(page, web, role="partner", organization="traeger-1", email=_address("paul"))
    cookie = {c["name"]: c["value"] for c in await page.context.cookies()}["sf_sitzung"]
    async with web.client(cookies={"sf_sitzung": cookie}) as client:
        response = await client.get("/meine-daten.json")
    async with web.client() as client:
        anonymous = await client.get("/meine-daten.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["services"]["web"]["data"]["sessions"][0]["roles"] == ["partner"]
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/anmelden")


async def test_only_state_coordination_and_admins_see_erasures_and_the_audit_log(
    page: Any, web: Web, net: Network
) -> None:
    await sign_in(page, web, role="school", school=net.schools[0]["id"], email=_address("sina"))
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    await expect(nav.get_by_role("link", name="Löschaufträge")).to_have_count(0)
    await expect(nav.get_by_role("link", name="Protokoll")).to_have_count(0)
    for path in (
        "/datenschutz/loeschauftraege",
        "/protokoll",
        f"/datenschutz/loeschauftraege/{uuid.uuid4()}",
    ):
        response = await page.goto(f"{web.url}{path}")
        assert response.status == 403, path
        await expect(page.get_by_role("heading", level=1)).to_have_text("Kein Zugriff")
    await page.goto(f"{web.url}/einstellungen")
    await page.get_by_role("link", name="Meine Daten").last.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Meine Daten")
    assert await check_accessibility(page) == []


async def test_the_state_coordination_erases_an_address_and_sees_each_service_finish(
    page: Any, web: Web
) -> None:
    suite = web.suite
    address = _address("erika")
    event = await register_for_event(suite, "Fortbildung Datenschutz", address)
    notifications = suite.services["notifications"]
    await _sign_in_coordinator(page, web)
    notifications.stop()  # the request stays pending until notifications answers
    try:
        # A service that does not answer is named on „Meine Daten“ and in the download.
        await page.goto(f"{web.url}/meine-daten")
        part = page.locator("section[data-service='notifications']")
        await expect(part).to_contain_text("Nicht erreichbar")
        await expect(page.get_by_role("status")).to_contain_text(
            "Nicht erreichbar: Benachrichtigungen"
        )
        assert await check_accessibility(page) == []
        cookie = {c["name"]: c["value"] for c in await page.context.cookies()}["sf_sitzung"]
        async with web.client(cookies={"sf_sitzung": cookie}) as client:
            exported = (await client.get("/meine-daten.json")).json()
        assert exported["unreachable"] == ["notifications"]
        assert exported["services"]["notifications"] == {
            "service": "notifications",
            "status": "nicht erreichbar",
        }

        await page.goto(f"{web.url}/")
        await _follow_link_by_keyboard(page, "Löschaufträge")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Löschaufträge")
        assert await check_accessibility(page) == []

        # An address that is none: the German sentence stands beside the field.
        await tab_to(page, "feld-email")
        await page.keyboard.type("erika-at-schule.example")
        await tab_to(page, "feld-grund")
        await page.keyboard.type("Antrag nach Art. 17 DSGVO vom 1. Dezember 2026")
        await tab_to(page, "Weiter")
        async with page.expect_response(f"{web.url}/datenschutz/loeschauftraege") as answer:
            await page.keyboard.press("Enter")
        assert (await answer.value).status == 422
        beside = page.locator("#feld-email-fehler")
        await expect(beside).to_contain_text("Geben Sie eine gültige E-Mail-Adresse")
        field = page.get_by_label("E-Mail-Adresse")
        assert "feld-email-fehler" in (await field.get_attribute("aria-describedby") or "")
        assert await field.get_attribute("aria-invalid") == "true"
        await expect(page.get_by_label("Grund")).to_have_value(
            "Antrag nach Art. 17 DSGVO vom 1. Dezember 2026"
        )
        assert await check_accessibility(page) == []

        await field.fill(address)
        await page.get_by_role("button", name="Weiter").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Löschung bestätigen")
        await expect(
            page.get_by_text("Diese Löschung kann nicht rückgängig gemacht werden")
        ).to_be_visible()
        assert await check_accessibility(page) == []
        await tab_to(page, "Endgültig löschen")
        async with page.expect_navigation():
            await page.keyboard.press("Enter")

        await expect(page.get_by_role("status")).to_contain_text("Der Löschauftrag ist erteilt.")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Löschauftrag: ausstehend")
        request_id = page.url.split("/")[-1].split("?")[0]
        row = page.locator("tr[data-service='notifications']")
        await expect(row).to_contain_text("ausstehend")
        assert await check_accessibility(page) == []

        async def others_done() -> bool | None:
            await page.goto(f"{web.url}/datenschutz/loeschauftraege/{request_id}")
            rows = page.locator("tr[data-service]")
            texts = await rows.all_inner_texts()
            done = [t for t in texts if "erledigt" in t]
            return True if len(texts) == 4 and len(done) == 3 else None

        await until(others_done, timeout=120, interval=1.0)
        await expect(page.locator("tr[data-service='meetings']")).to_contain_text("1 Anmeldung")
        await expect(page.locator("tr[data-service='notifications']")).to_contain_text("ausstehend")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Löschauftrag: ausstehend")
    finally:
        if notifications.pid is None:
            notifications.start()

    async def completed() -> bool | None:
        await page.goto(f"{web.url}/datenschutz/loeschauftraege/{request_id}")
        heading = await page.get_by_role("heading", level=1).inner_text()
        return True if heading == "Löschauftrag: erledigt" else None

    await until(completed, timeout=180, interval=1.0)
    await expect(page.locator("tr[data-service='notifications']")).to_contain_text("erledigt")
    await expect(page.locator("tr[data-service]").filter(has_text="ausstehend")).to_have_count(0)
    assert await check_accessibility(page) == []

    await page.get_by_role("link", name="Zu allen Löschaufträgen").click()
    listed = page.locator(f"tr[data-erasure-id='{request_id}']")
    await expect(listed).to_contain_text("erledigt")
    await expect(listed).to_contain_text("Antrag nach Art. 17 DSGVO")
    await expect(listed).not_to_contain_text(address)  # only the hint stays
    await expect(page.locator("body")).not_to_contain_text(address)

    # meetings no longer holds her registration.
    async with suite.client("meetings") as meetings:
        office = suite.auth("network_office", REGION, sub="office-inbox-tests")
        registrations = ok(
            await meetings.get(f"/meetings/{event['id']}/registrations", headers=office)
        )
    assert address not in json.dumps(registrations)


async def test_the_audit_log_shows_an_applications_entries(
    page: Any, web: Web, net: Network
) -> None:
    suite = web.suite
    app = await _application(
        suite,
        net,
        net.school_auth(0),
        "Streitschlichtung im Schulhaus",
        {"name": "Jürgen Weiß", "email": _address("juergen"), "phone": "039209 1234"},
    )
    await _sign_in_coordinator(page, web)
    await page.goto(f"{web.url}/antraege/{app['id']}")
    await _follow_link_by_keyboard(page, "Protokoll dieses Antrags")
    resource = f"applications/{app['id']}"
    await expect(page.get_by_role("heading", level=1)).to_have_text("Protokoll")
    await expect(page.get_by_label("Gegenstand")).to_have_value(resource)
    rows = page.locator("tr[data-audit-action]")
    await expect(rows.first).to_be_visible()
    for text in await rows.all_inner_texts():
        assert resource in text
        assert "Förderung (Fonds und Anträge)" in text
    created = rows.filter(has_text="school-0")
    await expect(created.first).to_be_visible()  # the school that drafted it, by its id
    for name in ("Jürgen Weiß", "juergen-"):
        await expect(page.locator("main")).not_to_contain_text(name)
    assert await check_accessibility(page) == []

    # Filtered by the actor: only that actor's entries, of any resource.
    await created.first.get_by_role("link", name="school-0").click()
    await expect(page.get_by_label("Handelnde Person (Kennung)")).to_have_value("school-0")
    actors = await page.locator("tr[data-audit-action] td:nth-child(4)").all_inner_texts()
    assert actors and set(actors) == {"school-0"}
    assert await check_accessibility(page) == []

    # The navigation leads there by keyboard too.
    await page.goto(f"{web.url}/")
    await _follow_link_by_keyboard(page, "Protokoll")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Protokoll")


async def test_sending_the_confirmation_twice_files_one_request(page: Any, web: Web) -> None:
    await _sign_in_coordinator(page, web)
    cookie = {c["name"]: c["value"] for c in await page.context.cookies()}["sf_sitzung"]
    fields = {"email": _address("doppelt"), "grund": "Antrag nach Art. 17 DSGVO (doppelt)"}
    async with web.client(cookies={"sf_sitzung": cookie}) as client:
        listed = await client.get("/datenschutz/loeschauftraege")
        token = csrf_of(listed.text)
        checked = await client.post(
            "/datenschutz/loeschauftraege", data={"csrf_token": token, **fields}
        )
        assert checked.status_code == 200
        assert "Diese Löschung kann nicht rückgängig gemacht werden" in checked.text
        key = re.search(r'name="schluessel" value="([^"]+)"', checked.text)
        assert key
        confirmed = {"csrf_token": token, "schluessel": key.group(1), **fields}
        first = await client.post("/datenschutz/loeschauftraege/bestaetigen", data=confirmed)
        again = await client.post("/datenschutz/loeschauftraege/bestaetigen", data=confirmed)
        assert first.status_code == again.status_code == 303
        assert first.headers["location"] == again.headers["location"]
        other = await client.post(
            "/datenschutz/loeschauftraege", data={"csrf_token": token, **fields}
        )
        other_key = re.search(r'name="schluessel" value="([^"]+)"', other.text)
        assert other_key and other_key.group(1) != key.group(1)
