"""„Veranstaltungen verwalten“ through the pages: the office plans a training with two places
(after a refused form with German errors beside the fields), three people register on the
public event page and the third waits; the office cancels a registration after a confirmation
page and the third moves up (the page shows it, meetings agrees). Another region's office sees
none of it. Planning, editing and cancelling an event work without JavaScript. axe clean on
every page."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from e2e.flow import ok
from money_support import error_of, text_of
from starlette.datastructures import FormData
from suite_support import Suite
from web_support import Web, check_accessibility, csrf_of, sign_in

from web.events import forms

BERLIN = ZoneInfo("Europe/Berlin")
MONTHS = (
    "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split()
)


def _day(days: int, hour: int) -> datetime:
    """A moment ``days`` from now at ``hour`` o'clock in Berlin."""
    moment = datetime.now(BERLIN) + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def _typed(moment: datetime) -> str:
    return moment.strftime("%d.%m.%Y %H:%M")


def _german(moment: datetime) -> str:
    """„3. Dezember 2026, 14:00 Uhr“."""
    return f"{moment.day}. {MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M} Uhr"


async def _office(
    browser: Any, web: Web, *, region: str = "boerde", javascript: bool = True
) -> Any:
    context = await browser.new_context(
        locale="de-DE", timezone_id="Europe/Berlin", java_script_enabled=javascript
    )
    page = await context.new_page()
    await sign_in(page, web, role="network_office", region=region, name="Petra Schäfer")
    return page


async def _register(browser: Any, web: Web, event_id: str, name: str, email: str) -> str:
    """Register on the public event page (web/public's form) in a fresh browser; its answer."""
    context = await browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    try:
        page = await context.new_page()
        await page.goto(f"{web.url}/veranstaltungen/{event_id}")
        await page.get_by_label("Name").fill(name)
        await page.get_by_label("E-Mail").fill(email)
        await page.get_by_label("Einrichtung").fill(f"Grundschule {name.split()[0]}")
        await page.get_by_role("button", name="Zur Veranstaltung anmelden").click()
        await page.wait_for_load_state()
        return await text_of(page.get_by_role("status"))
    finally:
        await context.close()


async def _plan(page: Any, title: str, starts: datetime, *, capacity: str = "2") -> None:
    await page.get_by_label("Art", exact=True).select_option(label="Fortbildung")
    await page.get_by_label("Titel").fill(title)
    await page.get_by_label("Beschreibung (optional)").fill("Wie Konflikte fair gelöst werden.")
    await page.get_by_label("Beginn").fill(_typed(starts))
    await page.get_by_label("Ende", exact=True).fill(_typed(starts + timedelta(hours=2)))
    await page.get_by_label("Ort (optional)").fill("Kreisvolkshochschule, Haldensleben")
    await page.get_by_label("Online-Link (optional)").fill("https://meet.example/raum-7")
    await page.get_by_label("Plätze (optional)").fill(capacity)
    await page.get_by_label("Anmeldeschluss (optional)").fill(_typed(starts - timedelta(days=1)))
    await page.get_by_label("Öffentlich").check()
    await page.get_by_role("button", name="Veranstaltung planen").click()
    await page.wait_for_load_state()


