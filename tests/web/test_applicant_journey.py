"""The applicant's journey through the pages (issue 14), in Chromium against the real suite.

A school drafts an application through the guided form (budget lines added and removed), is
refused at submit before the network office's advice (German error summary whose link focuses
the field), the office records the advice on the application's page, the school submits and
sees „Eingereicht“; the office's pages show the committee session once meetings has put the
application on an agenda; the office decides and the school reports. A school sees the date of
the session that decides its application on its own pages. The same draft-to-submit
journey by keyboard only, and once with JavaScript switched off. axe-core on every page. An
application of another region answers „not found“ without a word of its content.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from typing import Any

import pytest
from applications_support import application_of_other_region, ready_network, record_advice
from e2e.flow import Flow, Network
from suite_support import Suite
from web_support import Web, check_accessibility, focused, sign_in, tab_to

from web.site.formatting import datum, zeit

CONTACT = "juergen.weiss@schule-wanzleben.example"
TITLE = f"Zirkusprojekt „Manege frei“ für die Klassen 5 und 6 ({uuid.uuid4().hex[:6]})"
APPLICATION_PATH = re.compile(r"/antraege/([0-9a-f-]{36})(/pruefen)?(\?.*)?$")


@pytest.fixture(scope="module")
async def net(suite: Suite) -> Network:
    return await ready_network(suite, schools=3)


async def new_page(browser: Any, **options: Any) -> Any:
    context = await browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", **options)
    return await context.new_page()


async def main_text(page: Any) -> str:
    """The page's main content, white space (also no-break spaces) folded to single spaces."""
    text: str = await page.locator("main").inner_text()
    return re.sub(r"\s+", " ", text)


async def accessible(page: Any) -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    assert await check_accessibility(page) == [], page.url


def application_id(page: Any) -> str:
    found = APPLICATION_PATH.search(page.url)
    assert found, page.url
    return found.group(1)


async def reload_until(page: Any, url: str, text: str, *, timeout: float = 90) -> None:
    """Open ``url`` again and again until its main content shows ``text``."""
    deadline = time.monotonic() + timeout
    while True:
        await page.goto(url)
        if text in await main_text(page):
            return
        assert time.monotonic() < deadline, f"{text!r} not shown on {url} within {timeout}s"
        await asyncio.sleep(1)


async def fill_project(page: Any, net: Network, *, title: str, goals: str | None) -> None:
    """The form's fields apart from the budget lines (the contact comes from the sign-in)."""
    await page.get_by_label("Förderfonds").select_option(net.fund["id"])
    partners = page.get_by_role("group", name="Kooperationspartner")
    await partners.get_by_label(net.provider["name"]).check()
    await page.get_by_label("Titel", exact=True).fill(title)
    await page.get_by_label("Kurzbeschreibung").fill(
        "Eine Projektwoche mit Zirkuspädagogen, am Ende eine Aufführung für die Eltern."
    )
    if goals:
        await page.get_by_label("Ziele", exact=True).fill(goals)
    await page.get_by_role("group", name="Themen").get_by_label("Musik, Theater und Zirkus").check()
    await page.get_by_role("group", name="Zielgruppen").get_by_label("Schüler:innen").check()
    await page.get_by_role("group", name="Zielgruppen").get_by_label("Sorgeberechtigte").check()
    planned = page.get_by_role("group", name="Geplante Teilnehmende")
    await planned.get_by_label("Schüler:innen").fill("52")
    await planned.get_by_label("Sorgeberechtigte").fill("40")
    await page.get_by_label("Beginn").fill("03.05.2027")
    await page.get_by_label("Ende", exact=True).fill("07.05.2027")
    await page.get_by_label("Telefon").fill("039209 1234")


async def fill_line(page: Any, position: int, category: str, description: str, amount: str) -> None:
    await page.get_by_label(f"Kategorie (Position {position})").select_option(category)
    await page.get_by_label(f"Beschreibung (Position {position})").fill(description)
    await page.get_by_label(f"Betrag in Euro (Position {position})").fill(amount)


