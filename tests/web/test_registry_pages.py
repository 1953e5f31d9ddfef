"""The registry through the pages: the Börde office creates a provider and a school (a German
error beside the field first), changes the school while someone else changed it too (a German
message, nothing typed is lost), imports 900 schools from a CSV without JavaScript (a few bad
rows: the per-row report in German), finds an imported school by search, creates a person and
erases their data, uploads a material; the Harz office sees none of Börde's non-public data and
may change none of its entries. axe-core clean on every page."""

from __future__ import annotations

import uuid
from typing import Any

from e2e.flow import ok
from suite_support import Suite
from web_support import Web, check_accessibility, sign_in

REGION, OTHER = "boerde", "harz"
# Its 900 imported schools would fill every other module's school lists of Börde.
OWN_SUITE = True
RUN = uuid.uuid4().hex[:6]
PROVIDER = f"AWO Kreisverband Börde e.V. {RUN}"
SCHOOL = f"Grundschule Am Park {RUN}"
NUMBER = f"9{int(RUN, 16) % 10_000_000:07d}"
PERSON = f"Erika Mustermann {RUN}"

# What the tests of this module hand on to the next (they run in file order on one worker).
made: dict[str, Any] = {}


async def _text(page: Any, selector: str = "main") -> str:
    return str(await page.locator(selector).inner_text()).replace("\xa0", " ")


async def _office(browser: Any, web: Web, region: str, *, javascript: bool = True) -> Any:
    context = await browser.new_context(
        locale="de-DE", timezone_id="Europe/Berlin", java_script_enabled=javascript
    )
    page = await context.new_page()
    await sign_in(page, web, role="network_office", region=region, name=f"Netzwerkstelle {region}")
    return page


async def _save(page: Any) -> None:
    await page.get_by_role("button", name="Speichern").click()
    await page.wait_for_load_state()


async def test_office_creates_a_provider_and_a_school_with_german_errors(
    browser: Any, web: Web
) -> None:
    page = await _office(browser, web, REGION)
    await page.goto(f"{web.url}/traeger")
    assert await check_accessibility(page) == []
    await page.get_by_role("link", name="Neuer Träger").click()
    await page.wait_for_load_state()
    await page.get_by_label("Name", exact=True).fill(PROVIDER)
    await page.get_by_label("Art").select_option("free_youth_welfare")
    await page.get_by_label("Postleitzahl (optional)").fill("3934")
    await _save(page)
    summary = page.get_by_role("alert")
    assert "fünf Ziffern" in await summary.inner_text()
    assert "fünf Ziffern" in await _text(page, "#feld-postal_code-fehler")
    assert await page.get_by_label("Name", exact=True).input_value() == PROVIDER
    assert await check_accessibility(page) == []

    await page.get_by_label("Postleitzahl (optional)").fill("39340")
    await page.get_by_label("Ort (optional)").fill("Haldensleben")
    await _save(page)
    assert "/traeger/" in page.url and "erfolg=angelegt" in page.url
    main = await _text(page)
    assert PROVIDER in main and "Freier Träger der Jugendhilfe" in main and "Börde" in main
    made["provider"] = page.url.split("/traeger/")[1].split("?")[0]
    assert await check_accessibility(page) == []

    await page.goto(f"{web.url}/schulen/neu")
    await page.get_by_label("Schulnummer").fill(NUMBER)
    await page.get_by_label("Name der Schule").fill(SCHOOL)
    await page.get_by_label("Schulform").select_option("grundschule")
    await page.get_by_label("Ort (optional)").fill("Haldensleben")
    await page.get_by_label("An der Schule gibt es Schulsozialarbeit").check()
    await page.get_by_label("Träger der Schulsozialarbeit (optional)").select_option(
        made["provider"]
    )
    assert await check_accessibility(page) == []
    await _save(page)
    assert "erfolg=angelegt" in page.url
    main = await _text(page)
    assert SCHOOL in main and NUMBER in main and PROVIDER in main
    made["school"] = page.url.split("/schulen/")[1].split("?")[0]
    assert await check_accessibility(page) == []

    # the same number again: the registry's rule, in German, beside the field
    await page.goto(f"{web.url}/schulen/neu")
    await page.get_by_label("Schulnummer").fill(NUMBER)
    await page.get_by_label("Name der Schule").fill(f"Zweite Schule {RUN}")
    await page.get_by_label("Schulform").select_option("gymnasium")
    await _save(page)
    assert "Diese Schulnummer hat schon eine andere Schule" in await _text(
        page, "#feld-school_number-fehler"
    )
    await page.get_by_role("alert").get_by_role("link").first.click()
    assert await page.evaluate("document.activeElement.id") == "feld-school_number"
    assert await check_accessibility(page) == []
    await page.context.close()


