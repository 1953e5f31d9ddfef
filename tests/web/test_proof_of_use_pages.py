"""„Verwendungsnachweis“ through the pages: the school finds the section on its approved
application, fills the Sachbericht, the participants per target group and the Belegliste (rows
added and removed by buttons, no JavaScript), gets German errors beside the field for a receipt
dated outside the project period and a negative amount, sees the comparison with the approved
cost plan in words and numbers, and submits; the office returns it with reasons, the school
corrects and resubmits, the office accepts an amount and sees the final payment. axe clean on
every page; the forms work with the keyboard."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from applications_support import ready_network
from e2e.flow import Network, ok
from money_support import (
    PNG,
    approved,
    attach,
    error_of,
    fees,
    follow_section,
    project,
    signed_in,
    text_of,
)
from suite_support import Suite
from web_support import Web, check_accessibility, sign_in

TITLE = f"Theaterwerkstatt „Bühne frei“ ({uuid.uuid4().hex[:6]})"


@pytest.fixture(scope="module")
async def net(suite: Suite) -> Network:
    return await ready_network(suite, schools=1)


async def approved_application(net: Network) -> dict[str, Any]:
    """An application approved for 900 € (fees 800 €, materials 100 €), through the API."""
    lines = [
        fees(80000, "Theaterpädagogin"),
        {"category": "materials", "description": "Kostüme", "amount_cents": 10000},
    ]
    return await approved(net, project(net, TITLE, lines), 90000)


async def _fill_receipt(page: Any, n: int, values: tuple[str, str, str, str, str]) -> None:
    day, payee, purpose, category, amount = values
    await page.get_by_label(f"Datum (Beleg {n})").fill(day)
    await page.get_by_label(f"Zahlungsempfänger (Beleg {n})").fill(payee)
    await page.get_by_label(f"Zweck (Beleg {n})").fill(purpose)
    await page.get_by_label(f"Kostenposition (Beleg {n})").select_option(label=category)
    await page.get_by_label(f"Betrag in Euro (Beleg {n})").fill(amount)


async def test_the_proof_of_use_is_filled_checked_returned_and_accepted(
    browser: Any, web: Web, net: Network
) -> None:
    app = await approved_application(net)
    school = await signed_in(browser, web, net, school="Jonas Beck")
    assert "Verwendungsnachweis" in await follow_section(
        school, web, app["id"], "verwendungsnachweis"
    )
    assert school.url.endswith(f"/antraege/{app['id']}/verwendungsnachweis")
    assert "Fällig am" in await text_of(school.locator("main"))
    assert await check_accessibility(school) == []

    await school.get_by_label("Sachbericht").fill("Die Klassen haben ein Stück aufgeführt.")
    await school.get_by_label("Schüler:innen").fill("24")
    # a receipt before the project and a negative amount: German errors beside the fields
    await _fill_receipt(
        school, 1, ("10.04.2027", "Theaterpädagogin", "Honorar", "Honorare", "850,00")
    )
    await school.get_by_role("button", name="Beleg hinzufügen").click()
    await school.wait_for_load_state()
    await _fill_receipt(
        school, 2, ("13.04.2027", "Stoffladen", "Kostüme", "Sachkosten und Material", "-5")
    )
    await school.get_by_role("button", name="Speichern", exact=True).click()
    await school.wait_for_load_state()
    date_error = await text_of(school.locator("#feld-receipts-0-date-fehler"))
    assert "außerhalb des Projektzeitraums" in date_error and "12.04.2027" in date_error
    assert "größer als 0 €" in await text_of(school.locator("#feld-receipts-1-amount-fehler"))
    assert await school.get_by_label("Betrag in Euro (Beleg 2)").input_value() == "-5"
    assert await check_accessibility(school) == []

    # a third row added and removed again, without JavaScript
    await school.get_by_role("button", name="Beleg hinzufügen").click()
    await school.wait_for_load_state()
    assert await school.get_by_label("Datum (Beleg 3)").count() == 1
    await school.get_by_role("button", name="Beleg 3 entfernen").click()
    await school.wait_for_load_state()
    assert await school.get_by_label("Datum (Beleg 3)").count() == 0

    await school.get_by_label("Datum (Beleg 1)").fill("12.04.2027")
    await school.get_by_label("Betrag in Euro (Beleg 2)").fill("60,00")
    await school.get_by_role("button", name="Speichern", exact=True).click()
    await school.wait_for_load_state()
    main = await text_of(school.locator("main"))
    assert "Der Verwendungsnachweis ist gespeichert" in main
    table = await text_of(school.locator("#vergleich-tabelle"))
    assert "um 50,00 € überschritten" in table  # fees: 850 spent of 800
    assert "40,00 € nicht ausgeschöpft" in table  # materials: 60 spent of 100
    assert "910,00 €" in table and "um 10,00 € überschritten" in table
    assert await check_accessibility(school) == []

    # with the keyboard: the submit button reached by Tab and pressed with Enter
    await school.get_by_role("button", name="Speichern und einreichen").focus()
    async with school.expect_navigation():
        await school.keyboard.press("Enter")
    assert "ist eingereicht" in await text_of(school.locator("main"))
    assert "Eingereicht" in await text_of(school.locator("#nachweis-status"))

    office = await signed_in(browser, web, net)
    await office.goto(f"{web.url}/antraege/{app['id']}/verwendungsnachweis")
    # the office checks beside the approved lines: the comparison sits in its check section
    check = office.locator("section[aria-labelledby=pruefung]")
    compared = await text_of(check.locator("#vergleich-tabelle"))
    assert "um 50,00 € überschritten" in compared and "40,00 € nicht ausgeschöpft" in compared
    assert await check.get_by_role("button", name="Anerkennen").count() == 1
    assert await check_accessibility(office) == []
    await office.get_by_role("button", name="Zurückgeben").click()  # no reasons
    await office.wait_for_load_state()
    assert "Gründe" in await text_of(office.locator("#feld-reasons-fehler"))
    await office.get_by_label("Gründe").fill("Bitte den Beleg der Kostüme nachreichen.")
    await office.get_by_role("button", name="Zurückgeben").click()
    await office.wait_for_load_state()
    assert "zur Korrektur zurückgegeben" in await text_of(office.locator("main"))

    await school.reload()
    assert "Bitte den Beleg der Kostüme" in await text_of(school.locator("#rueckgabe-gruende"))
    await school.get_by_label("Betrag in Euro (Beleg 1)").fill("800,00")
    await school.get_by_role("button", name="Speichern und einreichen").click()
    await school.wait_for_load_state()
    assert "ist eingereicht" in await text_of(school.locator("main"))

    await office.reload()
    await office.get_by_label("Anerkannter Betrag in Euro").fill("950,00")
    await office.get_by_role("button", name="Anerkennen").click()
    await office.wait_for_load_state()
    assert "höchstens der bewilligte Betrag" in await text_of(
        office.locator("#feld-accepted-fehler")
    )
    assert await check_accessibility(office) == []
    await office.get_by_label("Anerkannter Betrag in Euro").fill("860,00")
    await office.get_by_role("button", name="Anerkennen").click()
    await office.wait_for_load_state()
    main = await text_of(office.locator("main"))
    assert "Der Verwendungsnachweis ist anerkannt" in main
    assert "Schlusszahlung" in main and "860,00 €" in await text_of(office.locator("#ergebnis"))
    assert await check_accessibility(office) == []
    for page in (school, office):
        await page.context.close()


async def _save(page: Any, name: str = "Speichern") -> int:
    """Press a save button; the status of the page it leads to."""
    async with page.expect_navigation() as navigation:
        await page.get_by_role("button", name=name, exact=True).click()
    return int((await navigation.value).status)


async def test_receipts_carry_their_files_and_the_esf_figures_are_kept(
    browser: Any, web: Web, net: Network
) -> None:
    app = await approved_application(net)
    receipt = await attach(net, app["id"], "receipt", "Rechnung Theaterpädagogin", "rechnung.png")
    quote = await attach(net, app["id"], "quote", "Angebot Theaterpädagogin", "angebot.png")
    school = await signed_in(browser, web, net, school="Jonas Beck")
    await school.goto(f"{web.url}/antraege/{app['id']}/verwendungsnachweis")
    chooser = school.get_by_label("Beleg-Anlage (Beleg 1)")
    offered = [await text_of(o) for o in await chooser.locator("option").all()]
    assert offered == ["Keine Anlage", "Rechnung Theaterpädagogin"]  # receipts only
    esf = school.get_by_role("group", name="Teilnehmende für die ESF+-Statistik")
    assert await esf.get_by_role("table").count() == 2
    assert await check_accessibility(school) == []

    await school.get_by_label("Sachbericht").fill("Zwei Aufführungen vor den Eltern.")
    await school.get_by_label("Schüler:innen").fill("24")
    await esf.get_by_label("weiblich (Geschlecht)").fill("20")
    await esf.get_by_label("männlich (Geschlecht)").fill("10")
    await esf.get_by_label("unter 18 Jahre (Altersgruppe)").fill("-3")
    await _fill_receipt(
        school, 1, ("14.04.2027", "Theaterpädagogin", "Honorar", "Honorare", "20.000.000,00")
    )
    await chooser.select_option(label="Rechnung Theaterpädagogin")
    assert await _save(school) == 422
    assert "30 Personen" in await error_of(school, "breakdown_sex")
    assert "mehr als die 24 Teilnehmenden" in await error_of(school, "breakdown_sex")
    assert "ganze Zahl" in await error_of(school, "breakdown_age_group_under_18")
    assert "höchstens 10.000.000,00 €" in await error_of(school, "receipts-0-amount")
    summary = school.get_by_role("alert")
    assert await summary.get_by_role("link", name="30 Personen").get_attribute("href") == (
        "#feld-breakdown_sex"
    )
    # what was typed stays, the chosen file too
    assert await school.get_by_label("unter 18 Jahre (Altersgruppe)").input_value() == "-3"
    assert await chooser.input_value() == receipt["id"]
    assert await check_accessibility(school) == []

    # a file of another kind, slipped into the form, is refused beside the field
    await chooser.evaluate("(select, id) => { select.options[1].value = id; }", quote["id"])
    await chooser.select_option(index=1)
    await esf.get_by_label("weiblich (Geschlecht)").fill("12")
    await esf.get_by_label("keine Angabe (Geschlecht)").fill("1")
    await esf.get_by_label("männlich (Geschlecht)").fill("11")
    await esf.get_by_label("unter 18 Jahre (Altersgruppe)").fill("24")
    await school.get_by_label("Betrag in Euro (Beleg 1)").fill("800,00")
    assert await _save(school) == 422
    assert "Art „Beleg“" in await error_of(school, "receipts-0-attachment")
    assert await school.locator("#fehlerzusammenfassung").count() == 1
    assert await check_accessibility(school) == []

    await chooser.select_option(label="Rechnung Theaterpädagogin")
    assert await _save(school) == 200
    assert "Der Verwendungsnachweis ist gespeichert" in await text_of(school.locator("main"))
    link = school.get_by_role("link", name="Rechnung Theaterpädagogin herunterladen")
    assert await link.count() == 1  # the chosen file, to check
    answer = await school.request.get(f"{web.url}{await link.get_attribute('href')}")
    assert answer.status == 200 and await answer.body() == PNG
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "rechnung.png" in answer.headers["content-disposition"]
    assert await esf.get_by_label("männlich (Geschlecht)").input_value() == "11"

    assert await _save(school, "Speichern und einreichen") == 200
    listed = await text_of(school.locator("#belegliste"))
    assert "Rechnung Theaterpädagogin" in listed and "800,00 €" in listed
    assert "weiblich: 12" in await text_of(school.locator("#esf-sex"))
    assert "unter 18 Jahre: 24" in await text_of(school.locator("#esf-age_group"))
    assert await check_accessibility(school) == []

    office = await signed_in(browser, web, net)
    await office.goto(f"{web.url}/antraege/{app['id']}/verwendungsnachweis")
    listed = office.locator("#belegliste")
    assert await listed.get_by_role("link", name="Rechnung Theaterpädagogin").count() == 1
    compared = await text_of(office.locator("section[aria-labelledby=pruefung] #vergleich-tabelle"))
    assert "genau eingehalten" in compared  # fees: 800 of 800
    assert "100,00 € nicht ausgeschöpft" in compared  # materials: nothing of 100
    assert await check_accessibility(office) == []
    for page in (school, office):
        await page.context.close()


async def _collect_figures(net: Network, collect: bool) -> None:
    """Make the network's fund collect the ESF+ participant figures (or stop)."""
    async with net.suite.client("offers") as offers:
        ok(
            await offers.patch(
                f"/funds/{net.fund['id']}",
                json={"collects_participant_figures": collect},
                headers=net.office,
            )
        )


