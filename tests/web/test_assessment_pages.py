"""„Bewertung“ through the pages: the office scores a submitted application on the fund's
criteria (German errors beside the fields: points outside the scale, no recommendation, an
amount that is no amount or above the requested one), recommends an amount typed as „1.234,50“,
and everyone who reads the application sees the score and the recommendation; the fund's
criteria and funding sources are shown; axe clean, keyboard, no JavaScript needed."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from applications_support import ready_network
from e2e.flow import Network
from money_support import (
    change_fund,
    error_of,
    fees,
    follow_section,
    project,
    signed_in,
    submitted,
    text_of,
)
from suite_support import Suite
from web_support import Web, check_accessibility

TITLE = f"Theaterwerkstatt „Bühne frei“ ({uuid.uuid4().hex[:6]})"
CRITERIA = [
    {"name": "Bedarf", "weight": 3, "max_points": 5},
    {"name": "Qualität", "weight": 1, "max_points": 10},
]
SOURCES = [
    {"name": "ESF+", "share_percent": 60},
    {"name": "Land Sachsen-Anhalt", "share_percent": 30},
    {"name": "Kommune", "share_percent": 10},
]


@pytest.fixture(scope="module")
async def net(suite: Suite) -> Network:
    return await ready_network(suite, schools=1)


async def submitted_application(net: Network) -> dict[str, Any]:
    """A submitted application for 1.500 € in a fund with criteria and sources (API)."""
    await change_fund(net, {"assessment_criteria": CRITERIA, "funding_sources": SOURCES})
    body = project(
        net,
        TITLE,
        [fees(150000)],
        start="2027-05-03",
        end="2027-05-07",
        contact=("Lena Vogt", "lena.vogt@schule.example"),
    )
    return await submitted(net, body)


async def test_the_office_assesses_and_readers_see_the_result(
    browser: Any, web: Web, net: Network
) -> None:
    app = await submitted_application(net)
    office = await signed_in(browser, web, net)
    assert "Bewertung" in await follow_section(office, web, app["id"], "bewertung")
    assert office.url.endswith(f"/antraege/{app['id']}/bewertung")
    assert "noch nicht bewertet" in await text_of(office.locator("main"))
    assert "Bedarf: Gewicht 3, 0 bis 5 Punkte" in await text_of(office.locator("#fonds-kriterien"))
    sources = await text_of(office.locator("#fonds-quellen"))
    assert "ESF+: 60 %" in sources and "Kommune: 10 %" in sources
    assert await check_accessibility(office) == []

    # nothing filled in: an error beside each criterion and the recommendation
    await office.get_by_role("button", name="Bewertung speichern").click()
    await office.wait_for_load_state()
    assert "0 bis 5 Punkten" in await error_of(office, "points-1")
    assert "0 bis 10 Punkten" in await error_of(office, "points-2")
    assert "Empfehlung" in await error_of(office, "recommendation")
    assert await check_accessibility(office) == []

    await office.get_by_label("Bedarf (0 bis 5 Punkte)").fill("6")
    await office.get_by_label("Qualität (0 bis 10 Punkte)").fill("8")
    await office.get_by_label("Bewilligen").check()
    for typed, message in (
        ("zwölf", "„1.234,50“"),
        ("1.600,00", "höchstens die beantragte Summe von 1.500,00 €"),
    ):
        await office.get_by_label("Empfohlener Betrag in Euro").fill(typed)
        await office.get_by_role("button", name="Bewertung speichern").click()
        await office.wait_for_load_state()
        assert message in await error_of(office, "recommended"), typed
        assert "0 bis 5 Punkten" in await error_of(office, "points-1")
        assert await office.get_by_label("Empfohlener Betrag in Euro").input_value() == typed

    # with the keyboard: correct the points and the amount, send with Enter
    await office.get_by_label("Bedarf (0 bis 5 Punkte)").fill("4")
    await office.get_by_label("Anmerkungen").fill("Überzeugendes Konzept, Honorar etwas hoch.")
    await office.get_by_label("Empfohlener Betrag in Euro").focus()
    await office.keyboard.press("Control+A")
    await office.keyboard.type("1.234,50")
    await office.keyboard.press("Enter")
    await office.wait_for_load_state()
    result = await text_of(office.locator("#bewertung-ergebnis"))
    # (3·4 + 1·8) / (3·5 + 1·10) · 100 = 20 / 25 · 100 = 80
    assert "80 von 100" in result
    assert "Bewilligen" in result and "1.234,50 €" in result
    assert "Die Bewertung ist gespeichert" in await text_of(office.locator("main"))
    assert await office.get_by_label("Empfohlener Betrag in Euro").input_value() == "1234,50"
    assert await check_accessibility(office) == []

    school = await signed_in(browser, web, net, school="Lena Vogt")
    await school.goto(f"{web.url}/antraege/{app['id']}/bewertung")
    result = await text_of(school.locator("#bewertung-ergebnis"))
    assert "80 von 100" in result and "Bewilligen" in result
    assert "Honorar etwas hoch" not in await text_of(school.locator("main"))
    assert await school.get_by_role("button", name="Bewertung speichern").count() == 0
    assert await check_accessibility(school) == []
