"""Issue 17's first must-show: an office worker's journey only through the pages, in Chromium
against the real suite (a fresh suite for this module: nothing seeded through the APIs).

Börde's office creates a provider and a school, imports 900 schools from a CSV (the progress
and the per-row report shown), creates three persons and a steering group with them as voting
members, a fund that group decides, and a session of it. The school drafts and submits an
application on its pages (the office's advice in between, on the application's page); the
application appears on the session's agenda by itself. The office records attendance and the
decision with votes, writes the minutes and publishes them; the school sees the decision on its
application's page and in its inbox. axe-core is clean on every page of the journey."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from e2e.flow import until
from money_support import text_of
from web_support import Web, check_accessibility, sign_in

# Its 900 imported schools would fill every other module's school lists of Börde.
OWN_SUITE = True
RUN = uuid.uuid4().hex[:6]
PROVIDER = f"Kinder- und Jugendhilfe Börde e.V. {RUN}"
SCHOOL = f"Sekundarschule Oschersleben {RUN}"
NUMBER = f"7{int(RUN, 16) % 10_000_000:07d}"
COMMITTEE = f"Steuergruppe Börde {RUN}"
FUND = f"Schulprojekte Börde 2027 {RUN}"
SESSION = f"Steuergruppensitzung {RUN}"
MEMBERS = [f"Mitglied {n} {RUN}" for n in ("Anders", "Berger", "Claus")]
TITLE = f"Lesepaten für die Klassen 5 {RUN}"
CONTACT = f"lesepaten-{RUN}@schule-oschersleben.example"
MINUTES = f"# Ergebnisse\n\nDer Antrag „{TITLE}“ ist **bewilligt**."
ID = re.compile(r"/([0-9a-f-]{36})(?:[/?]|$)")


def _id(url: str) -> str:
    found = ID.search(url)
    assert found, url
    return found.group(1)


async def _new_page(browser: Any) -> Any:
    context = await browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    return await context.new_page()


async def _accessible(page: Any) -> None:
    assert await check_accessibility(page) == [], page.url


async def _submit(page: Any, button: str) -> None:
    await page.get_by_role("button", name=button, exact=True).click()
    await page.wait_for_load_state()


def _csv(path: Path, rows: int) -> None:
    lines = ["school_number;name;school_type;street;postal_code;city;region;has_school_social_work"]
    for n in range(rows):
        kind = ("grundschule", "sekundarschule", "gymnasium")[n % 3]
        lines.append(
            f"6{RUN[:3]}{n:04d};Importschule {RUN} Nr. {n};{kind};Schulweg {n};39387;"
            f"Oschersleben;boerde;{'ja' if n % 2 else 'nein'}"
        )
    lines.append(f"6{RUN[:3]}9001;Kaputte Schule {RUN};grundschule;Weg 1;3938;Ort;boerde;ja")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


async def _registry(office: Any, web: Web, tmp_path: Path) -> dict[str, str]:
    """Provider, school, the 900-school import and three persons, through the pages."""
    made: dict[str, str] = {}
    await office.goto(f"{web.url}/traeger/neu")
    await _accessible(office)
    await office.get_by_label("Name", exact=True).fill(PROVIDER)
    await office.get_by_label("Art").select_option("free_youth_welfare")
    await _submit(office, "Speichern")
    assert "erfolg=angelegt" in office.url and PROVIDER in await text_of(office.locator("main"))
    made["provider"] = _id(office.url)
    await _accessible(office)

    await office.goto(f"{web.url}/schulen/neu")
    await office.get_by_label("Schulnummer").fill(NUMBER)
    await office.get_by_label("Name der Schule").fill(SCHOOL)
    await office.get_by_label("Schulform").select_option("sekundarschule")
    await office.get_by_label("Ort (optional)").fill("Oschersleben")
    await _accessible(office)
    await _submit(office, "Speichern")
    assert "erfolg=angelegt" in office.url and SCHOOL in await text_of(office.locator("main"))
    made["school"] = _id(office.url)
    await _accessible(office)

    # 900 schools from a CSV: the progress element while sending, then the per-row report
    path = tmp_path / "schulen.csv"
    _csv(path, 900)
    await office.goto(f"{web.url}/schulen/import")
    await _accessible(office)
    assert await office.locator("form [data-upload-status]").count() == 1  # the progress shown
    await office.get_by_label("CSV-Datei", exact=True).set_input_files(str(path))
    await office.get_by_label("Gültige Zeilen übernehmen, fehlerhafte melden").check()
    await _submit(office, "Importieren")
    counts = await office.locator("#import-zahlen").inner_text()
    assert "Neu angelegt\n900" in counts and "Abgelehnt\n1" in counts, counts
    assert await office.locator("#import-fortschritt").get_attribute("value") == "901"
    rejected = await text_of(office.locator("#abgelehnte-zeilen"))
    assert "902" in rejected and "Die Postleitzahl hat fünf Ziffern" in rejected
    await _accessible(office)
    await office.goto(f"{web.url}/schulen?q=Importschule+{RUN}+Nr.+899")
    assert f"Importschule {RUN} Nr. 899" in await text_of(office.locator("main"))

    # the steering group's members, persons of the region's directory
    for n, name in enumerate(MEMBERS):
        await office.goto(f"{web.url}/personen/neu")
        await office.get_by_label("Name", exact=True).fill(name)
        await office.get_by_label("Funktion").select_option("other")
        await office.get_by_label("E-Mail (optional)").fill(f"mitglied{n}-{RUN}@boerde.example")
        await office.locator("#feld-region").select_option("boerde")  # no organisation
        if n == 0:
            await _accessible(office)
        await _submit(office, "Speichern")
        shown = await text_of(office.locator("main"))
        assert "erfolg=angelegt" in office.url and name in shown, shown[:600]
    await office.goto(f"{web.url}/personen?q={RUN}")
    listed = await text_of(office.locator("main"))
    assert all(name in listed for name in MEMBERS)
    await _accessible(office)
    return made


async def _committee_fund_and_session(office: Any, web: Web) -> str:
    """The steering group with three voting members, the fund it decides, a session of it
    (its id)."""
    await office.goto(f"{web.url}/gremien")
    await _accessible(office)
    await office.get_by_label("Name des Gremiums").fill(COMMITTEE)
    await office.get_by_label("Art").select_option(label="Steuergruppe")
    await _submit(office, "Gremium anlegen")
    assert "Das Gremium ist angelegt." in await text_of(office.locator("main"))
    committee_url = office.url.split("?")[0]
    for name in MEMBERS:

        async def seated(name: str = name) -> bool:  # once the person is known to meetings
            await office.goto(committee_url)
            options = await office.get_by_label("Person").locator("option").all_inner_texts()
            if name not in options:
                return False
            await office.get_by_label("Person").select_option(label=name)
            await office.get_by_label("Rolle").select_option(label="Mitglied")
            await office.get_by_label("Stimmrecht").select_option(label="Mit Stimmrecht")
            await _submit(office, "Mitglied eintragen")
            return "Das Mitglied ist eingetragen." in await text_of(office.locator("main"))

        await until(seated, timeout=90, interval=1)
    for name in MEMBERS:
        row = await text_of(office.get_by_role("row").filter(has_text=name))
        assert "ja" in row, row
    await _accessible(office)

    # the fund (offers learns the committee from meetings' events: until then a German refusal)
    async def fund_created() -> bool:
        await office.goto(f"{web.url}/foerderfonds/neu")
        committees = office.get_by_label("Entscheidendes Gremium").locator("option")
        if not any(COMMITTEE in c for c in await committees.all_inner_texts()):
            return False
        await office.get_by_label("Name", exact=True).fill(FUND)
        await office.get_by_label("Art", exact=True).select_option("school_project")
        await office.get_by_label("Region").select_option("boerde")
        await office.get_by_label("Beginn des Zeitraums").fill("1.1.2027")
        await office.get_by_label("Ende des Zeitraums").fill("31.12.2027")
        await office.get_by_label("Budget in Euro").fill("50.000,00")
        await office.get_by_label("Entscheidendes Gremium").select_option(
            label=f"{COMMITTEE} (Börde)"
        )
        await _submit(office, "Förderfonds anlegen")
        return "/neu" not in office.url and FUND in await text_of(office.locator("main"))

    await office.goto(f"{web.url}/foerderfonds/neu")
    await _accessible(office)
    await until(fund_created, timeout=90, interval=1)
    await _accessible(office)

    # the session, in three weeks
    day = datetime.now(UTC) + timedelta(days=21)
    await office.goto(f"{web.url}/sitzungen")
    await _accessible(office)
    form = office.get_by_role("region", name="Sitzung planen")
    await form.get_by_label("Gremium").select_option(label=COMMITTEE)
    await form.get_by_label("Titel").fill(SESSION)
    await form.get_by_label("Datum").fill(day.strftime("%d.%m.%Y"))
    await form.get_by_label("Beginn").fill("15:00")
    await form.get_by_label("Ende").fill("17:00")
    await form.get_by_label("Ort (optional)").fill("Oschersleben, Rathaus")
    await _submit(office, "Sitzung planen")
    assert "Die Sitzung ist geplant." in await text_of(office.locator("main"))
    await _accessible(office)
    return _id(office.url)


async def _school_applies(school: Any, office: Any, web: Web) -> str:
    """The school drafts; the office advises; the school submits (the application's id)."""
    await school.get_by_role("link", name="Neuen Antrag stellen").click()
    await school.wait_for_load_state()

    async def fund_offered() -> bool:  # offers knows the school and the fund's committee
        options = await school.get_by_label("Förderfonds").locator("option").all_inner_texts()
        if any(FUND in o for o in options):
            return True
        await school.reload()
        return False

    await until(fund_offered, timeout=90, interval=1)
    await _accessible(school)
    fund = school.get_by_label("Förderfonds").locator("option", has_text=FUND)
    await school.get_by_label("Förderfonds").select_option(await fund.get_attribute("value"))
    partners = school.get_by_role("group", name="Kooperationspartner")
    await partners.get_by_label(PROVIDER).check()
    await school.get_by_label("Titel", exact=True).fill(TITLE)
    await school.get_by_label("Kurzbeschreibung").fill("Ältere lesen mit Jüngeren.")
    await school.get_by_label("Ziele", exact=True).fill("Lesefreude und Lesekompetenz.")
    await (
        school.get_by_role("group", name="Themen").get_by_label("Musik, Theater und Zirkus").check()
    )
    await school.get_by_role("group", name="Zielgruppen").get_by_label("Schüler:innen").check()
    planned = school.get_by_role("group", name="Geplante Teilnehmende")
    await planned.get_by_label("Schüler:innen").fill("30")
    await school.get_by_label("Beginn").fill("03.05.2027")
    await school.get_by_label("Ende", exact=True).fill("28.05.2027")
    await school.get_by_label("Telefon").fill("03949 1234")
    await school.get_by_label("Kategorie (Position 1)").select_option("materials")
    await school.get_by_label("Beschreibung (Position 1)").fill("Bücher")
    await school.get_by_label("Betrag in Euro (Position 1)").fill("1.500,00")
    await _submit(school, "Entwurf speichern")
    await school.wait_for_url(re.compile(r"/pruefen$"))
    app_id = _id(school.url)
    await _accessible(school)

    await office.goto(f"{web.url}/antraege/{app_id}")
    await _accessible(office)
    await office.get_by_label("Notizen").fill("Beraten, Bücherliste abgestimmt.")
    await _submit(office, "Beratung erfassen")
    assert "Die Beratung ist erfasst" in await text_of(office.locator("main"))

    await school.goto(f"{web.url}/antraege/{app_id}/pruefen")
    await _submit(school, "Einreichen")
    await school.wait_for_url(f"**/antraege/{app_id}?erfolg=eingereicht")
    assert "Status: Eingereicht" in await text_of(school.locator("main"))
    await _accessible(school)
    return app_id


async def test_an_office_runs_the_programme_only_through_the_pages(
    browser: Any, web: Web, tmp_path: Path
) -> None:
    office = await _new_page(browser)
    await sign_in(office, web, role="network_office", region="boerde", name="Petra Schäfer")
    made = await _registry(office, web, tmp_path)
    session_id = await _committee_fund_and_session(office, web)

    school = await _new_page(browser)
    await sign_in(
        school, web, role="school", school=made["school"], name="Jana Weiß", email=CONTACT
    )
    app_id = await _school_applies(school, office, web)

    # the application arrives on the session's agenda by itself
    session_url = f"{web.url}/sitzungen/{session_id}"

    async def on_agenda() -> bool:
        await office.goto(session_url)
        return await office.get_by_role("region", name=TITLE).count() == 1

    await until(on_agenda, timeout=120, interval=1)
    item = office.get_by_role("region", name=TITLE)
    shown = await text_of(item)
    assert "1.500,00 €" in shown and SCHOOL in shown
    await _accessible(office)

    # attendance, then the decision with votes
    attendance = office.get_by_role("group", name="Anwesenheit")
    for name in MEMBERS:
        await attendance.get_by_label(name, exact=True).check()
    await _submit(office, "Anwesenheit speichern")
    assert "Die Anwesenheit ist gespeichert" in await text_of(office.get_by_role("status"))
    item = office.get_by_role("region", name=TITLE)
    await item.get_by_label("Bewilligt", exact=True).check()
    await item.get_by_label("Bewilligter Betrag in Euro").fill("1.200,00")
    await item.get_by_label("Ja-Stimmen").fill("2")
    await item.get_by_label("Nein-Stimmen").fill("1")
    await item.get_by_label("Enthaltungen").fill("0")
    await _submit(office, "Beschluss erfassen")
    shown = await text_of(office.get_by_role("region", name=TITLE))
    assert "Beschluss: bewilligt, 1.200,00 €" in shown and "2 Ja, 1 Nein, 0 Enthaltungen" in shown
    await _accessible(office)

    # the minutes: written, saved, published once
    await office.get_by_role("textbox", name="Protokoll").fill(MINUTES)
    await _submit(office, "Protokoll speichern")
    assert "Das Protokoll ist gespeichert" in await text_of(office.get_by_role("status"))
    await _submit(office, "Protokoll veröffentlichen")
    assert "Das Protokoll ist veröffentlicht" in await text_of(office.get_by_role("status"))
    section = office.get_by_role("region", name="Protokoll")
    assert await section.get_by_role("heading", name="Ergebnisse").count() == 1
    assert await office.get_by_role("button", name="Protokoll veröffentlichen").count() == 0
    await _accessible(office)

    # the school sees the decision (offers applies the committee's decision by itself)
    async def decided() -> bool:
        await school.goto(f"{web.url}/antraege/{app_id}")
        return "Status: Bewilligt" in await text_of(school.locator("main"))

    await until(decided, timeout=120, interval=1)
    assert "1.200,00 €" in await text_of(school.locator("main"))
    await _accessible(school)

    async def in_inbox() -> bool:
        await school.goto(f"{web.url}/posteingang")
        entries = await text_of(school.locator("main"))
        return TITLE in entries and "bewilligt" in entries

    await until(in_inbox, timeout=120, interval=1)
    await _accessible(school)
    await school.context.close()
    await office.context.close()
