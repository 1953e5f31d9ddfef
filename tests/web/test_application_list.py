"""The office's list of applications (``/antraege``): filters that stay in the URL (fund, status,
school, topic, search) and narrow the list, offers' cursor paging with „Weitere Anträge“ (the
filters survive it), the CSV of the filtered list (``;``, decimal comma, UTF-8 with BOM), the
filter form by keyboard alone, axe-core clean; another region's office sees none of it."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from applications_support import application_of_other_region, ready_network
from e2e.flow import Network, ok
from suite_support import Suite
from web_support import Web, check_accessibility, sign_in

TAG = uuid.uuid4().hex[:6]
MEDIA = 52  # more than a page (50)
WORKSHOPS = 3
OTHER_FUND = f"Gewaltprävention an Schulen {TAG}"
OTHER_REGION_TITLE = f"Magdeburger Vorhaben ({TAG})"


def _draft(
    net: Network, fund_id: str, school: int, title: str, topic: str, cents: int
) -> dict[str, Any]:
    return {
        "fund_id": fund_id,
        "school_ids": [net.schools[school]["id"]],
        "partner_organization_ids": [net.provider["id"]],
        "title": title,
        "topics": [topic],
        "budget_lines": [{"category": "fees", "description": "Honorar", "amount_cents": cents}],
    }


@pytest.fixture(scope="module")
async def seeded(suite: Suite) -> dict[str, Any]:
    """Börde: 52 media drafts (first fund, first school), 3 workshop drafts and a withdrawn one
    (second fund, second school); a draft in Magdeburg."""
    net = await ready_network(suite, schools=2)
    async with suite.client("offers") as offers:
        fund = ok(
            await offers.post(
                "/funds",
                json={
                    "name": OTHER_FUND,
                    "kind": "school_project",
                    "region": net.region,
                    "period_start": "2027-01-01",
                    "period_end": "2027-12-31",
                    "budget_cents": 5_000_000,
                },
                headers=net.office,
            ),
            201,
        )
        for n in range(MEDIA):
            body = _draft(
                net, net.fund["id"], 0, f"Medienprojekt {n:02d} ({TAG})", "media-literacy", 10_000
            )
            ok(await offers.post("/applications", json=body, headers=net.office), 201)
        for n in range(WORKSHOPS):
            body = _draft(
                net, fund["id"], 1, f"Workshop {n} ({TAG})", "violence-prevention", 123_450
            )
            ok(await offers.post("/applications", json=body, headers=net.office), 201)
        body = _draft(net, fund["id"], 1, f"Abgesagtes Vorhaben ({TAG})", "bullying", 5_000)
        gone = ok(await offers.post("/applications", json=body, headers=net.office), 201)
        ok(await offers.post(f"/applications/{gone['id']}/withdraw", headers=net.office))
    await application_of_other_region(suite, OTHER_REGION_TITLE)
    return {"net": net, "fund": fund}


async def _titles(page: Any) -> list[str]:
    """The titles in the list's table, in order."""
    links = page.locator("main table tbody tr td:first-child a")
    return [str(t) for t in await links.all_inner_texts()]


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


async def test_filters_in_the_url_narrow_the_list_and_survive_paging(
    page: Any, web: Web, seeded: dict[str, Any]
) -> None:
    net: Network = seeded["net"]
    fund = seeded["fund"]
    await sign_in(page, web, role="network_office", region="boerde", name="Petra Schäfer")
    await page.goto(f"{web.url}/antraege")
    assert len(await _titles(page)) == 50
    assert OTHER_REGION_TITLE not in await page.locator("main").inner_text()
    assert await check_accessibility(page) == []

    await page.goto(f"{web.url}/antraege?fonds={fund['id']}")
    titles = await _titles(page)
    assert len(titles) == WORKSHOPS + 1 and all(TAG in t for t in titles)
    assert not any(t.startswith("Medienprojekt") for t in titles)
    await page.goto(f"{web.url}/antraege?fonds={fund['id']}&status=withdrawn")
    assert await _titles(page) == [f"Abgesagtes Vorhaben ({TAG})"]
    await page.goto(f"{web.url}/antraege?thema=violence-prevention")
    assert sorted(await _titles(page)) == [f"Workshop {n} ({TAG})" for n in range(WORKSHOPS)]
    await page.goto(f"{web.url}/antraege?suche=Vorhaben")
    assert await _titles(page) == [f"Abgesagtes Vorhaben ({TAG})"]
    await page.goto(f"{web.url}/antraege?schule={net.schools[1]['id']}&status=draft")
    assert len(await _titles(page)) == WORKSHOPS
    # the form shows the filters in use
    assert await page.get_by_label("Schule").input_value() == net.schools[1]["id"]
    assert await page.get_by_label("Status").input_value() == "draft"

    # paging: the first school's 52 drafts come as 50 and 2; the filter stays in the address
    school = net.schools[0]["id"]
    await page.goto(f"{web.url}/antraege?schule={school}")
    first = await _titles(page)
    assert len(first) == 50 and all(t.startswith("Medienprojekt") for t in first)
    await page.get_by_role("link", name="Weitere Anträge").click()
    await page.wait_for_url("**cursor=**")
    assert _query(page.url)["schule"] == [school]
    second = await _titles(page)
    assert len(second) == MEDIA - 50 and all(t.startswith("Medienprojekt") for t in second)
    assert not set(first) & set(second)
    assert await page.get_by_role("link", name="Weitere Anträge").count() == 0
    assert await check_accessibility(page) == []
    await page.get_by_role("link", name="Zur ersten Seite").click()
    await page.wait_for_load_state()
    assert await _titles(page) == first

    # values the list does not know are dropped from the address, not an error
    await page.goto(f"{web.url}/antraege?status=unsinn&fonds=abc&thema=&suche=Vorhaben")
    assert page.url.endswith("/antraege?suche=Vorhaben")