async def test_a_school_is_refused_before_the_advice_and_submits_after_it(
    browser: Any, web: Web, net: Network
) -> None:
    school = await new_page(browser)
    office = await new_page(browser)
    await sign_in(
        school, web, role="school", school=net.schools[0]["id"], name="Jürgen Weiß", email=CONTACT
    )
    assert await school.get_by_role("heading", level=1).inner_text() == "Meine Anträge"
    await accessible(school)

    # the draft: two budget lines, one removed, one added (site.js does it in place)
    await school.get_by_role("link", name="Neuen Antrag stellen").click()
    await fill_project(school, net, title=TITLE, goals=None)
    await fill_line(school, 1, "fees", "Zirkuspädagogen", "1.200,00")
    await school.get_by_role("button", name="Position hinzufügen").click()
    await fill_line(school, 2, "materials", "Requisiten", "300,50")
    assert await school.locator("[data-rows-total]").inner_text() == "1.500,50\u00a0€"
    await school.get_by_role("button", name="Position 2 entfernen").click()
    await school.get_by_role("button", name="Position hinzufügen").click()
    await fill_line(school, 2, "travel", "Busfahrt zur Manege", "99")
    await accessible(school)
    await school.get_by_role("button", name="Entwurf speichern").click()
    await school.wait_for_url(re.compile(r"/pruefen$"))
    app_id = application_id(school)
    checked = await main_text(school)
    for shown in ("1.200,00 €", "99,00 €", "1.299,00 €", "Busfahrt zur Manege", "Honorare"):
        assert shown in checked
    assert "Requisiten" not in checked
    await accessible(school)

    # refused before the advice: the error summary's link focuses the advice on the form
    await school.get_by_role("button", name="Einreichen").click()
    summary = school.get_by_role("alert")
    assert "Vor dem Einreichen muss die Netzwerkstelle Sie beraten" in await summary.inner_text()
    await accessible(school)
    await summary.get_by_role("link", name=re.compile("Vor dem Einreichen")).click()
    assert await school.evaluate("document.activeElement.id") == "feld-consultation"

    # the office finds it in its worklist (filter in the URL) and records the advice
    await sign_in(office, web, role="network_office", region="boerde", name="Petra Schäfer")
    assert await office.get_by_role("heading", level=1).inner_text() == "Anträge der Region"
    row = office.get_by_role("row").filter(has_text=TITLE)
    assert net.schools[0]["name"] in await row.inner_text()
    assert "Entwurf" in await row.inner_text()
    await accessible(office)
    await office.goto(f"{web.url}/antraege?status=submitted")
    assert TITLE not in await main_text(office)
    await office.get_by_label("Status").select_option("draft")
    await office.get_by_role("button", name="Anzeigen").click()
    assert office.url.endswith("/antraege?status=draft")
    await office.get_by_role("link", name=TITLE).click()
    await office.wait_for_url(f"**/antraege/{app_id}")
    await accessible(office)
    await office.get_by_label("Notizen").fill(
        "Projektidee besprochen, Kooperation mit der AWO geklärt."
    )
    await office.get_by_role("button", name="Beratung erfassen").click()
    assert "Die Beratung ist erfasst" in await main_text(office)

    # the school submits: first refused for the missing goals, whose link focuses the field
    await school.goto(f"{web.url}/antraege/{app_id}/pruefen")
    await school.get_by_role("button", name="Einreichen").click()
    summary = school.get_by_role("alert")
    assert "Bitte beschreiben Sie die Ziele des Vorhabens." in await summary.inner_text()
    await summary.get_by_role("link", name=re.compile("Ziele")).click()
    assert await school.evaluate("document.activeElement.id") == "feld-goals"
    await school.keyboard.type("Selbstvertrauen stärken, Klassengemeinschaft fördern.")
    await school.get_by_role("button", name="Entwurf speichern").click()
    await school.wait_for_url(re.compile(r"/pruefen$"))
    await school.get_by_role("button", name="Einreichen").click()
    await school.wait_for_url(f"**/antraege/{app_id}?erfolg=eingereicht")
    details = await main_text(school)
    assert "Status: Eingereicht" in details, details
    assert "Entwurf → Eingereicht" in details
    assert "Projektidee besprochen" in details
    await accessible(school)
    await school.get_by_role("navigation").get_by_role("link", name="Meine Anträge").click()
    assert "Eingereicht" in await school.get_by_role("row").filter(has_text=TITLE).inner_text()
    await accessible(school)

    # meetings puts it on the committee's next session: the office's pages show its date
    session_day = datum(net.session["starts_at"])
    await reload_until(office, f"{web.url}/antraege", session_day)
    await office.goto(f"{web.url}/antraege/{app_id}")
    deciding = office.locator(".kern-description-list-item", has_text="Sitzung, die entscheidet")
    assert session_day in await deciding.inner_text()

    # the office decides by hand (a rejection needs its reason); the school reports afterwards
    await office.get_by_label("Abgelehnt", exact=True).check()
    await office.get_by_role("button", name="Entscheidung erfassen").click()
    refused = office.get_by_role("alert")
    assert "Bitte begründen Sie die Ablehnung oder Rückgabe" in await refused.inner_text()
    assert await refused.get_by_role("link").get_attribute("href") == "#feld-decision_reason"
    await accessible(office)
    await office.get_by_label("Bewilligt", exact=True).check()
    await office.get_by_label("Bewilligter Betrag in Euro").fill("1.200,00")
    await office.get_by_label("Auflagen").fill("Fotodokumentation beifügen")
    await office.get_by_role("button", name="Entscheidung erfassen").click()
    assert "Die Entscheidung ist erfasst" in await main_text(office)
    await school.goto(f"{web.url}/antraege/{app_id}")
    details = await main_text(school)
    assert "Status: Bewilligt" in details and "Fotodokumentation beifügen" in details
    # the report is the proof of use (Verwendungsnachweis) now
    await school.get_by_role("link", name="Verwendungsnachweis erstellen", exact=True).click()
    await accessible(school)
    reached = school.get_by_role("group", name="Teilnehmende je Zielgruppe")
    await reached.get_by_label("Schüler:innen").fill("48")
    await reached.get_by_label("Sorgeberechtigte").fill("35")
    await school.get_by_label("Sachbericht").fill("Die Aufführung war ein voller Erfolg.")
    await school.get_by_label("Datum (Beleg 1)").fill("05.05.2027")
    await school.get_by_label("Zahlungsempfänger (Beleg 1)").fill("Zirkus Pepperoni")
    await school.get_by_label("Zweck (Beleg 1)").fill("Honorar der Zirkuspädagogen")
    await school.get_by_label("Kostenposition (Beleg 1)").select_option("fees")
    await school.get_by_label("Betrag in Euro (Beleg 1)").fill("1.250,00")
    await school.get_by_role("button", name="Speichern und einreichen").click()
    await school.wait_for_url(f"**/antraege/{app_id}/verwendungsnachweis?erfolg=eingereicht")
    await school.goto(f"{web.url}/antraege/{app_id}")
    details = await main_text(school)
    assert "Status: Bericht eingereicht" in details and "1.250,00" in details
    await accessible(school)
    await school.context.close()
    await office.context.close()