async def test_a_fund_collecting_esf_figures_asks_for_the_table_by_sex_and_age(
    browser: Any, web: Web, net: Network
) -> None:
    app = await approved_application(net)
    await _collect_figures(net, True)
    try:
        school = await signed_in(browser, web, net, school="Jonas Beck")
        await school.goto(f"{web.url}/antraege/{app['id']}/verwendungsnachweis")
        table = school.get_by_role("group", name="Teilnehmende nach Geschlecht und Altersgruppe")
        headers = [await text_of(h) for h in await table.locator("thead th").all()]
        assert headers == [
            "Geschlecht",
            "unter 18 Jahre",
            "18 bis 29 Jahre",
            "30 bis 54 Jahre",
            "55 Jahre und älter",
        ]
        # the separate breakdowns give way to the table
        assert await school.get_by_label("weiblich (Geschlecht)").count() == 0
        assert await check_accessibility(school) == []

        await school.get_by_label("Sachbericht").fill("Zwei Aufführungen vor den Eltern.")
        await school.get_by_label("Schüler:innen").fill("24")
        await _fill_receipt(
            school, 1, ("14.04.2027", "Theaterpädagogin", "Honorar", "Honorare", "800,00")
        )
        # submitting without the table: a German error beside it
        assert await _save(school, "Speichern und einreichen") == 422
        assert "nach Geschlecht und Altersgruppe" in await error_of(school, "esf")
        summary = school.get_by_role("alert")
        assert await summary.get_by_role("link").first.get_attribute("href") == "#feld-esf"
        assert await check_accessibility(school) == []

        await table.get_by_label("weiblich, unter 18 Jahre").fill("13")
        await table.get_by_label("männlich, unter 18 Jahre").fill("zehn")
        assert await _save(school) == 422
        assert "ganze Zahl" in await error_of(school, "esf_male_under_18")
        assert await table.get_by_label("weiblich, unter 18 Jahre").input_value() == "13"
        assert await check_accessibility(school) == []

        await table.get_by_label("männlich, unter 18 Jahre").fill("10")
        await table.get_by_label("divers, unter 18 Jahre").fill("1")
        assert await _save(school) == 200
        assert await table.get_by_label("männlich, unter 18 Jahre").input_value() == "10"
        assert await _save(school, "Speichern und einreichen") == 200
        shown = await text_of(school.locator("#esf-zahlen"))
        assert "weiblich 13 0 0 0" in shown and "divers 1 0 0 0" in shown
        assert await check_accessibility(school) == []
        async with net.suite.client("offers") as offers:
            proof = ok(
                await offers.get(f"/applications/{app['id']}/proof-of-use", headers=net.office)
            )
        assert proof["participants"] == {
            "female": {"under_18": 13},
            "male": {"under_18": 10},
            "diverse": {"under_18": 1},
        }
        await school.context.close()
    finally:
        await _collect_figures(net, False)


async def test_the_old_report_page_leads_to_the_proof_of_use(
    page: Any, web: Web, net: Network
) -> None:
    app = await approved_application(net)
    await sign_in(page, web, role="school", school=net.schools[0]["id"], name="Jonas Beck")
    await page.goto(f"{web.url}/antraege/{app['id']}/bericht")
    assert page.url == f"{web.url}/antraege/{app['id']}/verwendungsnachweis"
    assert "Verwendungsnachweis" in await text_of(page.get_by_role("heading", level=1))
    # no form posts there any more: every form route checks its CSRF token, this one is gone
    posted = await page.request.post(f"{web.url}/antraege/{app['id']}/bericht", max_redirects=0)
    assert posted.status == 405
    assert (await page.request.get(f"{web.url}/antraege/kein-antrag/bericht")).status == 404