async def test_a_cancelled_registration_moves_the_first_on_the_waiting_list_up(
    browser: Any, web: Web, suite: Suite
) -> None:
    title = f"Fortbildung Streitschlichtung {uuid.uuid4().hex[:6]}"
    starts = _day(30, 14)
    office = await _office(browser, web)
    # /veranstaltungen/verwalten is the office's list, not the public page of an event „verwalten“
    response = await office.goto(f"{web.url}/veranstaltungen/verwalten")
    assert response is not None and response.status == 200
    assert await text_of(office.get_by_role("heading", level=1)) == "Veranstaltungen verwalten"
    assert await check_accessibility(office) == []
    await office.get_by_role("link", name="Veranstaltung planen").click()
    await office.wait_for_load_state()
    assert office.url == f"{web.url}/veranstaltungen/verwalten/neu"
    assert await check_accessibility(office) == []

    # refused: German errors beside the fields, the summary links to them
    await office.get_by_label("Titel").fill(title)
    await office.get_by_label("Beginn").fill(_typed(starts))
    await office.get_by_label("Ende", exact=True).fill(_typed(starts - timedelta(hours=1)))
    await office.get_by_label("Plätze (optional)").fill("zwei")
    await office.get_by_label("Anmeldeschluss (optional)").fill(_typed(starts + timedelta(days=1)))
    await office.get_by_role("button", name="Veranstaltung planen").click()
    await office.wait_for_load_state()
    alert = await text_of(office.get_by_role("alert"))
    assert "Bitte wählen Sie die Art der Veranstaltung." in alert
    assert "Das Ende muss nach dem Beginn liegen." in await error_of(office, "ends")
    assert "ganze Zahl von 1 bis 100.000" in await error_of(office, "capacity")
    assert "nicht nach dem Beginn" in await error_of(office, "deadline")
    link = office.get_by_role("alert").get_by_role("link", name="Das Ende muss nach dem Beginn")
    assert await link.get_attribute("href") == "#feld-ends"
    assert await office.get_by_label("Titel").input_value() == title  # kept as typed
    assert await check_accessibility(office) == []

    await _plan(office, title, starts)
    assert "Die Veranstaltung ist geplant." in await text_of(office.locator("main"))
    assert await text_of(office.get_by_role("heading", level=1)) == title
    event_id = re.search(r"/veranstaltungen/verwalten/([0-9a-f-]{36})", office.url).group(1)  # type: ignore[union-attr]
    details = await text_of(office.locator("#angaben"))
    assert _german(starts) in details and _german(starts + timedelta(hours=2)) in details
    assert "0 von 2" in details
    assert await check_accessibility(office) == []

    # three register on the public page; the third waits
    answers = [
        await _register(browser, web, event_id, name, f"{name.split()[0].lower()}@schule.example")
        for name in ("Anna Erste", "Bernd Zweiter", "Clara Dritte")
    ]
    assert "Sie sind angemeldet" in answers[0] and "Sie sind angemeldet" in answers[1]
    assert "Warteliste an Stelle 1" in answers[2]

    await office.goto(f"{web.url}/veranstaltungen/verwalten")
    row = office.get_by_role("row").filter(has_text=title)
    assert re.search(r"2 von 2 1$", await text_of(row))  # places taken, waiting list
    await office.get_by_role("link", name=title).click()
    await office.wait_for_load_state()
    confirmed = await text_of(office.locator("#angemeldet"))
    assert "Anna Erste" in confirmed and "Grundschule Anna" in confirmed
    assert "Bernd Zweiter" in confirmed and "Clara" not in confirmed
    assert "Clara Dritte" in await text_of(office.locator("#wartend"))
    assert await check_accessibility(office) == []

    await office.get_by_role("link", name="Anmeldung stornieren: Anna Erste").click()
    await office.wait_for_load_state()
    assert await text_of(office.get_by_role("heading", level=1)) == "Anmeldung stornieren"
    assert "Anna Erste" in await text_of(office.locator("main"))
    assert "anna" not in office.url.lower()  # personal data never in a URL
    assert await check_accessibility(office) == []
    await office.get_by_role("button", name="Anmeldung stornieren").click()
    await office.wait_for_load_state()
    assert "Die Anmeldung ist storniert." in await text_of(office.get_by_role("status"))
    confirmed = await text_of(office.locator("#angemeldet"))
    assert "Clara Dritte" in confirmed and "nachgerückt" in confirmed
    assert "Anna Erste" not in confirmed
    assert "Niemand wartet." in await text_of(office.get_by_role("region", name="Warteliste (0)"))
    assert "Anna Erste" in await text_of(office.get_by_role("region", name="Storniert (1)"))
    assert "Anna" not in office.url and "Clara" not in office.url
    assert await check_accessibility(office) == []

    async with suite.client("meetings") as meetings:
        found = ok(
            await meetings.get(
                f"/meetings/{event_id}/registrations",
                headers=suite.auth("network_office", "boerde"),
            )
        )["items"]
    status = {r["name"]: r["status"] for r in found}
    assert status == {
        "Anna Erste": "cancelled",
        "Bernd Zweiter": "confirmed",
        "Clara Dritte": "confirmed",
    }

    # another region's office sees no registrations of it
    other = await _office(browser, web, region="magdeburg")
    await other.goto(f"{web.url}/veranstaltungen/verwalten")
    assert title not in await text_of(other.locator("main"))
    registration_id = next(r["id"] for r in found if r["name"] == "Bernd Zweiter")
    for path in ("", "/bearbeiten", "/absagen", f"/anmeldungen/{registration_id}/stornieren"):
        response = await other.goto(f"{web.url}/veranstaltungen/verwalten/{event_id}{path}")
        assert response is not None and response.status == 403, path
        main = await text_of(other.locator("main"))
        assert "Bernd" not in main and "Clara" not in main
    assert await check_accessibility(other) == []
    cancel = await other.context.request.post(
        f"{web.url}/veranstaltungen/verwalten/{event_id}/anmeldungen/{registration_id}/stornieren",
        form={"csrf_token": csrf_of(await other.content())},
    )
    assert cancel.status == 403
    assert "Bernd" not in await cancel.text()

    # the edit and cancel pages of the own event
    for path, heading in (
        ("bearbeiten", "Veranstaltung bearbeiten"),
        ("absagen", "Veranstaltung absagen"),
    ):
        await office.goto(f"{web.url}/veranstaltungen/verwalten/{event_id}/{path}")
        assert await text_of(office.get_by_role("heading", level=1)) == heading
        assert await check_accessibility(office) == []
    for page in (office, other):
        await page.context.close()