async def test_a_concurrent_edit_gets_a_german_message_and_loses_nothing(
    browser: Any, web: Web, suite: Suite
) -> None:
    page = await _office(browser, web, REGION)
    await page.goto(f"{web.url}/schulen/{made['school']}/bearbeiten")
    await page.get_by_label("Straße und Hausnummer (optional)").fill("Parkweg 7")
    # meanwhile someone else changes the school
    async with suite.client("registry") as registry:
        office = suite.auth("network_office", REGION, sub="someone-else")
        current = ok(await registry.get(f"/schools/{made['school']}"))
        ok(
            await registry.patch(
                f"/schools/{made['school']}",
                json={"phone": "03904 4711"},
                headers=office | {"If-Match": f'"{current["version"]}"'},
            )
        )
    await _save(page)
    assert "inzwischen geändert" in await page.get_by_role("alert").inner_text()
    field = page.get_by_label("Straße und Hausnummer (optional)")
    assert await field.input_value() == "Parkweg 7"
    # the other person's change is taken over, not overwritten with the old empty phone
    assert await page.get_by_label("Telefon (optional)").input_value() == "03904 4711"
    assert await check_accessibility(page) == []
    await _save(page)
    assert "erfolg=gespeichert" in page.url
    main = await _text(page)
    assert "Parkweg 7" in main and "03904 4711" in main
    await page.context.close()


def _csv(rows: int) -> tuple[bytes, str]:
    """900 schools of Börde and three bad rows; returns the file and a name to search for."""
    lines = ["school_number;name;school_type;street;postal_code;city;region;has_school_social_work"]
    for n in range(rows):
        kind = ("grundschule", "sekundarschule", "gymnasium")[n % 3]
        lines.append(
            f"8{RUN[:3]}{n:04d};Importschule {RUN} Nr. {n};{kind};Schulweg {n};39340;"
            f"Haldensleben;boerde;{'ja' if n % 2 else 'nein'}"
        )
    lines.append(f"8{RUN[:3]}9001;Kaputte Schule A;grundschule;Weg 1;3934;Ort;boerde;ja")
    lines.append(f"8{RUN[:3]}9002;Kaputte Schule B;waldorfschule;Weg 2;39340;Ort;boerde;ja")
    lines.append(f"8{RUN[:3]}0005;Doppelte Schule;grundschule;Weg 3;39340;Ort;boerde;nein")
    return ("\n".join(lines) + "\n").encode("utf-8"), f"Importschule {RUN} Nr. 778"


