"""„Auswertung“ through the pages, over the statistics of 10,000 generated applications: the
generator of offers' statistics test and benchmark (``services/offers/tests/statistics_data.py``)
loads them straight into the suite's offers database (COPY), as the benchmark does. The state
coordinator's figures and chart tables equal ``GET /statistics`` exactly, the CSV downloaded
from the page is offers' CSV byte for byte, two years are set against each other, and the schools
chart counts the registry's schools with and without school social work, the schools reached
(issue 17) equal the API and a plain count over the generated rows, each chart's table sits
beside it on a wide screen and below it on a narrow one; a network office sees only its own
region and is refused another's. axe clean on every page."""

from __future__ import annotations

import csv
import uuid
from typing import Any

import pytest
from e2e.flow import ok
from sqlalchemy.ext.asyncio import create_async_engine
from statistics_data import Dataset, Generator, insert_dataset, schools_reached
from suite_support import Suite
from web_support import Web, check_accessibility, sign_in

APPLICATIONS = 10_000
OWN_SUITE = True  # the figures are over everything in the suite: no other module's data in it
REACHED = ("with_school_social_work", "without_school_social_work", "unknown")
STATUSES = (
    "draft",
    "submitted",
    "returned",
    "approved",
    "rejected",
    "reported",
    "completed",
    "withdrawn",
)


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    """The generated funds, schools (every third with school social work, some unknown) and
    applications."""
    return Generator(seed=17).dataset(APPLICATIONS)


@pytest.fixture(scope="module")
async def loaded(suite: Suite, dataset: Dataset) -> Suite:
    """The suite with 10,000 generated applications in offers and two Börde schools in the
    registry (one with school social work)."""
    engine = create_async_engine(suite.services["offers"].env["OFFERS_DATABASE_URL"])
    async with engine.begin() as connection:
        await insert_dataset(connection, dataset, copy=True)
    await engine.dispose()
    async with suite.client("registry") as registry:
        for social_work in (True, False):
            body = {
                "school_number": f"{uuid.uuid4().int % 10**8:08d}",
                "name": f"Grundschule Auswertung {social_work}",
                "school_type": "grundschule",
                "region": "boerde",
                "city": "Wanzleben-Börde",
                "has_school_social_work": social_work,
            }
            ok(
                await registry.post("/schools", json=body, headers=suite.auth("state_coordinator")),
                201,
            )
    return suite