async def test_the_school_sees_the_session_that_decides(page: Any, web: Web, net: Network) -> None:
    """Once meetings has put a submitted application on its committee's next session, the
    school's own pages show its status and that session's date, time and place (the school
    reads no agenda: offers names the session with the application)."""
    flow = Flow(net, school=1)
    async with net.suite.client("offers") as offers:
        await flow.draft_and_submit(offers)
    title = flow.app["title"]
    starts_at = net.session["starts_at"]
    await sign_in(page, web, role="school", school=net.schools[1]["id"])
    await reload_until(page, f"{web.url}/antraege", datum(starts_at))
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=title, exact=True))
    shown = re.sub(r"\s+", " ", await row.inner_text())
    assert "Eingereicht" in shown and f"{datum(starts_at)}, {zeit(starts_at)}" in shown, shown
    await accessible(page)
    await row.get_by_role("link", name=title, exact=True).click()
    await page.wait_for_url(f"**/antraege/{flow.app['id']}")
    assert "Status: Eingereicht" in await main_text(page)
    deciding = page.locator(".kern-description-list-item", has_text="Sitzung, die entscheidet")
    text = re.sub(r"\s+", " ", await deciding.inner_text())
    assert f"{datum(starts_at)}, {zeit(starts_at)}" in text, text
    assert net.session["location"] in text and "abgesagt" not in text
    await accessible(page)