async def test_an_event_is_planned_changed_and_cancelled_without_javascript(
    browser: Any, web: Web, suite: Suite
) -> None:
    title = f"Vernetzungstreffen Übergang {uuid.uuid4().hex[:6]}"
    office = await _office(browser, web, javascript=False)
    await office.goto(f"{web.url}/veranstaltungen/verwalten/neu")
    await office.get_by_label("Beginn").fill("01.01.2020 10:00")  # in the past
    await office.get_by_label("Ende", exact=True).fill("morgen")
    await office.get_by_label("Online-Link (optional)").fill("meet.example")
    await office.get_by_role("button", name="Veranstaltung planen").click()
    await office.wait_for_load_state()
    alert = await text_of(office.get_by_role("alert"))
    assert "Bitte geben Sie einen Titel ein" in alert
    assert "Der Beginn muss in der Zukunft liegen." in await error_of(office, "starts")
    assert "z. B. 10.03.2027 16:00" in await error_of(office, "ends")
    assert "https://meet.example/raum" in await error_of(office, "online_url")

    starts = _day(40, 9)
    await _plan(office, title, starts, capacity="20")
    assert "Die Veranstaltung ist geplant." in await text_of(office.locator("main"))
    assert "0 von 20" in await text_of(office.locator("#angaben"))

    await office.get_by_role("link", name="Bearbeiten").click()
    await office.wait_for_load_state()
    assert await office.get_by_label("Beginn").input_value() == _typed(starts)
    await office.get_by_label("Plätze (optional)").fill("0")
    await office.get_by_label("Mediation und Konfliktlösung").check()
    await office.get_by_role("button", name="Änderungen speichern").click()
    await office.wait_for_load_state()
    assert "ganze Zahl von 1 bis 100.000" in await error_of(office, "capacity")
    assert await office.get_by_label("Mediation und Konfliktlösung").is_checked()  # kept
    # changed meanwhile (elsewhere): the page shows the current event and asks again
    event_id = office.url.split("/")[-2]
    async with suite.client("meetings") as meetings:
        ok(
            await meetings.patch(
                f"/meetings/{event_id}",
                json={"location": "Rathaus Oschersleben"},
                headers=suite.auth("network_office", "boerde"),
            )
        )
    await office.get_by_label("Plätze (optional)").fill("25")
    await office.get_by_role("button", name="Änderungen speichern").click()
    await office.wait_for_load_state()
    assert "inzwischen geändert" in await text_of(office.get_by_role("alert"))
    assert await office.get_by_label("Ort (optional)").input_value() == "Rathaus Oschersleben"
    await office.get_by_label("Plätze (optional)").fill("25")
    await office.get_by_label("Titel").fill(f"{title} (verschoben)")
    await office.get_by_label("Mediation und Konfliktlösung").check()
    await office.get_by_label("Soziales Lernen").check()
    await office.get_by_role("button", name="Änderungen speichern").click()
    await office.wait_for_load_state()
    assert "Die Änderungen sind gespeichert." in await text_of(office.locator("main"))
    assert await text_of(office.get_by_role("heading", level=1)) == f"{title} (verschoben)"
    assert "0 von 25" in await text_of(office.locator("#angaben"))
    assert (
        await text_of(office.locator("#themen")) == "Mediation und Konfliktlösung, Soziales Lernen"
    )

    await office.get_by_role("link", name="Veranstaltung absagen").click()
    await office.wait_for_load_state()
    assert await text_of(office.get_by_role("heading", level=1)) == "Veranstaltung absagen"
    await office.get_by_label("Grund (optional)").fill("Die Referentin ist erkrankt.")
    await office.get_by_role("button", name="Veranstaltung absagen").click()
    await office.wait_for_load_state()
    main = await text_of(office.locator("main"))
    assert "Die Veranstaltung ist abgesagt." in main and "Die Referentin ist erkrankt." in main
    assert await office.get_by_role("link", name="Bearbeiten").count() == 0
    await office.context.close()


