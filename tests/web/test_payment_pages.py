"""„Mittelabruf“ through the pages: the school calls in money on its approved application (German
amounts, German errors beside the field — negative, too large, over what the fund's advance rule
leaves — and how much may still be called in), the office approves and marks it paid with date
and booking reference, and the payout list „Auszahlungen“ with its CSV for the treasury; axe
clean on every page, the forms work with the keyboard and without JavaScript."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from applications_support import ready_network
from e2e.flow import Network
from money_support import (
    approved,
    change_fund,
    error_of,
    fees,
    follow_section,
    project,
    signed_in,
    text_of,
)
from suite_support import Suite
from web_support import Web, check_accessibility

TITLE = f"Zirkusprojekt „Manege frei“ ({uuid.uuid4().hex[:6]})"


@pytest.fixture(scope="module")
async def net(suite: Suite) -> Network:
    return await ready_network(suite, schools=1)


async def approved_application(net: Network) -> dict[str, Any]:
    """An application approved for 900 € in a fund that pays half in advance (through the API)."""
    await change_fund(net, {"payment_rule": {"advance_percent": 50}})
    return await approved(net, project(net, TITLE, [fees(90000, "Zirkuspädagoge")]), 90000)


async def test_money_is_called_in_approved_paid_and_listed_for_the_treasury(
    browser: Any, web: Web, net: Network
) -> None:
    app = await approved_application(net)
    school = await signed_in(browser, web, net, school="Jonas Beck")
    assert "Mittelabruf" in await follow_section(school, web, app["id"], "mittelabruf")
    assert school.url.endswith(f"/antraege/{app['id']}/mittelabruf")
    main = await text_of(school.locator("main"))
    assert "Noch keine Mittel abgerufen" in main
    assert "450,00 €" in await text_of(school.locator("#noch-abrufbar"))
    assert await check_accessibility(school) == []

    amount = school.get_by_label("Betrag in Euro")
    for typed, message in (
        ("-5", "größer als 0 €"),
        ("20.000.000,00", "höchstens 10.000.000,00 €"),
        ("zwölf", "„1.234,50“"),
        ("1.234,50", "höchstens noch 450,00 € abrufen"),
    ):
        await amount.fill(typed)
        await school.get_by_role("button", name="Mittel abrufen").click()
        await school.wait_for_load_state()
        assert message in await error_of(school, "amount"), typed
        assert await school.get_by_label("Betrag in Euro").input_value() == typed
    assert await check_accessibility(school) == []

    # with the keyboard: type the amount and the reason, send with Enter in the amount field
    await school.get_by_label("Begründung").fill("Honorar für die erste Hälfte")
    await school.get_by_label("Betrag in Euro").focus()
    await school.keyboard.press("Control+A")
    await school.keyboard.type("300,00")
    async with school.expect_navigation():
        await school.keyboard.press("Enter")
    main = await text_of(school.locator("main"))
    assert "Ihr Mittelabruf ist eingegangen" in main
    assert "300,00 €" in main and "Beantragt" in main
    assert "150,00 €" in await text_of(school.locator("#noch-abrufbar"))
    assert await school.get_by_role("button", name="Bewilligen").count() == 0  # not the school's

    office = await signed_in(browser, web, net)
    await office.goto(f"{web.url}/antraege/{app['id']}/mittelabruf")
    assert await check_accessibility(office) == []
    await office.get_by_role("button", name="Bewilligen").click()
    await office.wait_for_load_state()
    assert "Der Mittelabruf ist bewilligt" in await text_of(office.locator("main"))

    await office.goto(f"{web.url}/auszahlungen")
    listed = await text_of(office.locator("main"))
    assert TITLE in listed and "300,00 €" in listed
    assert await check_accessibility(office) == []
    csv = await office.request.get(f"{web.url}/auszahlungen.csv")
    assert csv.status == 200
    text = (await csv.body()).decode("utf-8")
    assert text.startswith("\ufeff")
    assert any(TITLE in line and ";300,00;" in line for line in text.splitlines())

    await office.goto(f"{web.url}/antraege/{app['id']}/mittelabruf")
    await office.get_by_role("button", name="Als ausgezahlt erfassen").click()  # no reference
    await office.wait_for_load_state()
    assert "Buchungszeichen" in await text_of(office.locator("main .kern-error").first)
    assert await check_accessibility(office) == []
    await office.get_by_label("Datum der Auszahlung").fill("10.05.2027")
    await office.get_by_label("Buchungszeichen").fill("KA-2027-0815")
    await office.get_by_role("button", name="Als ausgezahlt erfassen").click()
    await office.wait_for_load_state()
    main = await text_of(office.locator("main"))
    assert "Die Auszahlung ist erfasst" in main
    assert "Ausgezahlt" in main and "10.05.2027" in main and "KA-2027-0815" in main

    await office.goto(f"{web.url}/auszahlungen")
    assert TITLE not in await text_of(office.locator("main"))  # paid: off the list
    # the school may not see the payout list
    response = await school.goto(f"{web.url}/auszahlungen")
    assert response is not None and response.status == 403
    for page in (school, office):
        await page.context.close()
