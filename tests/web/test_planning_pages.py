"""Target agreements, ESF+ indicators and the state coordination's overview through the pages.

The Harz office concludes a target agreement with the browser's JavaScript switched off (goals
added and removed by buttons, a target that is no number told in German beside its field), sees
each goal's target, actual figure, share and trend exactly as planning's progress has them,
enters a value by hand for its manual goal (a value that is no number refused beside the field)
and downloads the progress as CSV; the list shows the goals' summary as planning's list does.
The monthly series names its months in German („November 2026“). The office changes an
agreement through the same form without JavaScript (a goal added, a target changed, the region
shown as text, a goal's values entered by hand kept with it) and the page shows the new
progress; a change to a version someone else changed meanwhile is told in German and the form
shows the current agreement to change again; a closed agreement is not changed.
An event in Jerichower Land records its participants by sex and age group: the indicators page
for that day shows planning's figures cell by cell, „x“ for the suppressed ones, and the
programme's total is the plain sum of what was recorded. The overview of the 14 regions shows
each region's surveys, agreements and participants as planning's lists have them. axe-core
clean on every new page; the overview is for the state coordination only."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from e2e.flow import ok, until
from money_support import error_of, text_of
from suite_support import Suite
from web_support import Web, check_accessibility, sign_in, tab_to

TAG = uuid.uuid4().hex[:6]
TITLE = f"Zielvereinbarung Harz {TAG}"
REGION = "harz"
EVENT_REGION = "jerichower-land"
FIGURES = {
    "female": {"18_29": 7, "30_54": 5},
    "male": {"under_18": 6},
    "diverse": {"18_29": 1},
}
STATE_AUTH = ("state_coordinator",)
TREFFEN = {"key": "treffen", "title": "Treffen", "indicator": "network_meetings_held", "target": 2}
MONTHS = (
    "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split()
)


def _month(iso: str) -> str:
    """``2026-11`` → „November 2026“."""
    year, month = iso.split("-")
    return f"{MONTHS[int(month) - 1]} {year}"


async def _page(
    browser: Any, web: Web, *, role: str, region: str = "", javascript: bool = True
) -> Any:
    context = await browser.new_context(locale="de-DE", java_script_enabled=javascript)
    page = await context.new_page()
    await sign_in(page, web, role=role, region=region, name=f"Planung {TAG}")
    return page


async def _click(page: Any, name: str) -> None:
    await page.get_by_role("button", name=name, exact=True).click()
    await page.wait_for_load_state()


async def _planning(suite: Suite, path: str, *auth: str, **params: Any) -> Any:
    async with suite.client("planning") as planning:
        return ok(await planning.get(path, params=params, headers=suite.auth(*auth)))


async def _new_agreement(
    suite: Suite,
    region: str,
    title: str,
    parties: list[dict[str, Any]],
    goals: list[dict[str, Any]],
) -> dict[str, Any]:
    """An agreement for this year made by the region's office through planning's API."""
    year = date.today().year
    async with suite.client("planning") as planning:
        created: dict[str, Any] = ok(
            await planning.post(
                "/agreements",
                json={
                    "region": region,
                    "title": title,
                    "period_start": f"{year}-01-01",
                    "period_end": f"{year}-12-31",
                    "parties": parties,
                    "goals": goals,
                },
                headers=suite.auth("network_office", region),
            ),
            201,
        )
    return created


async def _goal(page: Any, n: int, title: str, indicator: str, target: str) -> None:
    """Goal row ``n`` (from 1) of the agreement form filled."""
    await page.get_by_label(f"Ziel {n}", exact=True).fill(title)
    await page.get_by_label(f"Indikator von Ziel {n}").select_option(indicator)
    await page.get_by_label(f"Sollwert {n}", exact=True).fill(target)


async def _shows_progress(page: Any, progress: dict[str, Any]) -> None:
    """The agreement page shows planning's progress goal by goal, the trend in German."""
    trends = {"reached": "erreicht", "ahead": "vor Plan", "on_track": "im Plan"}
    for goal in progress["goals"]:
        row = page.locator(f'[data-goal="{goal["key"]}"]')
        assert await text_of(row.locator("[data-target]")) == str(goal["target"])
        assert await text_of(row.locator("[data-actual]")) == str(goal["actual"])
        percent = f"{goal['percent']:.1f}".replace(".", ",")
        assert await text_of(row.locator("[data-percent]")) == f"{percent} %"
        expected = trends.get(goal["trend"], "hinter Plan")
        assert await text_of(row.locator("[data-trend]")) == expected


