"""„Bedarfsabfragen“ through the pages: the Börde office creates an invited survey with the
browser's JavaScript switched off (questions added by a button, planning's refusal of an unknown
topic shown in German beside the question), opens it and creates three personal links, shown
once and not cached; two respondents answer by their links (a missing required answer told
beside the question), a link used again is refused with the German sentence, and once closed the
survey says it is over. An anonymous survey is answered once per form: the same browser is told
it took part, and the same ticket sent again is refused by planning. A survey past its closing
date is not opened (told in German). The results page and its CSV match a plain count of what
was answered, and the topic demand page shows the surveys' topics on top of what it showed
before. axe-core clean on every new page."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from e2e.flow import ok
from money_support import error_of, text_of
from suite_support import Suite
from web_support import Web, check_accessibility, sign_in

TAG = uuid.uuid4().hex[:6]
INVITED = f"Bedarf an Schulprojekten {TAG}"
ANONYMOUS = f"Elternbefragung {TAG}"
THEMES = "Welche Themen brauchen Sie?"
SCALE = "Wie zufrieden sind Sie mit dem Angebot?"
WISH = "Was wünschen Sie sich noch?"
ANSWERED = "Sie haben an dieser Umfrage bereits teilgenommen."
TICKET = re.compile(r'name="code" value="([^"]+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def _context_page(browser: Any, *, javascript: bool = True) -> Any:
    context = await browser.new_context(locale="de-DE", java_script_enabled=javascript)
    return await context.new_page()


async def _office(browser: Any, web: Web, *, javascript: bool = True) -> Any:
    page = await _context_page(browser, javascript=javascript)
    await sign_in(page, web, role="network_office", region="boerde", name="Petra Schäfer")
    return page


async def _click(page: Any, name: str) -> None:
    await page.get_by_role("button", name=name, exact=True).click()
    await page.wait_for_load_state()


async def _demand(suite: Suite) -> dict[str, int]:
    """Börde's topic demand from planning: topic slug → times chosen."""
    async with suite.client("planning") as planning:
        found = ok(
            await planning.get(
                "/topic-demand",
                params={"region": "boerde"},
                headers=suite.auth("network_office", "boerde", sub="office-1"),
            )
        )
    return {t["slug"]: t["demand"] for t in found["topics"]}


async def _answer(page: Any, url: str, choices: list[str], scale: str | None = None) -> None:
    await page.goto(url)
    for label in choices:
        await page.get_by_label(label, exact=True).check()
    if scale:
        await page.get_by_role("group", name=SCALE).get_by_label(scale, exact=True).check()
    await _click(page, "Antworten absenden")


@pytest.fixture(scope="module")
async def before(suite: Suite) -> dict[str, int]:
    return await _demand(suite)


