"""„Förderfonds“ through the pages: the office creates a fund with its deciding committee, then
sets the money settings, assessment criteria and funding sources on the edit form without
JavaScript (rows added and removed by buttons; shares not summing to 100 refused in German
beside the field; a concurrent change told in German and nothing typed lost); the API shows what
was saved; another region's office cannot edit the fund and a school gets 403 on the forms; axe
clean on every page."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from applications_support import OTHER_REGION, ready_network
from e2e.flow import Network, ok
from money_support import error_of, text_of
from suite_support import Suite
from web_support import Web, check_accessibility, sign_in

NAME = f"Schulprojekte Börde 2027 ({uuid.uuid4().hex[:6]})"


@pytest.fixture(scope="module")
async def net(suite: Suite) -> Network:
    return await ready_network(suite, schools=1)


async def _page(browser: Any, web: Web, *, javascript: bool = True, **who: str) -> Any:
    context = await browser.new_context(locale="de-DE", java_script_enabled=javascript)
    page = await context.new_page()
    await sign_in(page, web, **who)
    return page


async def _office(
    browser: Any, web: Web, *, javascript: bool = True, region: str = "boerde"
) -> Any:
    return await _page(
        browser,
        web,
        javascript=javascript,
        role="network_office",
        region=region,
        name="Petra Schäfer",
    )


async def _fund(net: Network, fund_id: str) -> dict[str, Any]:
    async with net.suite.client("offers") as offers:
        return ok(await offers.get(f"/funds/{fund_id}", headers=net.office))  # type: ignore[no-any-return]


async def _save(page: Any) -> None:
    await page.get_by_role("button", name="Änderungen speichern").click()
    await page.wait_for_load_state()


async def test_the_office_creates_a_fund_and_sets_its_money_rules(
    browser: Any, web: Web, net: Network
) -> None:
    office = await _office(browser, web)
    await office.goto(f"{web.url}/foerderfonds")
    assert await check_accessibility(office) == []
    await office.get_by_role("link", name="Förderfonds anlegen").click()
    await office.wait_for_load_state()
    assert office.url.endswith("/foerderfonds/neu")
    assert await check_accessibility(office) == []

    await office.get_by_label("Name", exact=True).fill(NAME)
    await office.get_by_label("Art", exact=True).select_option("school_project")
    await office.get_by_label("Region", exact=True).select_option("boerde")
    await office.get_by_label("Beginn des Zeitraums").fill("1.1.2027")
    await office.get_by_label("Ende des Zeitraums").fill("31.12.2026")
    await office.get_by_label("Budget in Euro").fill("fünfzig")
    await office.get_by_label("Entscheidendes Gremium").select_option(net.committee["id"])
    await office.get_by_role("button", name="Förderfonds anlegen").click()
    await office.wait_for_load_state()
    assert "in Euro an" in await error_of(office, "budget")
    assert await office.get_by_label("Name", exact=True).input_value() == NAME  # typed values stay
    assert await check_accessibility(office) == []

    await office.get_by_label("Budget in Euro").fill("50.000,00")
    await office.get_by_role("button", name="Förderfonds anlegen").click()
    await office.wait_for_load_state()
    assert "nicht vor dem Beginn" in await error_of(office, "period_end")  # offers refused it
    await office.get_by_label("Ende des Zeitraums").fill("31.12.2027")
    await office.get_by_role("button", name="Förderfonds anlegen").click()
    await office.wait_for_load_state()
    assert "Der Förderfonds ist angelegt." in await text_of(office.get_by_role("status"))
    fund_id = office.url.split("/foerderfonds/")[1].split("?")[0]
    assert await check_accessibility(office) == []
    saved = await _fund(net, fund_id)
    assert saved["deciding_committee_id"] == net.committee["id"]
    assert (saved["region"], saved["budget_cents"]) == ("boerde", 5_000_000)
    assert (saved["period_start"], saved["period_end"]) == ("2027-01-01", "2027-12-31")

    await office.goto(f"{web.url}/foerderfonds")
    assert f"{NAME}" in await text_of(office.locator("main"))
    assert "0,00 € von 50.000,00 € (0 %) bewilligt" in await text_of(office.locator("main"))
    meter = office.get_by_role("meter", name=NAME)
    assert await meter.get_attribute("max") == "5000000"

    # the money settings on the edit form, without JavaScript
    plain = await _office(browser, web, javascript=False)
    await plain.goto(f"{web.url}/foerderfonds/{fund_id}/bearbeiten")
    await plain.get_by_label("Vorschuss in Prozent").fill("40")
    await plain.get_by_label("Frist für den Verwendungsnachweis in Wochen").fill("10")
    await plain.locator("#feld-criteria-0-name").fill("Wirkung auf die Schüler:innen")
    await plain.locator("#feld-criteria-0-weight").fill("3")
    await plain.locator("#feld-criteria-0-max_points").fill("5")
    await plain.get_by_role("button", name="Kriterium hinzufügen").click()
    await plain.wait_for_load_state()
    await plain.locator("#feld-criteria-1-name").fill("Wird wieder entfernt")
    await plain.get_by_role("button", name="Kriterium hinzufügen").click()
    await plain.wait_for_load_state()
    await plain.locator("#feld-criteria-2-name").fill("Kooperation")
    await plain.locator("#feld-criteria-2-weight").fill("1")
    await plain.locator("#feld-criteria-2-max_points").fill("5")
    await plain.get_by_role("button", name="Kriterium 2 entfernen").click()
    await plain.wait_for_load_state()
    assert await plain.locator("#feld-criteria-1-name").input_value() == "Kooperation"
    assert await plain.locator("#feld-criteria-2-name").count() == 0
    assert await plain.get_by_label("Vorschuss in Prozent").input_value() == "40"
    await plain.locator("#feld-sources-0-name").fill("ESF+")
    await plain.locator("#feld-sources-0-share").fill("60")
    await plain.get_by_role("button", name="Mittelgeber hinzufügen").click()
    await plain.wait_for_load_state()
    await plain.locator("#feld-sources-1-name").fill("Land Sachsen-Anhalt")
    await plain.locator("#feld-sources-1-share").fill("30")
    await _save(plain)
    assert "eingetragen sind 90 Prozent" in await error_of(plain, "sources")
    summary = plain.get_by_role("alert")
    assert "100 Prozent" in await text_of(summary)
    assert await summary.get_by_role("link").first.get_attribute("href") == "#feld-sources"
    assert await plain.locator("#feld-criteria-1-name").input_value() == "Kooperation"
    assert (await _fund(net, fund_id))["funding_sources"] == []  # nothing saved
    await office.goto(f"{web.url}/foerderfonds/{fund_id}/bearbeiten")
    await office.get_by_label("Vorschuss in Prozent").fill("120")
    await _save(office)
    assert "zwischen 0 und 100 Prozent" in await error_of(office, "advance_percent")
    assert await check_accessibility(office) == []

    await plain.locator("#feld-sources-1-share").fill("40")
    collects = plain.get_by_label("Erfasst ESF+-Teilnehmendendaten")
    assert not await collects.is_checked()
    await collects.check()
    await _save(plain)
    assert "Die Änderungen sind gespeichert." in await text_of(plain.get_by_role("status"))
    saved = await _fund(net, fund_id)
    assert saved["collects_participant_figures"] is True
    assert saved["payment_rule"] == {"advance_percent": 40}
    assert saved["proof_of_use_weeks"] == 10
    assert saved["assessment_criteria"] == [
        {"name": "Wirkung auf die Schüler:innen", "weight": 3, "max_points": 5},
        {"name": "Kooperation", "weight": 1, "max_points": 5},
    ]
    assert saved["funding_sources"] == [
        {"name": "ESF+", "share_percent": 60},
        {"name": "Land Sachsen-Anhalt", "share_percent": 40},
    ]
    main = await text_of(plain.locator("main"))
    assert "40 % der bewilligten Summe" in main and "ESF+: 60 %" in main
    assert "werden im Verwendungsnachweis erfasst" in main
    assert net.committee["name"] in main

    # a change made meanwhile: told in German, what was typed stays, saving again applies it
    await plain.goto(f"{web.url}/foerderfonds/{fund_id}/bearbeiten")
    await plain.get_by_label("Budget in Euro").fill("60.000,00")
    async with net.suite.client("offers") as offers:
        headers = net.office | {"If-Match": f'"{saved["version"]}"'}
        ok(
            await offers.patch(
                f"/funds/{fund_id}", json={"proof_of_use_weeks": 12}, headers=headers
            )
        )
    await _save(plain)
    assert "inzwischen von jemand anderem geändert" in await text_of(plain.get_by_role("alert"))
    assert await plain.get_by_label("Budget in Euro").input_value() == "60.000,00"
    assert (await _fund(net, fund_id))["budget_cents"] == 5_000_000
    assert await plain.get_by_label("Erfasst ESF+-Teilnehmendendaten").is_checked()
    await _save(plain)
    assert "Die Änderungen sind gespeichert." in await text_of(plain.get_by_role("status"))
    assert (await _fund(net, fund_id))["budget_cents"] == 6_000_000


async def test_another_region_and_a_school_cannot_edit_the_fund(
    browser: Any, web: Web, net: Network
) -> None:
    other = await _office(browser, web, region=OTHER_REGION)
    await other.goto(f"{web.url}/foerderfonds")
    assert net.fund["name"] not in await text_of(other.locator("main"))
    assert await check_accessibility(other) == []
    response = await other.goto(f"{web.url}/foerderfonds/{net.fund['id']}/bearbeiten")
    assert response.status == 403
    await other.goto(f"{web.url}/foerderfonds/{net.fund['id']}")
    assert await other.get_by_role("link", name="Bearbeiten").count() == 0

    school = await _page(
        browser, web, role="school", school=net.schools[0]["id"], name="Jonas Beck"
    )
    for path in (
        "/foerderfonds/neu",
        f"/foerderfonds/{net.fund['id']}/bearbeiten",
        "/foerderfonds",
    ):
        response = await school.goto(f"{web.url}{path}")
        assert response.status == 403, path
        assert await check_accessibility(school) == []