async def _rows(page: Any, selector: str) -> list[str]:
    return [await text_of(row) for row in await page.locator(selector).all()]


async def test_an_agreement_made_without_javascript_followed_and_entered_by_hand(
    browser: Any, web: Web, suite: Suite
) -> None:
    office = await _page(browser, web, role="network_office", region=REGION)
    await office.goto(f"{web.url}/zielvereinbarungen")
    assert await check_accessibility(office) == []
    await office.get_by_role("link", name="Neue Zielvereinbarung").click()
    await office.wait_for_load_state()
    assert office.url.endswith("/zielvereinbarungen/neu")
    assert await check_accessibility(office) == []
    await tab_to(office, "Ziel hinzufügen")  # the keyboard reaches the row buttons
    async with office.expect_navigation():
        await office.keyboard.press("Enter")
    assert await office.get_by_label("Ziel 2", exact=True).count() == 1

    plain = await _page(browser, web, role="network_office", region=REGION, javascript=False)
    await plain.goto(f"{web.url}/zielvereinbarungen/neu")
    year = date.today().year
    await plain.get_by_label("Titel", exact=True).fill(TITLE)
    await plain.get_by_label("Region", exact=True).select_option(REGION)
    await plain.get_by_label("Beginn", exact=True).fill(f"1.1.{year}")
    await plain.get_by_label("Ende", exact=True).fill(f"31.12.{year}")
    await plain.get_by_label("Landkreis (optional)").fill("Landkreis Harz")
    await plain.get_by_label("Träger (optional)").fill(
        "Kinder- und Jugendhilfe Harz e. V.\nLebenshilfe Harz"
    )
    await _goal(plain, 1, "Abgeschlossene Schulprojekte", "projects_completed", "8")
    await _click(plain, "Ziel hinzufügen")
    assert (
        await plain.get_by_label("Ziel 1", exact=True).input_value()
        == "Abgeschlossene Schulprojekte"
    )
    await plain.get_by_label("Ziel 2", exact=True).fill("Wird wieder entfernt")
    await _click(plain, "Ziel hinzufügen")
    await _goal(plain, 3, "Elternabende", "manual", "zehn")
    await _click(plain, "Ziel 2 entfernen")
    assert await plain.get_by_label("Ziel 2", exact=True).input_value() == "Elternabende"
    assert await plain.get_by_label("Ziel 3", exact=True).count() == 0
    await _click(plain, "Zielvereinbarung anlegen")
    assert "Sollwert von Ziel 2 als ganze Zahl" in await error_of(plain, "goals-1-target")
    assert (
        await plain.get_by_label("Ziel 1", exact=True).input_value()
        == "Abgeschlossene Schulprojekte"
    )
    await plain.get_by_label("Sollwert 2", exact=True).fill("10")
    await _click(plain, "Zielvereinbarung anlegen")
    assert "Die Zielvereinbarung ist angelegt." in await text_of(plain.get_by_role("status"))
    agreement_id = plain.url.split("/zielvereinbarungen/")[1].split("?")[0]

    office_auth = ("network_office", REGION)
    stored = await _planning(suite, f"/agreements/{agreement_id}", *office_auth)
    assert stored["title"] == TITLE and stored["region"] == REGION
    assert [(g["key"], g["indicator"], g["target"]) for g in stored["goals"]] == [
        ("abgeschlossene-schulprojekte", "projects_completed", 8),
        ("elternabende", "manual", 10),
    ]
    assert [(p["kind"], p["name"]) for p in stored["parties"]] == [
        ("office", "Netzwerkstelle Harz"),
        ("district", "Landkreis Harz"),
        ("provider", "Kinder- und Jugendhilfe Harz e. V."),
        ("provider", "Lebenshilfe Harz"),
    ]

    # the page shows planning's progress goal by goal, the trend in German
    progress = await _planning(suite, f"/agreements/{agreement_id}/progress", *office_auth)
    await office.goto(f"{web.url}/zielvereinbarungen/{agreement_id}")
    await _shows_progress(office, progress)
    assert await check_accessibility(office) == []

    # a value by hand: refused beside its field when it is no number, then counted
    await office.get_by_label("Stichtag für „Elternabende“", exact=True).fill(
        date.today().strftime("%d.%m.%Y")
    )
    await office.get_by_label("Wert für „Elternabende“", exact=True).fill("drei")
    await _click(office, "Wert für „Elternabende“ erfassen")
    assert "ganze Zahl" in await error_of(office, "wert-elternabende-value")
    assert await check_accessibility(office) == []
    await office.get_by_label("Wert für „Elternabende“", exact=True).fill("3")
    await office.get_by_label("Bemerkung zu „Elternabende“ (optional)").fill("Drei Abende")
    await _click(office, "Wert für „Elternabende“ erfassen")
    assert "Der Wert ist erfasst." in await text_of(office.get_by_role("status"))
    progress = await _planning(suite, f"/agreements/{agreement_id}/progress", *office_auth)
    manual = next(g for g in progress["goals"] if g["key"] == "elternabende")
    assert manual["actual"] == 3
    assert await text_of(office.locator('[data-goal="elternabende"] [data-actual]')) == "3"
    series = await _rows(office, '[data-series="elternabende"] tbody tr')
    assert series == [f"{_month(m['month'])} {m['actual']}" for m in manual["series"]]
    assert series[-1].endswith(" 3")

    csv = await office.request.get(f"{web.url}/zielvereinbarungen/{agreement_id}/fortschritt.csv")
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    async with suite.client("planning") as planning:
        plain_csv = await planning.get(
            f"/agreements/{agreement_id}/progress",
            headers=suite.auth(*office_auth) | {"Accept": "text/csv"},
        )
    assert (await csv.text()).splitlines() == plain_csv.text.splitlines()

    # the list: planning's summary of the goals
    listed = await _planning(suite, "/agreements", *office_auth)
    summary = next(a["summary"] for a in listed["items"] if a["id"] == agreement_id)
    await office.goto(f"{web.url}/zielvereinbarungen")
    row = office.locator(f'[data-agreement="{agreement_id}"]')
    assert [
        await text_of(row.locator(f"[data-{name}]"))
        for name in ("goals", "reached", "on-track", "behind")
    ] == [str(summary[k]) for k in ("goals", "reached", "on_track", "behind")]
    assert summary["goals"] == 2

    await office.goto(f"{web.url}/zielvereinbarungen/{agreement_id}")
    await _click(office, "Zielvereinbarung abschließen")
    assert "abgeschlossen" in await text_of(office.get_by_role("status"))
    assert await office.get_by_label("Wert für „Elternabende“", exact=True).count() == 0
    assert (await _planning(suite, f"/agreements/{agreement_id}", *office_auth))[
        "status"
    ] == "closed"


