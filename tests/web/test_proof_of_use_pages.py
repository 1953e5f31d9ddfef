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
from suite_support import Suite
from web_support import Web, check_accessibility, sign_in

TITLE = f"Theaterwerkstatt „Bühne frei“ ({uuid.uuid4().hex[:6]})"


@pytest.fixture(scope="module")
async def net(suite: Suite) -> Network:
    return await ready_network(suite, schools=1)


async def approved_application(net: Network) -> dict[str, Any]:
    """An application approved for 900 € (fees 800 €, materials 100 €), through the API."""
    async with net.suite.client("offers") as offers:
        draft = ok(
            await offers.post(
                "/applications",
                json={
                    "fund_id": net.fund["id"],
                    "school_ids": [net.schools[0]["id"]],
                    "partner_organization_ids": [net.provider["id"]],
                    "title": TITLE,
                    "summary": "Eine Woche Theater mit einer Theaterpädagogin.",
                    "goals": "Mut, vor anderen zu sprechen.",
                    "topics": ["music-arts"],
                    "target_groups": ["pupils"],
                    "planned_participants": {"pupils": 25},
                    "start_date": "2027-04-12",
                    "end_date": "2027-04-16",
                    "budget_lines": [
                        {
                            "category": "fees",
                            "description": "Theaterpädagogin",
                            "amount_cents": 80000,
                        },
                        {"category": "materials", "description": "Kostüme", "amount_cents": 10000},
                    ],
                    "contact": {"name": "Jonas Beck", "email": "jonas.beck@schule.example"},
                },
                headers=net.office,
            ),
            201,
        )
        base = f"/applications/{draft['id']}"
        ok(
            await offers.post(
                f"{base}/consultation",
                json={"date": "2026-11-20", "notes": "Beraten"},
                headers=net.office,
            )
        )
        ok(await offers.post(f"{base}/submit", headers=net.office))
        return ok(
            await offers.post(
                f"{base}/decision",
                json={"outcome": "approved", "approved_cents": 90000},
                headers=net.office,
            )
        )


async def _text(locator: Any) -> str:
    return " ".join(str(await locator.inner_text()).replace("\xa0", " ").split())


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
    school = await (await browser.new_context(locale="de-DE")).new_page()
    await sign_in(school, web, role="school", school=net.schools[0]["id"], name="Jonas Beck")
    await school.goto(f"{web.url}/antraege/{app['id']}")
    section = school.locator("section[aria-labelledby=verwendungsnachweis]")
    assert "Verwendungsnachweis" in await _text(section)
    await section.get_by_role("link").click()
    await school.wait_for_load_state()
    assert school.url.endswith(f"/antraege/{app['id']}/verwendungsnachweis")
    assert "Fällig am" in await _text(school.locator("main"))
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
    date_error = await _text(school.locator("#feld-receipts-0-date-fehler"))
    assert "außerhalb des Projektzeitraums" in date_error and "12.04.2027" in date_error
    assert "größer als 0 €" in await _text(school.locator("#feld-receipts-1-amount-fehler"))
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
    main = await _text(school.locator("main"))
    assert "Der Verwendungsnachweis ist gespeichert" in main
    table = await _text(school.locator("#vergleich-tabelle"))
    assert "um 50,00 € überschritten" in table  # fees: 850 spent of 800
    assert "40,00 € nicht ausgeschöpft" in table  # materials: 60 spent of 100
    assert "910,00 €" in table and "um 10,00 € überschritten" in table
    assert await check_accessibility(school) == []

    # with the keyboard: the submit button reached by Tab and pressed with Enter
    await school.get_by_role("button", name="Speichern und einreichen").focus()
    async with school.expect_navigation():
        await school.keyboard.press("Enter")
    assert "ist eingereicht" in await _text(school.locator("main"))
    assert "Eingereicht" in await _text(school.locator("#nachweis-status"))

    office = await (await browser.new_context(locale="de-DE")).new_page()
    await sign_in(office, web, role="network_office", region="boerde", name="Petra Schäfer")
    await office.goto(f"{web.url}/antraege/{app['id']}/verwendungsnachweis")
    assert await check_accessibility(office) == []
    await office.get_by_role("button", name="Zurückgeben").click()  # no reasons
    await office.wait_for_load_state()
    assert "Gründe" in await _text(office.locator("#feld-reasons-fehler"))
    await office.get_by_label("Gründe").fill("Bitte den Beleg der Kostüme nachreichen.")
    await office.get_by_role("button", name="Zurückgeben").click()
    await office.wait_for_load_state()
    assert "zur Korrektur zurückgegeben" in await _text(office.locator("main"))

    await school.reload()
    assert "Bitte den Beleg der Kostüme" in await _text(school.locator("#rueckgabe-gruende"))
    await school.get_by_label("Betrag in Euro (Beleg 1)").fill("800,00")
    await school.get_by_role("button", name="Speichern und einreichen").click()
    await school.wait_for_load_state()
    assert "ist eingereicht" in await _text(school.locator("main"))

    await office.reload()
    await office.get_by_label("Anerkannter Betrag in Euro").fill("950,00")
    await office.get_by_role("button", name="Anerkennen").click()
    await office.wait_for_load_state()
    assert "höchstens der bewilligte Betrag" in await _text(office.locator("#feld-accepted-fehler"))
    assert await check_accessibility(office) == []
    await office.get_by_label("Anerkannter Betrag in Euro").fill("860,00")
    await office.get_by_role("button", name="Anerkennen").click()
    await office.wait_for_load_state()
    main = await _text(office.locator("main"))
    assert "Der Verwendungsnachweis ist anerkannt" in main
    assert "Schlusszahlung" in main and "860,00 €" in await _text(office.locator("#ergebnis"))
    assert await check_accessibility(office) == []
    for page in (school, office):
        await page.context.close()