async def test_900_schools_import_through_the_page_without_javascript(
    browser: Any, web: Web, tmp_path: Any
) -> None:
    data, wanted = _csv(900)
    path = tmp_path / "schulen.csv"
    path.write_bytes(data)
    page = await _office(browser, web, REGION, javascript=False)
    await page.goto(f"{web.url}/schulen")
    await page.get_by_role("link", name="Schulen aus CSV importieren").click()
    await page.wait_for_load_state()

    # all-or-nothing first: nothing is written, the rows are reported
    await page.get_by_label("CSV-Datei", exact=True).set_input_files(str(path))
    await page.get_by_role("button", name="Importieren").click()
    await page.wait_for_load_state()
    assert "Nichts übernommen" in await _text(page)
    assert "0" == (await _text(page, "#import-zahlen dd >> nth=0")).strip()

    await page.get_by_label("CSV-Datei", exact=True).set_input_files(str(path))
    await page.get_by_label("Gültige Zeilen übernehmen, fehlerhafte melden").check()
    await page.get_by_role("button", name="Importieren").click()
    await page.wait_for_load_state()
    counts = await _text(page, "#import-zahlen")
    assert "Neu angelegt\n900" in counts and "Abgelehnt\n3" in counts, counts
    assert await page.locator("#import-fortschritt").get_attribute("value") == "903"
    table = await _text(page, "#abgelehnte-zeilen")
    assert "902" in table and "Die Postleitzahl hat fünf Ziffern" in table
    assert "Unbekannte Schulform" in table and "„waldorfschule“" in table
    assert "steht schon in Zeile 7" in table
    assert "got" not in table  # German only
    await page.context.close()

    # the list finds an imported school by search (axe runs with JavaScript: it is a script)
    page = await _office(browser, web, REGION)
    await page.goto(f"{web.url}/schulen")
    await page.get_by_label("Suche", exact=True).fill(wanted)
    await page.get_by_label("Schulform").select_option("sekundarschule")
    await page.get_by_role("button", name="Anzeigen").click()
    await page.wait_for_load_state()
    assert "q=" in page.url and "schulform=sekundarschule" in page.url
    await page.get_by_role("link", name=wanted).click()
    await page.wait_for_load_state()
    assert wanted in await _text(page)
    made["imported"] = page.url.split("/schulen/")[1].split("?")[0]

    # paging keeps the filters; the CSV has the import's columns
    await page.goto(f"{web.url}/schulen?q=Importschule+{RUN}")
    assert await check_accessibility(page) == []
    await page.get_by_role("link", name="Weitere Schulen").click()
    await page.wait_for_load_state()
    assert "cursor=" in page.url and f"q=Importschule+{RUN}" in page.url
    assert "Importschule" in await _text(page, "table")
    csv_reply = await page.request.get(f"{web.url}/schulen.csv", params={"q": wanted})
    assert csv_reply.status == 200
    text = await csv_reply.text()
    assert text.lstrip("\ufeff").startswith("school_number;name;school_type")
    assert wanted in text
    await page.context.close()


async def test_an_office_creates_a_person_at_a_school_and_uploads_a_material(
    browser: Any, web: Web, tmp_path: Any
) -> None:
    page = await _office(browser, web, REGION)
    await page.goto(f"{web.url}/schulen/{made['school']}")
    await page.get_by_role("link", name="Person an dieser Schule anlegen").click()
    await page.wait_for_load_state()
    await page.get_by_label("Name", exact=True).fill(PERSON)
    await page.get_by_label("Funktion").select_option("principal")
    await page.get_by_label("E-Mail (optional)").fill("keine-adresse")
    await _save(page)
    assert "gültige E-Mail-Adresse" in await _text(page, "#feld-email-fehler")
    await page.get_by_label("E-Mail (optional)").fill(f"erika.{RUN}@schule.example")
    await _save(page)
    assert "erfolg=angelegt" in page.url
    main = await _text(page)
    assert PERSON in main and SCHOOL in main and f"erika.{RUN}@schule.example" in main
    made["person"] = page.url.split("/personen/")[1].split("?")[0]
    assert await check_accessibility(page) == []

    await page.goto(f"{web.url}/personen?q={PERSON.split()[0]}")
    assert PERSON in await _text(page, "table")
    assert await check_accessibility(page) == []

    # materials of the region: upload, then the list links the download
    path = tmp_path / "leitfaden.txt"
    path.write_text("Handlungsleitfaden Kindeswohl\n", encoding="utf-8")
    await page.goto(f"{web.url}/materialien")
    assert await check_accessibility(page) == []
    await page.get_by_role("button", name="Hochladen").click()
    await page.wait_for_load_state()
    assert "Bitte geben Sie einen Titel an" in await _text(page, "#feld-title-fehler")
    await page.get_by_label("Titel").fill(f"Handlungsleitfaden {RUN}")
    await page.get_by_label("Datei", exact=True).set_input_files(str(path))
    await page.get_by_role("button", name="Hochladen").click()
    await page.wait_for_load_state()
    assert "erfolg=hochgeladen" in page.url
    assert f"Handlungsleitfaden {RUN}" in await _text(page)
    assert await page.get_by_role("link", name="Seite der Region").get_attribute("href") == (
        f"/regionen/{REGION}"
    )
    assert await check_accessibility(page) == []
    await page.context.close()