async def _event_with_figures(suite: Suite) -> dict[str, Any]:
    """An expert exchange in Jerichower Land that collects ESF+ figures, with ``FIGURES``."""
    day = (datetime.now(UTC) + timedelta(days=40)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    office = suite.auth("network_office", EVENT_REGION, sub=f"planning-pages-{TAG}")
    async with suite.client("meetings") as meetings:
        event = ok(
            await meetings.post(
                "/meetings",
                json={
                    "kind": "expert_exchange",
                    "title": f"Fachaustausch {TAG}",
                    "region": EVENT_REGION,
                    "starts_at": day.isoformat(),
                    "ends_at": (day + timedelta(hours=3)).isoformat(),
                    "location": "Burg",
                    "collects_participant_figures": True,
                },
                headers=office,
            ),
            201,
        )
        ok(
            await meetings.put(
                f"/meetings/{event['id']}/participant-figures", json=FIGURES, headers=office
            )
        )
    return event | {"day": day.date().isoformat()}


async def test_the_indicators_page_shows_planning_figures_with_small_cells_suppressed(
    browser: Any, web: Web, suite: Suite
) -> None:
    event = await _event_with_figures(suite)
    period = f"{event['day']}..{event['day']}"
    auth = ("network_office", EVENT_REGION)

    async def arrived() -> Any:
        found = await _planning(suite, "/indicators", *auth, period=period)
        return found if found["groups"] else None

    found = await until(arrived, timeout=60, interval=0.5)
    total = sum(n for row in FIGURES.values() for n in row.values())
    assert found["programme"]["participants"] == {"count": total, "suppressed": False}

    office = await _page(browser, web, role="network_office", region=EVENT_REGION)
    await office.goto(f"{web.url}/indikatoren")
    assert await check_accessibility(office) == []
    await office.get_by_label("Zeitraum").fill("kein Zeitraum")
    await _click(office, "Anzeigen")
    assert "als Jahr (2026)" in await error_of(office, "zeitraum")
    await office.get_by_label("Zeitraum").fill(period)
    await _click(office, "Anzeigen")
    assert await text_of(office.locator("[data-programme] [data-participants]")) == str(total)
    groups = office.locator("[data-group]")
    assert await groups.count() == len(found["groups"])
    shown_cells: list[str] = []
    for number, group in enumerate(found["groups"]):
        section = groups.nth(number)
        assert "Fachaustausch" in await text_of(section.locator("h2"))
        for cell in group["cells"]:
            text = await text_of(
                section.locator(f'[data-sex="{cell["sex"]}"] [data-age="{cell["age_group"]}"]')
            )
            shown_cells.append(text)
            assert text == ("x" if cell["suppressed"] else str(cell["count"]))
    assert "x" in shown_cells  # a small cell hidden …
    assert any(t.isdigit() and int(t) >= 5 for t in shown_cells)  # … a large one shown
    assert await check_accessibility(office) == []

    csv = await office.request.get(f"{web.url}/indikatoren.csv?zeitraum={period}")
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    async with suite.client("planning") as planning:
        plain_csv = await planning.get(
            "/indicators",
            params={"period": period},
            headers=suite.auth(*auth) | {"Accept": "text/csv"},
        )
    assert (await csv.text()).splitlines() == plain_csv.text.splitlines()
    assert any(line.endswith(";x") for line in plain_csv.text.splitlines())


async def test_the_overview_shows_the_14_regions_as_planning_lists_them(
    browser: Any, web: Web, suite: Suite
) -> None:
    event = await _event_with_figures(suite)
    period = f"{event['day']}..{event['day']}"

    async def arrived() -> Any:
        found = await _planning(
            suite, "/indicators", *STATE_AUTH, period=period, region=EVENT_REGION
        )
        return found if found["groups"] else None

    await until(arrived, timeout=60, interval=0.5)
    await _new_agreement(
        suite,
        EVENT_REGION,
        f"Zielvereinbarung Jerichower Land {TAG}",
        [{"kind": "office", "name": "Netzwerkstelle Jerichower Land"}],
        [TREFFEN],
    )
    surveys = await _planning(suite, "/surveys", *STATE_AUTH, limit=500)
    agreements = await _planning(suite, "/agreements", *STATE_AUTH, limit=500)

    office = await _page(browser, web, role="network_office", region=REGION)
    response = await office.goto(f"{web.url}/landesuebersicht")
    assert response.status == 403

    state = await _page(browser, web, role="state_coordinator")
    await state.goto(f"{web.url}/landesuebersicht?zeitraum={period}")
    assert await check_accessibility(state) == []
    rows = state.locator("tbody [data-region]")
    assert await rows.count() == 14

    async def cell(region: str, column: str) -> str:
        return await text_of(state.locator(f'[data-region="{region}"] [data-column="{column}"]'))

    for region in (REGION, EVENT_REGION, "boerde"):
        mine = [s for s in surveys["items"] if s["region"] == region]
        assert await cell(region, "surveys_open") == str(sum(s["status"] == "open" for s in mine))
        assert await cell(region, "answers") == str(sum(s["responses"] for s in mine))
        theirs = [a for a in agreements["items"] if a["region"] == region]
        assert await cell(region, "agreements") == str(len(theirs))
        for key in ("goals", "reached", "on_track", "behind"):
            assert await cell(region, key) == str(sum(a["summary"][key] for a in theirs))
    assert int(await cell(EVENT_REGION, "agreements")) >= 1
    assert int(await cell("", "goals")) >= 1  # the state's sums
    figures = await _planning(suite, "/indicators", *STATE_AUTH, period=period, region=EVENT_REGION)
    assert figures["programme"]["participants"]["count"] >= 19
    assert await cell(EVENT_REGION, "participants") == str(
        figures["programme"]["participants"]["count"]
    )


async def _agreement_in_harz(suite: Suite) -> dict[str, Any]:
    """An agreement of the Harz office with a counted and a manual goal, 4 entered by hand."""
    manual = {"key": "elternabende", "title": "Elternabende", "indicator": "manual", "target": 10}
    created = await _new_agreement(
        suite,
        REGION,
        f"Zu ändern {TAG}",
        [
            {"kind": "office", "name": "Netzwerkstelle Harz"},
            {"kind": "district", "name": "Landkreis Harz"},
        ],
        [TREFFEN, manual],
    )
    async with suite.client("planning") as planning:
        ok(
            await planning.post(
                f"/agreements/{created['id']}/values",
                json={"goal_key": "elternabende", "as_of": date.today().isoformat(), "value": 4},
                headers=suite.auth("network_office", REGION),
            ),
            201,
        )
    return created


async def test_an_agreement_changed_without_javascript_and_a_stale_change_told(
    browser: Any, web: Web, suite: Suite
) -> None:
    created = await _agreement_in_harz(suite)
    agreement_id = created["id"]
    office_auth = ("network_office", REGION)
    plain = await _page(browser, web, role="network_office", region=REGION, javascript=False)
    await plain.goto(f"{web.url}/zielvereinbarungen/{agreement_id}")
    series = await _rows(plain, '[data-series="elternabende"] tbody tr')
    assert series[-1] == f"{_month(date.today().isoformat()[:7])} 4"  # a German month
    await plain.get_by_role("link", name="Bearbeiten", exact=True).click()
    await plain.wait_for_load_state()
    assert plain.url.endswith(f"/zielvereinbarungen/{agreement_id}/bearbeiten")
    assert await plain.get_by_label("Titel", exact=True).input_value() == f"Zu ändern {TAG}"
    assert await plain.get_by_label("Beginn", exact=True).input_value() == (
        f"01.01.{date.today().year}"
    )
    assert await plain.get_by_label("Landkreis (optional)").input_value() == "Landkreis Harz"
    assert await plain.get_by_label("Sollwert 2", exact=True).input_value() == "10"
    assert await plain.get_by_label("Region", exact=True).count() == 0  # the region stays …
    assert await text_of(plain.locator("[data-region]")) == "Harz"  # … shown as text

    # a target that is no number is refused beside its field, the rest kept
    await plain.get_by_label("Sollwert 2", exact=True).fill("fünf")
    await plain.get_by_label("Ziel 2", exact=True).fill("Elternabende im Harz")
    await _click(plain, "Änderungen speichern")
    assert "Sollwert von Ziel 2 als ganze Zahl" in await error_of(plain, "goals-1-target")
    assert await plain.get_by_label("Ziel 2", exact=True).input_value() == "Elternabende im Harz"
    # a target changed, a goal added with the button, then saved
    await plain.get_by_label("Sollwert 2", exact=True).fill("5")
    await _click(plain, "Ziel hinzufügen")
    await _goal(plain, 3, "Schulen erreichen", "schools_reached", "3")
    await _click(plain, "Änderungen speichern")
    assert "Die Änderungen sind gespeichert." in await text_of(plain.get_by_role("status"))
    assert plain.url.split("?")[0].endswith(f"/zielvereinbarungen/{agreement_id}")

    stored = await _planning(suite, f"/agreements/{agreement_id}", *office_auth)
    assert stored["version"] == created["version"] + 1 and stored["region"] == REGION
    assert [(g["key"], g["title"], g["indicator"], g["target"]) for g in stored["goals"]] == [
        ("treffen", "Treffen", "network_meetings_held", 2),
        ("elternabende", "Elternabende im Harz", "manual", 5),  # the key and its values kept
        ("schulen-erreichen", "Schulen erreichen", "schools_reached", 3),
    ]
    assert stored["parties"] == created["parties"]
    progress = await _planning(suite, f"/agreements/{agreement_id}/progress", *office_auth)
    assert [g["key"] for g in progress["goals"]] == ["treffen", "elternabende", "schulen-erreichen"]
    await _shows_progress(plain, progress)
    assert await text_of(plain.locator('[data-goal="elternabende"] [data-percent]')) == "80,0 %"

    # two open the form; the second to save finds it changed meanwhile
    office = await _page(browser, web, role="network_office", region=REGION)
    await office.goto(f"{web.url}/zielvereinbarungen/{agreement_id}/bearbeiten")
    assert await check_accessibility(office) == []
    await plain.goto(f"{web.url}/zielvereinbarungen/{agreement_id}/bearbeiten")
    await plain.get_by_label("Titel", exact=True).fill(f"Geändert {TAG}")
    await _click(plain, "Änderungen speichern")
    assert "gespeichert" in await text_of(plain.get_by_role("status"))
    await office.get_by_label("Sollwert 1", exact=True).fill("7")
    await _click(office, "Änderungen speichern")
    told = await text_of(office.get_by_role("alert"))
    assert "inzwischen geändert" in told and "aktuellen Stand" in told
    assert await office.get_by_label("Titel", exact=True).input_value() == f"Geändert {TAG}"
    assert await office.get_by_label("Sollwert 1", exact=True).input_value() == "2"
    assert await check_accessibility(office) == []
    stored = await _planning(suite, f"/agreements/{agreement_id}", *office_auth)
    assert [g["target"] for g in stored["goals"]] == [2, 5, 3]
    await office.get_by_label("Sollwert 1", exact=True).fill("7")  # once more, now current
    await _click(office, "Änderungen speichern")
    assert "gespeichert" in await text_of(office.get_by_role("status"))
    stored = await _planning(suite, f"/agreements/{agreement_id}", *office_auth)
    assert stored["title"] == f"Geändert {TAG}"
    assert [g["target"] for g in stored["goals"]] == [7, 5, 3]

    # a closed agreement is not changed
    await _click(office, "Zielvereinbarung abschließen")
    assert await office.get_by_role("link", name="Bearbeiten", exact=True).count() == 0
    response = await office.goto(f"{web.url}/zielvereinbarungen/{agreement_id}/bearbeiten")
    assert response.status == 409
    assert "lässt sich nicht mehr ändern" in await text_of(office.get_by_role("alert"))