async def statistics(suite: Suite, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    async with suite.client("offers") as offers:
        return ok(await offers.get("/statistics", params=params, headers=headers))


async def table(page: Any, slug: str) -> dict[str, list[int]]:
    """A chart's data table: row label → the exact values (``data-wert``)."""
    rows: dict[str, list[int]] = {}
    for row in await page.locator(f"#tabelle-{slug} tbody tr").all():
        label = (await row.locator("th").inner_text()).strip()
        cells = await row.locator("td").all()
        rows[label] = [int(str(await c.get_attribute("data-wert"))) for c in cells]
    return rows


async def region_names(suite: Suite) -> dict[str, str]:
    async with suite.client("registry") as registry:
        items = ok(await registry.get("/regions", params={"limit": 100}))["items"]
    return {r["slug"]: r["name"] for r in items}


def reached_in(data: Dataset, region: str | None = None, year: int | None = None) -> list[int]:
    """The schools reached (with, without, unknown school social work), counted here over the
    generated rows of a region (None: all) and a year of project start (None: all)."""
    apps = [
        a
        for a in data.applications
        if (region is None or a["region"] == region)
        and (year is None or (a["start_date"] is not None and a["start_date"].year == year))
    ]
    counted = schools_reached(data, apps)
    return [counted[k] for k in REACHED]


async def box(page: Any, selector: str) -> dict[str, float]:
    found = await page.locator(selector).bounding_box()
    assert found is not None, selector
    return dict(found)


async def figure(page: Any, key: str) -> int:
    """A key figure's exact value."""
    return int(str(await page.locator(f"#kennzahl-{key}").get_attribute("data-wert")))


async def test_the_state_coordinator_sees_the_statistics_exactly_and_downloads_them(
    browser: Any, web: Web, loaded: Suite, dataset: Dataset
) -> None:
    suite = loaded
    state = suite.auth("state_coordinator")
    stats = await statistics(suite, state)
    totals = stats["totals"]
    assert totals["applications"] >= APPLICATIONS
    names = await region_names(suite)

    page = await (await browser.new_context(locale="de-DE")).new_page()
    await sign_in(page, web, role="state_coordinator")
    await page.goto(f"{web.url}/auswertung")
    assert await page.locator("h1").inner_text() == "Auswertung"
    for key in ("applications", "funded", "requested_cents", "approved_cents", "paid_cents"):
        assert await figure(page, key) == totals[key], key
    assert "Bewilligungsquote" in await page.locator("#kennzahlen-liste").inner_text()

    status = await table(page, "status")
    assert list(status.values()) == [[totals["by_status"][s]] for s in STATUSES]
    regions = await table(page, "regionen")
    assert len(regions) == 14
    assert regions == {
        names[r["region"]]: [r["applications"], r["funded"]] for r in stats["by_region"]
    }
    assert await table(page, "budgets") == {
        f["name"]: [f["budget_cents"], f["approved_cents"]] for f in stats["by_fund"]
    }
    money = await table(page, "geld")
    kinds = [
        k
        for k in ("approved_cents", "paid_cents", "accepted_cents", "reclaimed_cents")
        if k in stats["by_region"][0]
    ]
    assert money == {names[r["region"]]: [r[k] for k in kinds] for r in stats["by_region"]}
    assert await table(page, "themen") == {
        t["name"]: [t["applications"], t["funded"]] for t in stats["by_topic"]
    }
    groups = await table(page, "zielgruppen")
    assert groups == {
        g["name"]: [
            g["applications"],
            g["participants"]["planned"][g["target_group"]],
            g["participants"]["reached"][g["target_group"]],
        ]
        for g in stats["by_target_group"]
    }
    schools = await table(page, "schulen")
    assert schools[names["boerde"]] == [1, 1]
    assert schools[names["harz"]] == [0, 0]
    # schools reached: the API's figures, and the same counted here over the generated rows
    reached = await table(page, "erreichte-schulen")
    assert reached == {
        names[r["region"]]: [r["schools_reached"][k] for k in REACHED] for r in stats["by_region"]
    }
    assert reached == {names[slug]: reached_in(dataset, slug) for slug in names}
    assert all(sum(values) > 0 for values in reached.values())
    assert {
        k for values in reached.values() for k, v in zip(REACHED, values, strict=True) if v
    } == set(REACHED)
    assert await figure(page, "schools_reached") == totals["schools_reached"]["total"]
    assert await figure(page, "schools_reached") == sum(reached_in(dataset))
    # every chart is an image with a text alternative, its data table beside it
    charts = page.locator("svg[role=img]")
    assert await charts.count() == 8
    for label in await charts.evaluate_all("(all) => all.map((c) => c.getAttribute('aria-label'))"):
        assert "Größter Wert" in label
    assert await check_accessibility(page) == []

    # the CSV of the regions is offers' CSV, byte for byte
    async with page.expect_download() as download_info:
        await page.locator("#regionen").get_by_role("link", name="herunterladen").click()
    download = await download_info.value
    downloaded = open(await download.path(), "rb").read()  # noqa: ASYNC230 (a local temp file)
    async with suite.client("offers") as offers:
        expected = await offers.get(
            "/statistics", params={"group_by": "region"}, headers=state | {"Accept": "text/csv"}
        )
    assert expected.status_code == 200
    assert downloaded == expected.content
    assert downloaded.startswith("\ufeffRegion;".encode())

    # the schools reached chart downloads the regions' CSV, its columns the plain count
    async with page.expect_download() as download_info:
        await page.locator("#erreichte-schulen").get_by_role("link", name="herunterladen").click()
    path = await (await download_info.value).path()
    rows = list(csv.DictReader(open(path, encoding="utf-8-sig"), delimiter=";"))  # noqa: ASYNC230, SIM115
    columns = [
        "davon mit Schulsozialarbeit",
        "davon ohne Schulsozialarbeit",
        "davon Schulsozialarbeit unbekannt",
    ]
    assert {r["Region"]: [int(r[c]) for c in columns] for r in rows[:-1]} == {
        slug: reached_in(dataset, slug) for slug in names
    }
    assert int(rows[-1]["Erreichte Schulen"]) == totals["schools_reached"]["total"]


async def test_each_chart_has_its_table_beside_it_on_a_wide_screen_and_below_on_a_narrow_one(
    browser: Any, web: Web, loaded: Suite
) -> None:
    context = await browser.new_context(locale="de-DE", viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    await sign_in(page, web, role="state_coordinator")
    await page.goto(f"{web.url}/auswertung")
    slugs = await page.locator("section.app-chart").evaluate_all("(all) => all.map((s) => s.id)")
    assert "erreichte-schulen" in slugs
    for slug in slugs:
        chart = await box(page, f"#{slug} figure")
        data = await box(page, f"#tabelle-{slug}")
        assert data["x"] >= chart["x"] + chart["width"], slug  # to the right of the chart
        assert data["y"] < chart["y"] + chart["height"], slug  # on the same level
        caption = page.locator(f"#{slug} figure figcaption")
        assert f"Daten: {await page.locator(f'#diagramm-{slug}').inner_text()}" in (
            await caption.inner_text()
        )

    await page.set_viewport_size({"width": 600, "height": 900})
    for slug in slugs:
        chart = await box(page, f"#{slug} figure")
        data = await box(page, f"#tabelle-{slug}")
        assert data["y"] >= chart["y"] + chart["height"], slug  # below the chart
    assert await check_accessibility(page) == []
    await context.close()


async def test_two_years_side_by_side_and_the_drill_down(
    browser: Any, web: Web, loaded: Suite, dataset: Dataset
) -> None:
    suite = loaded
    state = suite.auth("state_coordinator")
    first, second = (
        await statistics(suite, state, year=2025),
        await statistics(suite, state, year=2024),
    )
    names = await region_names(suite)
    page = await (await browser.new_context(locale="de-DE")).new_page()
    await sign_in(page, web, role="state_coordinator")
    await page.goto(f"{web.url}/auswertung")
    await page.get_by_label("Jahr (Projektbeginn)").fill("2025")
    await page.get_by_label("Vergleichen mit Jahr").fill("2024")
    # wait for the new page itself: wait_for_load_state alone may answer for the old one (the
    # statistics answer fast now, so the table was read while the new page was still arriving)
    async with page.expect_navigation():
        await page.get_by_label("Vergleichen mit Jahr").press("Enter")
    await page.locator("#tabelle-vergleich tbody tr").first.wait_for()
    assert "zeitraum=2025" in page.url and "vergleich=2024" in page.url
    other = {r["region"]: r["applications"] for r in second["by_region"]}
    assert await table(page, "vergleich") == {
        names[r["region"]]: [r["applications"], other[r["region"]]] for r in first["by_region"]
    }
    assert await figure(page, "applications") == first["totals"]["applications"]
    assert await check_accessibility(page) == []

    await page.get_by_role("link", name=names["harz"], exact=True).click()
    await page.wait_for_load_state()
    assert page.url.endswith("/auswertung/regionen/harz?zeitraum=2025&vergleich=2024")
    harz = await statistics(suite, state, region="harz", year=2025)
    assert await figure(page, "applications") == harz["totals"]["applications"]
    assert await table(page, "regionen") == {
        names["harz"]: [harz["totals"]["applications"], harz["totals"]["funded"]]
    }
    [harz_row] = harz["by_region"]
    assert await table(page, "erreichte-schulen") == {
        names["harz"]: [harz_row["schools_reached"][k] for k in REACHED]
    }
    assert await table(page, "erreichte-schulen") == {
        names["harz"]: reached_in(dataset, "harz", 2025)
    }
    assert await figure(page, "schools_reached") == sum(reached_in(dataset, "harz", 2025))
    assert await check_accessibility(page) == []


async def test_a_network_office_sees_only_its_own_region(
    browser: Any, web: Web, loaded: Suite
) -> None:
    suite = loaded
    own = await statistics(suite, suite.auth("network_office", "boerde"))
    names = await region_names(suite)
    page = await (await browser.new_context(locale="de-DE")).new_page()
    await sign_in(page, web, role="network_office", region="boerde")
    await page.goto(f"{web.url}/auswertung")
    assert await figure(page, "applications") == own["totals"]["applications"]
    assert list(await table(page, "regionen")) == [names["boerde"]]
    assert list(await table(page, "schulen")) == [names["boerde"]]
    [boerde] = own["by_region"]
    assert await table(page, "erreichte-schulen") == {
        names["boerde"]: [boerde["schools_reached"][k] for k in REACHED]
    }
    main = await page.locator("main").inner_text()
    for slug, name in names.items():
        if slug != "boerde":
            assert name not in main.replace("Börde", ""), name
    assert await check_accessibility(page) == []

    refused = await page.goto(f"{web.url}/auswertung/regionen/harz")
    assert refused is not None and refused.status == 403
    refused = await page.goto(f"{web.url}/auswertung/regionen.csv?region=harz")
    assert refused is not None and refused.status == 403

    async with page.expect_download() as download_info:
        await page.goto(f"{web.url}/auswertung")
        await page.locator("#regionen").get_by_role("link", name="herunterladen").click()
    rows = open(await (await download_info.value).path(), encoding="utf-8-sig").read().splitlines()  # noqa: ASYNC230
    assert [r.split(";")[0] for r in rows[1:]] == ["boerde", "Gesamt"]


@pytest.mark.parametrize(  # a fixed school id: xdist workers must collect the same tests
    ("role", "school"), [("admin", ""), ("school", "7d3c2b1a-0f9e-4d8c-8b7a-6e5f4d3c2b1a")]
)
async def test_the_dashboards_are_the_offices_only(
    page: Any, web: Web, suite: Suite, role: str, school: str
) -> None:
    await sign_in(page, web, role=role, school=school)
    assert await page.get_by_role("link", name="Auswertung", exact=True).count() == 0
    for path in ("/auswertung", "/auswertung/regionen/boerde", "/auswertung/regionen.csv"):
        response = await page.goto(f"{web.url}{path}")
        assert response is not None and response.status == 403, path