async def test_an_invited_survey_made_answered_and_counted_through_the_pages(
    browser: Any, web: Web, suite: Suite, before: dict[str, int]
) -> None:
    office = await _office(browser, web)  # axe-core needs JavaScript: it checks these pages
    await office.goto(f"{web.url}/bedarfsabfragen")
    assert await check_accessibility(office) == []
    await office.get_by_role("link", name="Neue Bedarfsabfrage").click()
    await office.wait_for_load_state()
    assert office.url.endswith("/bedarfsabfragen/neu")
    assert await check_accessibility(office) == []

    plain = await _office(browser, web, javascript=False)  # the form works without JavaScript
    await plain.goto(f"{web.url}/bedarfsabfragen")
    await plain.get_by_role("link", name="Neue Bedarfsabfrage").click()
    await plain.wait_for_load_state()

    await plain.get_by_label("Titel", exact=True).fill(INVITED)
    await plain.get_by_label("Region", exact=True).select_option("boerde")
    await plain.get_by_label("Schulen", exact=True).check()
    await plain.get_by_label("Lehrkräfte", exact=True).check()
    await plain.get_by_label("Text der Frage 1").fill(THEMES)
    await plain.get_by_label("Art der Frage 1").select_option("multiple")
    await plain.get_by_label("Frage 1 muss beantwortet werden").check()
    await plain.get_by_label("Antworten zu Frage 1").fill(
        "Mobbing [bullying]\nMedienkompetenz [media-literacy]\nAnderes [unbekannt]"
    )
    await _click(plain, "Frage hinzufügen")
    assert await plain.get_by_label("Text der Frage 1").input_value() == THEMES  # kept
    await plain.get_by_label("Text der Frage 2").fill(SCALE)
    await plain.get_by_label("Art der Frage 2").select_option("scale")
    await _click(plain, "Frage hinzufügen")
    await plain.get_by_label("Text der Frage 3").fill(WISH)
    await plain.get_by_label("Art der Frage 3").select_option("text")
    await _click(plain, "Bedarfsabfrage anlegen")
    assert "Thema in eckigen Klammern ist unbekannt" in await error_of(plain, "questions-0-choices")
    assert await plain.get_by_label("Text der Frage 3").input_value() == WISH
    await plain.get_by_label("Antworten zu Frage 1").fill(
        "Mobbing [bullying]\nMedienkompetenz [media-literacy]\nAnderes"
    )
    await _click(plain, "Bedarfsabfrage anlegen")
    assert "Die Bedarfsabfrage ist angelegt." in await text_of(plain.get_by_role("status"))
    survey_id = plain.url.split("/bedarfsabfragen/")[1].split("?")[0]
    assert "Entwurf" in await text_of(plain.locator("main"))
    response = await plain.goto(f"{web.url}/umfrage/{survey_id}")
    assert response.status == 404  # a draft is nobody's form yet
    await plain.goto(f"{web.url}/bedarfsabfragen/{survey_id}")
    await _click(plain, "Abfrage öffnen")
    assert "geöffnet" in await text_of(plain.get_by_role("status"))

    await office.goto(f"{web.url}/bedarfsabfragen/{survey_id}")
    assert await check_accessibility(office) == []
    await office.get_by_label("Anzahl der Einladungen").fill("3")
    async with office.expect_response(lambda r: r.url.endswith("/einladungen")) as sent:
        await _click(office, "Einladungen erzeugen")
    assert (await sent.value).headers["cache-control"] == "no-store"
    links = [
        await item.inner_text() for item in await office.locator("[data-invitation-links] li").all()
    ]
    assert len(links) == 3 and all(f"/umfrage/{survey_id}?code=" in u for u in links)
    assert "3 erzeugt, 0 davon genutzt" in await text_of(office.locator("#einladungen-zahlen"))
    assert await check_accessibility(office) == []
    await office.goto(f"{web.url}/bedarfsabfragen/{survey_id}")  # shown once: not again
    assert await office.locator("[data-invitation-links]").count() == 0

    first = await _context_page(browser)
    await first.goto(links[0])
    assert await check_accessibility(first) == []
    await first.get_by_label("Mobbing", exact=True).check()
    await first.get_by_label("Medienkompetenz", exact=True).check()
    await first.get_by_role("group", name=SCALE).get_by_label("4", exact=True).check()
    await first.get_by_label(WISH).fill("Mehr Elternabende")
    await _click(first, "Antworten absenden")
    assert "Vielen Dank!" in await text_of(first.locator("h1"))
    assert await check_accessibility(first) == []
    await first.goto(links[0])  # the same browser
    assert ANSWERED in await text_of(first.get_by_role("status"))

    second = await _context_page(browser)
    await _answer(second, links[1], [], scale="2")
    assert "Bitte beantworten Sie diese Frage." in await error_of(
        second, "antwort-welche-themen-brauchen-sie"
    )
    assert await check_accessibility(second) == []
    await second.get_by_label("Mobbing", exact=True).check()
    await _click(second, "Antworten absenden")
    assert "Vielen Dank!" in await text_of(second.locator("h1"))

    again = await _context_page(browser)  # the first link in another browser
    await _answer(again, links[0], ["Anderes"], scale="1")
    assert ANSWERED in await text_of(again.get_by_role("status"))

    # the results: a plain count of what was answered above
    await office.goto(f"{web.url}/bedarfsabfragen/{survey_id}")
    assert "3 erzeugt, 2 davon genutzt" in await text_of(office.locator("#einladungen-zahlen"))
    themes = office.locator('[data-result="welche-themen-brauchen-sie"] tbody tr')
    assert [await text_of(row) for row in await themes.all()] == [
        "Mobbing Mobbing und Cybermobbing 2",
        "Medienkompetenz Medienkompetenz 1",
        "Anderes – 0",
    ]
    scale = office.locator('[data-result="wie-zufrieden-sind-sie-mit-dem-angebot"] tbody tr')
    assert [await text_of(row) for row in await scale.all()] == ["1 0", "2 1", "3 0", "4 1", "5 0"]
    assert "Mittelwert: 3,0" in await text_of(office.locator("main"))
    assert "Mehr Elternabende" in await text_of(
        office.locator('[data-result="was-wunschen-sie-sich-noch"]')
    )
    assert await check_accessibility(office) == []
    csv = await office.request.get(f"{web.url}/bedarfsabfragen/{survey_id}/ergebnisse.csv")
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = (await csv.text()).splitlines()
    assert "welche-themen-brauchen-sie;multiple;mobbing;bullying;2" in lines
    assert "wie-zufrieden-sind-sie-mit-dem-angebot;scale;4;;1" in lines

    await _click(office, "Abfrage schließen")
    assert "geschlossen" in await text_of(office.get_by_role("status"))
    third = await _context_page(browser)
    await third.goto(links[2])
    assert "Diese Umfrage ist beendet." in await text_of(third.get_by_role("status"))
    assert await check_accessibility(third) == []
    await office.goto(f"{web.url}/bedarfsabfragen")
    row = office.get_by_role("row").filter(has_text=INVITED)
    assert await text_of(row) == f"{INVITED} Börde geschlossen 2"