async def type_into(page: Any, target: str, text: str) -> None:
    await tab_to(page, target)
    await page.keyboard.type(text)


async def test_the_journey_by_keyboard_only(page: Any, web: Web, net: Network) -> None:
    title = "Streitschlichter-Ausbildung (Tastatur)"
    await sign_in(
        page,
        web,
        role="school",
        school=net.schools[1]["id"],
        name="Kim Tast",
        email="kim.tast@schule.example",
    )
    await tab_to(page, "Neuen Antrag stellen")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await type_into(page, "feld-fund_id", net.fund["name"])
    assert await page.locator("#feld-fund_id").input_value() == net.fund["id"]
    await tab_to(page, net.provider["name"])
    await page.keyboard.press("Space")
    await type_into(page, "feld-title", title)
    await type_into(page, "feld-summary", "Zwölf Schüler:innen lernen, Streit zu schlichten.")
    await type_into(page, "feld-goals", "Weniger Konflikte auf dem Schulhof.")
    await tab_to(page, "Mediation und Konfliktlösung")
    await page.keyboard.press("Space")
    await tab_to(page, "feld-target_groups-1")  # Schüler:innen
    await page.keyboard.press("Space")
    await type_into(page, "feld-planned_pupils", "12")
    await type_into(page, "feld-start_date", "01.03.2027")
    await type_into(page, "feld-end_date", "30.06.2027")
    await type_into(page, "feld-lines-0-category", "Hon")
    await page.keyboard.press("Tab")
    await page.keyboard.type("Trainerin")
    await page.keyboard.press("Tab")
    await page.keyboard.type("800")
    await tab_to(page, "Position hinzufügen")
    await page.keyboard.press("Enter")  # site.js adds the line and focuses its first field
    assert (await focused(page))["id"] == "feld-lines-1-category"
    await page.keyboard.type("Sach")
    await page.keyboard.press("Tab")
    await page.keyboard.type("Moderationskoffer")
    await page.keyboard.press("Tab")
    await page.keyboard.type("150,00")
    await tab_to(page, "Position 1 entfernen")
    await page.keyboard.press("Space")
    await tab_to(page, "Entwurf speichern")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"/pruefen$"))
    checked = await main_text(page)
    assert "Moderationskoffer" in checked and "Trainerin" not in checked
    assert "150,00 €" in checked
    assert "Sachkosten und Material" in checked

    # the office advises meanwhile: the page's version is stale, the submit says so
    await record_advice(net, application_id(page))
    await tab_to(page, "Einreichen")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert "Der Antrag wurde inzwischen geändert" in await page.get_by_role("alert").inner_text()
    await accessible(page)
    await tab_to(page, "Einreichen")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r"\?erfolg=eingereicht$"))
    assert "Status: Eingereicht" in await main_text(page)

    # withdrawing asks first; „Abbrechen“ leaves the application as it is
    await tab_to(page, "Antrag zurückziehen")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert "Wollen Sie den Antrag wirklich zurückziehen?" in await main_text(page)
    await accessible(page)
    await tab_to(page, "Abbrechen")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert "Status: Eingereicht" in await main_text(page)