async def test_an_event_collecting_esf_figures_takes_them_from_its_organisers(
    browser: Any, web: Web, suite: Suite
) -> None:
    title = f"Fachtag Berufsorientierung {uuid.uuid4().hex[:6]}"
    office = await _office(browser, web)
    await office.goto(f"{web.url}/veranstaltungen/verwalten/neu")
    await office.get_by_label("Erfasst ESF+-Teilnehmendendaten").check()
    await _plan(office, title, _day(20, 9), capacity="30")
    assert "Die Veranstaltung ist geplant." in await text_of(office.locator("main"))
    event_id = office.url.split("/veranstaltungen/verwalten/")[1].split("?")[0]
    section = office.locator("section[aria-labelledby=teilnehmende-esf]")
    assert await text_of(section.get_by_role("heading")) == "Teilnehmende (ESF+)"
    table = section.get_by_role("group", name="Teilnehmende nach Geschlecht und Altersgruppe")
    assert await table.get_by_role("textbox").count() == 16
    assert await check_accessibility(office) == []

    save = section.get_by_role("button", name="Teilnehmende speichern")
    await save.click()
    await office.wait_for_load_state()
    assert "nach Geschlecht und Altersgruppe an" in await error_of(office, "esf")
    await table.get_by_label("weiblich, 30 bis 54 Jahre").fill("9")
    await table.get_by_label("männlich, 55 Jahre und älter").fill("-2")
    await save.click()
    await office.wait_for_load_state()
    assert "ganze Zahl" in await error_of(office, "esf_male_55_plus")
    assert await table.get_by_label("weiblich, 30 bis 54 Jahre").input_value() == "9"
    assert await check_accessibility(office) == []

    await table.get_by_label("männlich, 55 Jahre und älter").fill("2")
    await table.get_by_label("keine Angabe, 18 bis 29 Jahre").fill("1")
    await save.click()
    await office.wait_for_load_state()
    assert "Die Teilnehmenden (ESF+) sind gespeichert." in await text_of(office.locator("main"))
    assert await table.get_by_label("weiblich, 30 bis 54 Jahre").input_value() == "9"
    assert await table.get_by_label("männlich, 55 Jahre und älter").input_value() == "2"
    assert await check_accessibility(office) == []
    async with suite.client("meetings") as meetings:
        stored = ok(
            await meetings.get(
                f"/meetings/{event_id}/participant-figures",
                headers=suite.auth("network_office", "boerde"),
            )
        )
    assert stored["participants"] == {
        "female": {"30_54": 9},
        "male": {"55_plus": 2},
        "not_stated": {"18_29": 1},
    }

    # the edit form keeps the choice; a cancelled event shows the figures, no form
    await office.goto(f"{web.url}/veranstaltungen/verwalten/{event_id}/bearbeiten")
    assert await office.get_by_label("Erfasst ESF+-Teilnehmendendaten").is_checked()
    await office.goto(f"{web.url}/veranstaltungen/verwalten/{event_id}/absagen")
    await office.get_by_role("button", name="Veranstaltung absagen").click()
    await office.wait_for_load_state()
    assert await section.get_by_role("button", name="Teilnehmende speichern").count() == 0
    assert "weiblich 0 0 9 0" in await text_of(section.locator("#esf-zahlen"))
    assert await check_accessibility(office) == []
    await office.context.close()


def _form(**values: str) -> FormData:
    typed = {"kind": "training", "title": "Fachtag", "starts": "", "ends": "", **values}
    return FormData(list(typed.items()))


def test_the_event_form_reads_german_moments_and_refuses_what_is_no_moment() -> None:
    starts = _day(10, 14)
    body, errors = forms.event_body(
        _form(
            starts=_typed(starts),
            ends=f"{(starts + timedelta(hours=3)):%Y-%m-%dT%H:%M}",  # ISO, as a date-time input sends
            capacity="1.000",
            deadline=f"{(starts - timedelta(days=2)):%d.%m.%Y, %H.%M} Uhr",
            public="ja",
        ),
        {"boerde": "Börde"},
        new=True,
    )
    assert errors == []
    assert body["region"] == "boerde" and body["capacity"] == 1000 and body["public"] is True
    assert datetime.fromisoformat(body["starts_at"]) == starts
    assert datetime.fromisoformat(body["ends_at"]) == starts + timedelta(hours=3)
    assert body["registration_deadline"] is not None and body["online_url"] is None

    for typed in ("31.02.2027 10:00", "10.03.2027 25:00", "10.03.2027", "nächste Woche"):
        assert forms.read_moment(typed) is None, typed
    _, errors = forms.event_body(
        _form(starts=_typed(starts), ends=_typed(starts), capacity="-3", online_url="ftp://x"),
        {"boerde": "Börde", "harz": "Harz"},
        new=True,
    )
    assert {e["field"] for e in errors} == {"region", "ends", "capacity", "online_url"}