async def test_an_anonymous_survey_takes_one_answer_per_form(
    browser: Any, web: Web, suite: Suite, before: dict[str, int]
) -> None:
    office = await _office(browser, web)
    await office.goto(f"{web.url}/bedarfsabfragen/neu")
    await office.get_by_label("Titel", exact=True).fill(ANONYMOUS)
    await office.get_by_label("Region", exact=True).select_option("boerde")
    await _click(office, "Bedarfsabfrage anlegen")
    assert "Bitte wählen Sie, wen Sie fragen." in await error_of(office, "audience")
    assert await office.get_by_label("Titel", exact=True).input_value() == ANONYMOUS
    assert await check_accessibility(office) == []
    await office.get_by_label("Eltern", exact=True).check()
    await office.get_by_label("Alle mit dem Link, anonym").check()
    await office.get_by_label("Text der Frage 1").fill("Was soll die Schule anbieten?")
    await office.get_by_label("Antworten zu Frage 1").fill(
        "Soziales Lernen [social-learning]\nMobbing [bullying]"
    )
    await _click(office, "Bedarfsabfrage anlegen")
    survey_id = office.url.split("/bedarfsabfragen/")[1].split("?")[0]
    assert await check_accessibility(office) == []  # a draft
    await _click(office, "Abfrage öffnen")
    link = f"{web.url}/umfrage/{survey_id}"
    assert link in await text_of(office.locator("main"))

    parent = await _context_page(browser)
    await parent.goto(link)
    assert await check_accessibility(parent) == []
    await parent.get_by_label("Soziales Lernen", exact=True).check()
    await _click(parent, "Antworten absenden")
    assert "Vielen Dank!" in await text_of(parent.locator("h1"))
    await parent.goto(link)  # the same browser
    assert ANSWERED in await text_of(parent.get_by_role("status"))
    assert await parent.get_by_role("button", name="Antworten absenden").count() == 0

    # a form sent twice (its ticket spent): refused by planning, told the same
    other = await _context_page(browser)
    form = await (await other.request.get(link)).text()
    ticket, csrf = TICKET.search(form), CSRF.search(form)
    assert ticket and csrf
    fields = {"csrf_token": csrf.group(1), "code": ticket.group(1)}
    fields["antwort-was-soll-die-schule-anbieten"] = "mobbing"
    assert (await other.request.post(link, form=fields)).status == 200
    refused = await other.request.post(link, form=fields)
    assert refused.status == 409 and ANSWERED in await refused.text()

    await office.goto(f"{web.url}/bedarfsabfragen/{survey_id}")
    rows = office.locator('[data-result="was-soll-die-schule-anbieten"] tbody tr')
    assert [await text_of(row) for row in await rows.all()] == [
        "Soziales Lernen Soziales Lernen 1",
        "Mobbing Mobbing und Cybermobbing 1",
    ]


async def test_a_survey_past_its_closing_date_is_not_opened(
    browser: Any, web: Web, suite: Suite, before: dict[str, int]
) -> None:
    question = {"key": "wunsch", "text": "Was wünschen Sie sich?", "kind": "text"}
    body = {
        "title": f"Verpasst {TAG}",
        "region": "boerde",
        "audience": ["schools"],
        "closes_on": "2020-01-31",
        "questions": [question],
    }
    async with suite.client("planning") as planning:
        office_auth = suite.auth("network_office", "boerde", sub="office-1")
        late = ok(await planning.post("/surveys", json=body, headers=office_auth), 201)
    office = await _office(browser, web)
    await office.goto(f"{web.url}/bedarfsabfragen/{late['id']}")
    await _click(office, "Abfrage öffnen")
    assert "liegt schon in der Vergangenheit" in await text_of(office.get_by_role("alert"))
    assert "Entwurf" in await text_of(office.locator("main"))
    assert await check_accessibility(office) == []


async def test_the_topic_demand_page_shows_the_surveys_topics(
    browser: Any, web: Web, suite: Suite, before: dict[str, int]
) -> None:
    now = await _demand(suite)
    # the two surveys above: bullying 2 + 1, media literacy 1, social learning 1
    expected = {"bullying": 3, "media-literacy": 1, "social-learning": 1}
    assert {s: now.get(s, 0) - before.get(s, 0) for s in expected} == expected
    office = await _office(browser, web)
    await office.goto(f"{web.url}/bedarfsabfragen")
    await office.get_by_role("link", name="Themenbedarf").click()
    await office.wait_for_load_state()
    assert await check_accessibility(office) == []
    for slug in expected:
        cells = office.locator(f'[data-topic="{slug}"] td')
        assert await text_of(cells.first) == str(now[slug])
    csv = await office.request.get(f"{web.url}/bedarfsabfragen/themen.csv")
    assert csv.status == 200
    assert any(line.startswith("bullying;") for line in (await csv.text()).splitlines())

    state = await _context_page(browser)
    await sign_in(state, web, role="state_coordinator", name="Landeskoordination")
    await state.goto(f"{web.url}/bedarfsabfragen/themen")
    assert await check_accessibility(state) == []
    await state.get_by_label("Region").select_option("boerde")
    await _click(state, "Anzeigen")
    assert "Themenbedarf: Börde" in await text_of(state.locator("h1"))
    assert await text_of(state.locator('[data-topic="bullying"] td').first) == str(now["bullying"])