async def test_another_regions_office_sees_no_non_public_data(browser: Any, web: Web) -> None:
    page = await _office(browser, web, OTHER)
    # schools and providers are public: readable, but not to be changed
    await page.goto(f"{web.url}/schulen/{made['school']}")
    assert SCHOOL in await _text(page)
    assert await page.get_by_role("link", name="Bearbeiten").count() == 0
    assert await page.get_by_role("link", name="Person an dieser Schule anlegen").count() == 0
    assert PERSON not in await _text(page)  # the school's non-public person
    assert await check_accessibility(page) == []
    for path in (
        f"/schulen/{made['school']}/bearbeiten",
        f"/traeger/{made['provider']}/bearbeiten",
        f"/personen/{made['person']}/loeschen",
    ):
        response = await page.goto(f"{web.url}{path}")
        assert response.status in (403, 404), path
    # the person is not public: neither listed nor readable
    response = await page.goto(f"{web.url}/personen/{made['person']}")
    assert response.status == 404
    await page.goto(f"{web.url}/personen?q={PERSON.split()[0]}")
    assert PERSON not in await _text(page)
    assert await check_accessibility(page) == []
    # materials: only Harz's own
    await page.goto(f"{web.url}/materialien")
    assert f"Handlungsleitfaden {RUN}" not in await _text(page)
    # an import of Börde's schools is refused row by row, in German
    data = (
        "school_number;name;school_type;street;postal_code;city;region;has_school_social_work\n"
        f"{NUMBER};Übernahme;grundschule;Weg 1;39340;Ort;boerde;ja\n"
    ).encode()
    await page.goto(f"{web.url}/schulen/import")
    await page.get_by_label("CSV-Datei", exact=True).set_input_files(
        files=[{"name": "fremd.csv", "mimeType": "text/csv", "buffer": data}]
    )
    assert await check_accessibility(page) == []
    # with JavaScript the progress shows once the form is sent (here held back in the page)
    status = page.locator("[data-upload-status]")
    assert not await status.is_visible()
    form = "document.querySelector('[data-upload-progress]')"
    await page.evaluate(f"{form}.addEventListener('submit', (e) => e.preventDefault())")
    await page.get_by_role("button", name="Importieren").click()
    assert await status.is_visible()
    assert "wird hochgeladen" in await status.inner_text()
    await page.evaluate(f"{form}.submit()")  # now for real (submit() skips the listeners)
    await page.locator("#abgelehnte-zeilen").wait_for()
    assert "Schulen der Region „boerde“ dürfen Sie nicht" in await _text(page, "#abgelehnte-zeilen")
    assert await check_accessibility(page) == []
    await page.context.close()


async def test_erasing_a_person_goes_through_the_erasure_flow(
    browser: Any, web: Web, suite: Suite
) -> None:
    page = await _office(browser, web, REGION)
    await page.goto(f"{web.url}/personen/{made['person']}")
    await page.get_by_role("link", name="Personendaten löschen").click()
    await page.wait_for_load_state()
    assert "Löschauftrag" in await _text(page)
    assert await check_accessibility(page) == []
    # changed meanwhile: the page asks again instead of erasing what was not seen
    async with suite.client("registry") as registry:
        office = suite.auth("network_office", REGION, sub="someone-else")
        ok(
            await registry.patch(
                f"/persons/{made['person']}", json={"phone": "03904 1234"}, headers=office
            )
        )
    await page.get_by_role("button", name="Endgültig löschen").click()
    await page.wait_for_load_state()
    assert "inzwischen geändert" in await page.get_by_role("alert").inner_text()
    assert "/loeschen" in page.url
    await page.get_by_role("button", name="Endgültig löschen").click()
    await page.wait_for_load_state()
    assert "erfolg=geloescht" in page.url
    assert "personenbezogenen Daten sind gelöscht" in await _text(page)
    response = await page.goto(f"{web.url}/personen/{made['person']}")
    assert response.status == 404
    await page.context.close()