async def test_the_journey_without_javascript(browser: Any, web: Web, net: Network) -> None:
    title = "Medienscouts ohne JavaScript"
    page = await new_page(browser, java_script_enabled=False)
    await sign_in(
        page,
        web,
        role="school",
        school=net.schools[2]["id"],
        name="Nora Ohnejs",
        email="nora@schule.example",
    )
    await page.goto(f"{web.url}/antraege/neu")
    await fill_project(page, net, title=title, goals="Sicher im Netz.")
    await fill_line(page, 1, "fees", "Medienpädagoge", "640,00")
    await page.get_by_role("button", name="Position hinzufügen").click()  # the server adds it
    assert await page.get_by_label("Beschreibung (Position 1)").input_value() == "Medienpädagoge"
    await fill_line(page, 2, "materials", "Tablets leihen", "120")
    await page.get_by_role("button", name="Position hinzufügen").click()
    await fill_line(page, 3, "other", "Elternabend", "35,5")
    await page.get_by_role("button", name="Position 2 entfernen").click()  # the server removes it
    assert await page.get_by_label("Beschreibung (Position 2)").input_value() == "Elternabend"
    assert await page.get_by_label("Betrag in Euro (Position 2)").input_value() == "35,5"
    assert await page.get_by_label("Beschreibung (Position 3)").count() == 0
    assert "675,50" in await page.locator("[data-rows-total]").inner_text()
    # an amount that is none: the error summary names it and links to its field
    await page.get_by_label("Betrag in Euro (Position 2)").fill("35 Euro 50")
    await page.get_by_role("button", name="Entwurf speichern").click()
    summary = page.get_by_role("alert")
    assert "Bitte geben Sie den Betrag in Euro mit Komma an" in await summary.inner_text()
    link = summary.get_by_role("link", name=re.compile("Betrag in Euro"))
    assert await link.get_attribute("href") == "#feld-lines-1-amount"
    assert await page.get_by_label("Titel", exact=True).input_value() == title
    await page.get_by_label("Betrag in Euro (Position 2)").fill("35,5")
    # Enter in a field saves the draft (the first submit button), it never removes a line
    await page.get_by_label("Titel", exact=True).press("Enter")
    await page.wait_for_url(re.compile(r"/pruefen$"))
    checked = await main_text(page)
    assert "Elternabend" in checked and "Tablets leihen" not in checked
    app_id = application_id(page)
    await record_advice(net, app_id)
    await page.reload()
    await page.get_by_role("button", name="Einreichen").click()
    await page.wait_for_url(f"**/antraege/{app_id}?erfolg=eingereicht")
    assert "Status: Eingereicht" in await main_text(page)

    # withdrawing asks first, on a page of its own
    await page.get_by_role("link", name="Antrag zurückziehen").click()
    assert "Wollen Sie den Antrag wirklich zurückziehen?" in await main_text(page)
    await page.get_by_label("Begründung").fill("Die Schule hat schon eine Förderung.")
    await page.get_by_role("button", name="Zurückziehen").click()
    await page.wait_for_url(f"**/antraege/{app_id}?erfolg=zurueckgezogen")
    details = await main_text(page)
    assert "Status: Zurückgezogen" in details
    assert "Die Schule hat schon eine Förderung." in details
    await page.context.close()


async def test_an_application_of_another_region_is_not_shown(
    page: Any, web: Web, suite: Suite, net: Network
) -> None:
    title = "Vertrauliches Projekt der Magdeburger Grundschule"
    other = await application_of_other_region(suite, title)
    await sign_in(page, web, role="network_office", region="boerde", name="Petra Schäfer")
    for path in ("", "/bearbeiten", "/pruefen", "/zurueckziehen", "/bericht"):
        response = await page.goto(f"{web.url}/antraege/{other['id']}{path}")
        assert response.status == 404, path
        assert title not in await page.content()
    assert "nicht gefunden" in await page.get_by_role("heading", level=1).inner_text()
    await accessible(page)
    await page.goto(f"{web.url}/antraege")
    assert title not in await page.content()
    # a school of Börde neither
    await sign_in(page, web, role="school", school=net.schools[0]["id"])
    response = await page.goto(f"{web.url}/antraege/{other['id']}")
    assert response.status == 404 and title not in await page.content()