async def test_the_filter_form_works_by_keyboard_alone(
    page: Any, web: Web, seeded: dict[str, Any]
) -> None:
    fund = seeded["fund"]
    await sign_in(page, web, role="network_office", region="boerde", name="Petra Schäfer")
    await page.goto(f"{web.url}/antraege")

    async def tab_to(check: str) -> None:
        for _ in range(60):
            await page.keyboard.press("Tab")
            if await page.evaluate(check):
                return
        raise AssertionError(f"not reached by Tab: {check}")

    await tab_to("document.activeElement.id === 'feld-fonds'")
    await page.keyboard.type("Gewalt")  # the select's type-ahead chooses that fund
    assert await page.get_by_label("Förderfonds").input_value() == fund["id"]
    await tab_to("document.activeElement.id === 'feld-status'")
    await page.keyboard.type("Entw")
    await tab_to("document.activeElement.textContent.trim() === 'Anzeigen'")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await page.wait_for_load_state()
    assert _query(page.url) == {"fonds": [fund["id"]], "status": ["draft"]}
    assert sorted(await _titles(page)) == [f"Workshop {n} ({TAG})" for n in range(WORKSHOPS)]
    assert await check_accessibility(page) == []


async def test_the_csv_holds_the_filtered_list_for_a_german_spreadsheet(
    page: Any, web: Web, seeded: dict[str, Any]
) -> None:
    net: Network = seeded["net"]
    fund = seeded["fund"]
    await sign_in(page, web, role="network_office", region="boerde", name="Petra Schäfer")
    await page.goto(f"{web.url}/antraege?fonds={fund['id']}")
    link = page.get_by_role("link", name="Gefilterte Anträge herunterladen (CSV)")
    assert await link.get_attribute("href") == f"/antraege.csv?fonds={fund['id']}"
    response = await page.request.get(f"{web.url}/antraege.csv?fonds={fund['id']}")
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = (await response.body()).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:8] == [
        "Titel",
        "Region",
        "Schulen",
        "Förderfonds",
        "Status",
        "Themen",
        "Beantragt (EUR)",
        "Bewilligt (EUR)",
    ]
    assert len(body) == WORKSHOPS + 1
    workshop = next(r for r in body if r[0] == f"Workshop 0 ({TAG})")
    assert workshop[1:8] == [
        "boerde",
        net.schools[1]["name"],
        OTHER_FUND,
        "Entwurf",
        "Gewaltprävention",
        "1234,50",
        "",
    ]
    withdrawn = next(r for r in body if r[0] == f"Abgesagtes Vorhaben ({TAG})")
    assert withdrawn[4] == "Zurückgezogen" and withdrawn[6] == "50,00"

    everything = await page.request.get(f"{web.url}/antraege.csv")
    lines = (await everything.body()).decode("utf-8").splitlines()
    # every page, not just the first 50 (other modules' applications of the region are there too)
    assert len([line for line in lines if f"({TAG})" in line]) == MEDIA + WORKSHOPS + 1
    assert not any(OTHER_REGION_TITLE in line for line in lines)


async def test_another_regions_office_sees_none_of_boerdes_applications(
    page: Any, web: Web, seeded: dict[str, Any]
) -> None:
    fund = seeded["fund"]
    await sign_in(page, web, role="network_office", region="magdeburg", name="Büro Magdeburg")
    await page.goto(f"{web.url}/antraege")
    assert [t for t in await _titles(page) if TAG in t] == [OTHER_REGION_TITLE]
    options = await page.get_by_label("Förderfonds").locator("option").all_inner_texts()
    assert OTHER_FUND not in options
    await page.goto(f"{web.url}/antraege?fonds={fund['id']}")
    assert "Keine Anträge passen zu diesen Filtern." in await page.locator("main").inner_text()
    assert await check_accessibility(page) == []
    response = await page.request.get(f"{web.url}/antraege.csv")
    lines = (await response.body()).decode("utf-8").splitlines()
    assert [line for line in lines if TAG in line] == [
        next(line for line in lines if OTHER_REGION_TITLE in line)
    ]

    school = await page.context.browser.new_context(locale="de-DE")
    applicant = await school.new_page()
    net: Network = seeded["net"]
    await sign_in(applicant, web, role="school", school=net.schools[0]["id"], name="Schule")
    refused = await applicant.request.get(f"{web.url}/antraege.csv")
    assert refused.status == 403
    await school.close()
