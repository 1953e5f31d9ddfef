"""„Gremien und Sitzungen“ through the pages: the office sees its committee's session with a
submitted application that arrived on the agenda by itself, with the application's summary and
the office's recommendation; a decision without quorum is refused with the German reason, a
negative amount gets a message beside the field; the office records attendance and the decision
with votes, and offers shows the application approved. Minutes in Markdown: preview (tags typed
stay text), save, publish once; a steering member reads agenda and minutes and finds no form.
A session is planned and a committee set up with a member and a quorum without JavaScript.
Another region's office gets no session page. A steering member reads the region's committees
(ARCHITECTURE: "read what the own region's committees decide on"), another region's steering
member none of them; the member subscribes to the calendar of the committee they sit in: the secret
link, fetched without any cookie, holds its non-public session and not the other committee's;
renewed, the old link is 404; ended, the new one too. axe clean on every page."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from applications_support import ready_network
from e2e.flow import Network, ok, until
from icalendar import Calendar
from money_support import change_fund, fees, project, submitted, text_of
from starlette.datastructures import FormData
from suite_support import Suite
from web_support import Web, check_accessibility, sign_in

from web.sessions import forms, service

TITLE = f"Streitschlichtung „Fair miteinander“ ({uuid.uuid4().hex[:6]})"
CRITERIA = [{"name": "Gesamteindruck", "weight": 1, "max_points": 100}]


@pytest.fixture(scope="module")
async def net(suite: Suite) -> Network:
    return await ready_network(suite, schools=1)


@pytest.fixture(scope="module")
async def item(net: Network) -> dict[str, Any]:
    """A submitted application for 1.000 €, on the session's agenda by itself, assessed with
    82 of 100 points and the recommendation to approve 800 € (through the APIs)."""
    await change_fund(net, {"assessment_criteria": CRITERIA})
    app = await submitted(net, project(net, TITLE, [fees(100000, "Trainerin")]))
    async with net.suite.client("offers") as offers:
        ok(
            await offers.put(
                f"/applications/{app['id']}/assessment",
                json={
                    "scores": [{"criterion": "Gesamteindruck", "points": 82}],
                    "recommendation": "approve",
                    "recommended_cents": 80000,
                },
                headers=net.office,
            )
        )

    async with net.suite.client("meetings") as meetings:

        async def assessed_on_agenda() -> dict[str, Any] | None:
            response = await meetings.get(
                f"/meetings/{net.session['id']}/agenda", headers=net.office
            )
            found = [i for i in ok(response)["items"] if i["application_id"] == app["id"]]
            return found[0] if found and found[0]["recommendation"] else None

        found: dict[str, Any] = await until(assessed_on_agenda, timeout=90, interval=0.5)
    return found


@pytest.fixture(scope="module")
async def steering(net: Network) -> dict[str, Any]:
    """A steering member of Börde who sits in the net's committee (a registry person whose
    ``user_sub`` is the development sign-in's subject for their e-mail address), and a second
    Börde committee without them, with a non-public session of its own."""
    tag = uuid.uuid4().hex[:6]
    email = f"greta-{tag}@boerde.example"
    # web.auth.service.development_token: the subject of a development sign-in
    basis = "|".join([email, "steering_member", "boerde", "", ""])
    sub = "local-" + hashlib.sha256(basis.encode()).hexdigest()[:20]
    person = await _seated_person(
        net,
        {
            "name": f"Greta Steuer {tag}",
            "function": "other",
            "email": email,
            "user_sub": sub,
            "organization_id": net.youth_office["id"],
        },
        voting=False,
    )
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=12)
    async with net.suite.client("meetings") as meetings:
        other = ok(
            await meetings.post(
                "/committees",
                json={
                    "name": f"AK Gewaltprävention {tag}",
                    "kind": "working_group",
                    "region": "boerde",
                },
                headers=net.office,
            ),
            201,
        )
        other_session = ok(
            await meetings.post(
                "/meetings",
                json={
                    "kind": "committee_session",
                    "committee_id": other["id"],
                    "title": f"Sitzung des AK {tag}",
                    "region": "boerde",
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(hours=2)).isoformat(),
                },
                headers=net.office,
            ),
            201,
        )
    return {"email": email, "person": person, "other": other, "other_session": other_session}


async def _steering_member(browser: Any, web: Web, steering: dict[str, Any]) -> Any:
    page = await (await browser.new_context(locale="de-DE")).new_page()
    await sign_in(page, web, role="steering_member", region="boerde", email=steering["email"])
    return page


async def _seated_person(net: Network, body: dict[str, Any], *, voting: bool) -> dict[str, Any]:
    """A registry person of ``body``, seated in the net's committee as a member."""
    async with net.suite.client("registry") as registry:
        person = ok(await registry.post("/persons", json=body, headers=net.office), 201)
    async with net.suite.client("meetings") as meetings:

        async def seated() -> bool:  # once meetings knows the person from registry's event
            response = await meetings.post(
                f"/committees/{net.committee['id']}/members",
                json={"person_id": person["id"], "role": "member", "voting": voting},
                headers=net.office,
            )
            return response.status_code in (200, 201)

        await until(seated, timeout=60, interval=0.5)
    return person


async def _seat_a_partner_member(net: Network) -> dict[str, Any]:
    """A voting member from the application's partner organisation (recused from its vote)."""
    body = {
        "name": f"Jana Krause {uuid.uuid4().hex[:4]}",
        "function": "provider_contact",
        "email": f"krause-{uuid.uuid4().hex[:6]}@awo.example",
        "organization_id": net.provider["id"],
    }
    return await _seated_person(net, body, voting=True)


async def _office(
    browser: Any, web: Web, *, javascript: bool = True, region: str = "boerde"
) -> Any:
    context = await browser.new_context(locale="de-DE", java_script_enabled=javascript)
    page = await context.new_page()
    await sign_in(page, web, role="network_office", region=region, name="Petra Schäfer")
    return page


async def test_the_office_decides_an_application_that_arrived_on_the_agenda(
    browser: Any, web: Web, net: Network, item: dict[str, Any]
) -> None:
    partner = await _seat_a_partner_member(net)  # 4 voting members: quorum 3
    present = [*net.members, partner]
    office = await _office(browser, web)
    await office.goto(f"{web.url}/sitzungen")
    row = office.get_by_role("row").filter(has_text=net.session["title"])
    assert net.committee["name"] in await text_of(row)
    assert await check_accessibility(office) == []
    await row.get_by_role("link", name=net.session["title"]).click()
    await office.wait_for_load_state()
    assert office.url.endswith(f"/sitzungen/{net.session['id']}")
    assert await text_of(office.get_by_role("heading", level=1)) == net.session["title"]

    # the item is a region named by the application's title: summary and recommendation
    region = office.get_by_role("region", name=TITLE)
    shown = await text_of(region)
    assert "Empfehlung der Netzwerkstelle: Bewilligen" in shown
    assert "Bewertung: 82 von 100 Punkten" in shown
    assert "Empfohlener Betrag: 800,00 €" in shown
    assert "1.000,00 €" in shown and net.schools[0]["name"] in shown
    assert f"Befangen, stimmen bei diesem Punkt nicht mit: {partner['name']}" in shown
    link = region.get_by_role("link", name=f"Antrag ansehen: {TITLE}")
    assert await link.get_attribute("href") == f"/antraege/{item['application_id']}"
    assert await check_accessibility(office) == []

    # nobody recorded as present: refused with the reason
    await region.get_by_label("Bewilligt", exact=True).check()
    await region.get_by_label("Ja-Stimmen").fill("3")
    await region.get_by_role("button", name="Beschluss erfassen").click()
    await office.wait_for_load_state()
    alert = await text_of(office.get_by_role("alert"))
    assert "Die Gremiensitzung ist nicht beschlussfähig" in alert
    assert "Anwesend sind 0 stimmberechtigte Mitglieder, nötig sind mindestens 3" in alert
    assert await check_accessibility(office) == []

    # a negative amount: a message beside the field, the typed value kept
    region = office.get_by_role("region", name=TITLE)
    amount = region.get_by_label("Bewilligter Betrag in Euro")
    await amount.fill("-5")
    await region.get_by_role("button", name="Beschluss erfassen").click()
    await office.wait_for_load_state()
    error = office.locator(f"#feld-approved-{item['id']}-fehler")
    assert "größer als 0 €" in await text_of(error)
    assert (
        await office.get_by_role("region", name=TITLE)
        .get_by_label("Bewilligter Betrag in Euro")
        .input_value()
        == "-5"
    )
    assert await check_accessibility(office) == []

    # attendance: one checkbox per member, labelled with the name; three present, but one of
    # them recused: still no quorum, and the reason says so
    attendance = office.get_by_role("group", name="Anwesenheit")
    for member in present[1:]:
        await attendance.get_by_label(member["name"], exact=True).check()
    await office.get_by_role("button", name="Anwesenheit speichern").click()
    await office.wait_for_load_state()
    assert "Die Anwesenheit ist gespeichert" in await text_of(office.get_by_role("status"))
    region = office.get_by_role("region", name=TITLE)
    await region.get_by_label("Bewilligt", exact=True).check()
    await region.get_by_role("button", name="Beschluss erfassen").click()
    await office.wait_for_load_state()
    alert = await text_of(office.get_by_role("alert"))
    assert "nicht beschlussfähig: Ohne die befangenen Mitglieder sind weniger als 3" in alert

    # with the keyboard: the fourth member ticked with the space bar, saved with Enter
    attendance = office.get_by_role("group", name="Anwesenheit")
    await attendance.get_by_label(present[0]["name"], exact=True).focus()
    await office.keyboard.press("Space")
    await office.get_by_role("button", name="Anwesenheit speichern").focus()
    async with office.expect_navigation():
        await office.keyboard.press("Enter")
    assert "Die Anwesenheit ist gespeichert" in await text_of(office.get_by_role("status"))
    attendance = office.get_by_role("group", name="Anwesenheit")
    for member in present:
        assert await attendance.get_by_label(member["name"], exact=True).is_checked()
    assert "Anwesend sind 4 stimmberechtigte Mitglieder" in await text_of(office.locator("main"))

    region = office.get_by_role("region", name=TITLE)
    await region.get_by_label("Bewilligt", exact=True).check()
    await region.get_by_label("Bewilligter Betrag in Euro").fill("800,00")
    await region.get_by_label("Auflagen").fill("Fotodokumentation beifügen")
    await region.get_by_label("Ja-Stimmen").fill("2")
    await region.get_by_label("Nein-Stimmen").fill("0")
    await region.get_by_label("Enthaltungen").fill("1")
    await region.get_by_role("button", name="Beschluss erfassen").click()
    await office.wait_for_load_state()
    shown = await text_of(office.get_by_role("region", name=TITLE))
    assert "Beschluss: bewilligt, 800,00 €" in shown
    assert "Der Beschluss ist erfasst" in shown
    assert "2 Ja, 0 Nein, 1 Enthaltungen" in shown and "Fotodokumentation beifügen" in shown
    assert await office.get_by_role("button", name="Beschluss erfassen").count() == 0
    assert await check_accessibility(office) == []

    async def shown_approved() -> bool:  # offers applies the committee's decision by itself
        await office.reload()
        region = office.get_by_role("region", name=TITLE)
        return "Stand des Antrags Bewilligt" in await text_of(region)

    await until(shown_approved, timeout=90, interval=1)
    async with net.suite.client("offers") as offers:

        async def approved() -> dict[str, Any] | None:
            app = ok(
                await offers.get(f"/applications/{item['application_id']}", headers=net.office)
            )
            return app if app["status"] == "approved" else None

        app = await until(approved, timeout=90, interval=0.5)
    assert app["approved_cents"] == 80000
    await office.context.close()


async def test_minutes_are_previewed_saved_published_and_read_by_a_steering_member(
    browser: Any, web: Web, net: Network, item: dict[str, Any], steering: dict[str, Any]
) -> None:
    office = await _office(browser, web)
    await office.goto(f"{web.url}/sitzungen/{net.session['id']}")
    await office.get_by_role("button", name="Protokoll speichern").click()  # nothing written
    await office.wait_for_load_state()
    error = office.locator("#feld-minutes-fehler")
    assert "Bitte schreiben Sie das Protokoll." in await text_of(error)
    minutes = (
        "# Ergebnisse\n\n**Einstimmig** beschlossen. <script>alert(1)</script>\n\n- Punkt eins"
    )
    await office.get_by_role("textbox", name="Protokoll").fill(minutes)
    await office.get_by_role("button", name="Vorschau").click()
    await office.wait_for_load_state()
    preview = office.get_by_role("region", name="Vorschau")
    assert await preview.get_by_role("heading", name="Ergebnisse", level=3).count() == 1
    assert await text_of(preview.locator("strong")) == "Einstimmig"
    assert "<script>alert(1)</script>" in await text_of(preview)  # shown as text, not run
    assert await preview.locator("script").count() == 0
    assert (
        await office.get_by_role("textbox", name="Protokoll").input_value() == minutes
    )  # not stored yet
    assert await office.get_by_role("button", name="Protokoll veröffentlichen").count() == 0
    assert await check_accessibility(office) == []

    await office.get_by_role("button", name="Protokoll speichern").click()
    await office.wait_for_load_state()
    assert "Das Protokoll ist gespeichert" in await text_of(office.get_by_role("status"))
    assert await office.get_by_role("textbox", name="Protokoll").input_value() == minutes
    await office.get_by_role("button", name="Protokoll veröffentlichen").click()
    await office.wait_for_load_state()
    assert "Das Protokoll ist veröffentlicht" in await text_of(office.get_by_role("status"))
    section = office.get_by_role("region", name="Protokoll")
    assert await section.get_by_role("heading", name="Ergebnisse").count() == 1
    assert await office.get_by_role("textbox", name="Protokoll").count() == 0  # read-only now
    assert await office.get_by_role("button", name="Protokoll veröffentlichen").count() == 0
    assert await check_accessibility(office) == []
    await office.context.close()

    member = await _steering_member(browser, web, steering)
    await member.goto(f"{web.url}/sitzungen")
    assert net.session["title"] in await text_of(member.locator("main"))
    assert await member.locator("main form").count() == 0
    assert await check_accessibility(member) == []
    await member.goto(f"{web.url}/sitzungen/{net.session['id']}")
    shown = await text_of(member.get_by_role("region", name=TITLE))
    assert "Empfehlung der Netzwerkstelle: Bewilligen" in shown
    assert "Bewertung: 82 von 100 Punkten" in shown
    section = member.get_by_role("region", name="Protokoll")
    assert "Einstimmig beschlossen." in await text_of(section)
    assert await member.locator("main form").count() == 0
    assert await check_accessibility(member) == []
    await member.context.close()


async def test_a_session_is_planned_and_a_committee_set_up_without_javascript(
    browser: Any, web: Web, net: Network
) -> None:
    office = await _office(browser, web, javascript=False)
    await office.goto(f"{web.url}/sitzungen")
    form = office.get_by_role("region", name="Sitzung planen")
    await form.get_by_role("button", name="Sitzung planen").click()  # nothing filled in
    await office.wait_for_load_state()
    alert = await text_of(office.get_by_role("alert"))
    assert "Bitte wählen Sie ein Gremium." in alert
    assert "Bitte geben Sie das Datum an" in alert
    assert "Bitte geben Sie die Uhrzeit an" in await text_of(office.locator("#feld-starts-fehler"))
    await office.get_by_label("Gremium").select_option(label=net.committee["name"])
    await office.get_by_label("Titel").fill("Sitzung im März")
    await office.get_by_label("Datum").fill("10.03.2027")
    await office.get_by_label("Beginn").fill("14:00")
    await office.get_by_label("Ende").fill("13:00")
    await office.get_by_role("button", name="Sitzung planen").click()
    await office.wait_for_load_state()
    assert "Das Ende muss nach dem Beginn liegen." in await text_of(
        office.locator("#feld-ends-fehler")
    )
    await office.get_by_label("Ende").fill("16:30")
    await office.get_by_label("Ort (optional)").fill("Haldensleben, Landratsamt, Raum 2")
    await office.get_by_role("button", name="Sitzung planen").click()
    await office.wait_for_load_state()
    assert "Die Sitzung ist geplant." in await text_of(office.locator("main"))
    assert await text_of(office.get_by_role("heading", level=1)) == "Sitzung im März"
    details = await text_of(office.locator("main dl").first)
    assert "10. März 2027, 14:00 Uhr bis 16:30 Uhr" in details
    session_url = office.url.split("?")[0]

    # a committee with a member and a quorum
    tag = uuid.uuid4().hex[:6]
    await office.goto(f"{web.url}/gremien")
    await office.get_by_label("Name des Gremiums").fill(f"Arbeitsgruppe Übergang {tag}")
    await office.get_by_label("Art").select_option(label="Arbeitsgruppe")
    await office.get_by_role("button", name="Gremium anlegen").click()
    await office.wait_for_load_state()
    assert "Das Gremium ist angelegt." in await text_of(office.locator("main"))
    assert await text_of(office.get_by_role("heading", level=1)) == f"Arbeitsgruppe Übergang {tag}"
    person = net.members[1]["name"]
    await office.get_by_label("Person").select_option(label=person)
    await office.get_by_label("Rolle").select_option(label="Vorsitz")
    await office.get_by_role("button", name="Mitglied eintragen").click()
    await office.wait_for_load_state()
    assert "Das Mitglied ist eingetragen." in await text_of(office.locator("main"))
    row = office.get_by_role("row").filter(has_text=person)
    assert "Vorsitz" in await text_of(row) and "ja" in await text_of(row)
    await office.get_by_label("Beschlussfähig ab").fill("0")
    await office.get_by_role("button", name="Beschlussfähigkeit speichern").click()
    await office.wait_for_load_state()
    assert "ganze Zahl von 1 bis 1000" in await text_of(office.locator("#feld-quorum-fehler"))
    await office.get_by_label("Beschlussfähig ab").fill("1")
    await office.get_by_role("button", name="Beschlussfähigkeit speichern").click()
    await office.wait_for_load_state()
    assert "beschlussfähig mit mindestens 1 anwesenden" in await text_of(office.locator("main"))
    await office.get_by_role("button", name=f"Austragen: {person}").click()
    await office.wait_for_load_state()
    assert "Das Mitglied ist ausgetragen." in await text_of(office.locator("main"))
    assert await office.get_by_role("row").filter(has_text=person).count() == 0
    await office.context.close()

    # the pages of this test, checked with JavaScript (axe runs in the page)
    office = await _office(browser, web)
    for path in ("/gremien", f"/gremien/{net.committee['id']}", session_url):
        await office.goto(path if path.startswith("http") else f"{web.url}{path}")
        assert await check_accessibility(office) == [], path
    calendar = await office.request.get(f"{web.url}/gremien/{net.committee['id']}/kalender.ics")
    assert calendar.status == 200
    body = (await calendar.body()).decode("utf-8")
    assert "BEGIN:VCALENDAR" in body and "Sitzung im März" in body
    await office.context.close()


async def test_another_regions_office_sees_no_session_page(
    browser: Any, web: Web, net: Network
) -> None:
    office = await _office(browser, web, region="magdeburg")
    for path in (
        f"/sitzungen/{net.session['id']}",
        f"/gremien/{net.committee['id']}",
        f"/sitzungen/{net.session['id']}/kalender.ics",
    ):
        response = await office.goto(f"{web.url}{path}")
        assert response is not None and response.status in (403, 404), path
        assert net.session["title"] not in await text_of(office.locator("body")), path
    await office.goto(f"{web.url}/sitzungen")
    assert net.session["title"] not in await text_of(office.locator("main"))
    assert await check_accessibility(office) == []
    await office.context.close()


def _summaries(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)  # RFC 5545, as a calendar program reads it
    return [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]


async def test_a_steering_member_reads_the_regions_committees_and_subscribes_to_their_own(
    browser: Any, web: Web, net: Network, steering: dict[str, Any]
) -> None:
    member = await _steering_member(browser, web, steering)
    other, other_session = steering["other"], steering["other_session"]
    await member.goto(f"{web.url}/gremien")
    listed = await text_of(member.get_by_role("region", name="Ihre Gremien"))
    assert net.committee["name"] in listed and other["name"] in listed
    assert await member.get_by_role("button", name="Gremium anlegen").count() == 0
    assert await check_accessibility(member) == []
    await member.goto(f"{web.url}/sitzungen")
    shown = await text_of(member.locator("main"))
    assert net.session["title"] in shown and other_session["title"] in shown
    stranger = await (await browser.new_context(locale="de-DE")).new_page()
    await sign_in(stranger, web, role="steering_member", region="harz", name="Harz Steuergruppe")
    for path in (f"/sitzungen/{other_session['id']}", f"/gremien/{other['id']}"):
        response = await stranger.goto(f"{web.url}{path}")
        assert response is not None and response.status in (403, 404), path
        assert other_session["title"] not in await text_of(stranger.locator("body")), path
    await stranger.context.close()

    # the subscription: created with a CSRF-protected form, shown once
    await member.goto(f"{web.url}/gremien")
    section = member.get_by_role("region", name="Kalender abonnieren")
    assert "noch keinen Kalender-Link" in await text_of(section)
    await section.get_by_role("button", name="Kalender-Link erstellen").click()
    await member.wait_for_load_state()
    assert "Ihr Kalender-Link ist erstellt" in await text_of(member.get_by_role("status"))
    link = await member.get_by_label("Ihr Kalender-Link").input_value()
    assert link.startswith(f"{web.url}/kalender/") and link.endswith(".ics")
    webcal = member.get_by_role("link", name="Im Kalenderprogramm abonnieren (webcal)")
    assert await webcal.get_attribute("href") == "webcal://" + link.split("://", 1)[1]
    assert await check_accessibility(member) == []

    # a calendar program: no cookie, no token — the non-public session of the member's committee
    async with httpx.AsyncClient(timeout=30) as calendar_program:
        shown = _summaries(await calendar_program.get(link))
        assert net.session["title"] in shown and other_session["title"] not in shown
        # the secret is the link: no log line of the web or of meetings holds it
        secret = link.rsplit("/", 1)[1].removesuffix(".ics")
        for log_path in (web.service.log_path, net.suite.services["meetings"].log_path):
            assert secret not in log_path.read_text(errors="replace"), log_path.name

        # renewed: the old link is gone, the new one works
        await member.get_by_role("button", name="Link erneuern").click()
        await member.wait_for_load_state()
        renewed = await member.get_by_label("Ihr Kalender-Link").input_value()
        assert renewed != link
        assert (await calendar_program.get(link)).status_code == 404
        assert net.session["title"] in _summaries(await calendar_program.get(renewed))

        # later: the link is not shown again; ending the subscription revokes it
        await member.goto(f"{web.url}/gremien")
        section = member.get_by_role("region", name="Kalender abonnieren")
        assert "Sie haben einen Kalender-Link seit dem" in await text_of(section)
        assert await member.get_by_label("Ihr Kalender-Link").count() == 0
        assert await check_accessibility(member) == []
        await section.get_by_role("button", name="Abo beenden").click()
        await member.wait_for_load_state()
        assert "Das Kalender-Abo ist beendet" in await text_of(member.get_by_role("status"))
        assert (await calendar_program.get(renewed)).status_code == 404
        assert (await calendar_program.get(f"{web.url}/kalender/unbekannt.ics")).status_code == 404
    await member.context.close()


# --------------------------------------------------------------------------- without the suite


def test_minutes_markdown_keeps_typed_html_and_script_links_out() -> None:
    html = str(
        service.minutes_html(
            "# Beschlüsse\n\n<img src=x onerror=alert(1)> [klick](javascript:alert(1)) "
            "[Seite](https://example.org)"
        )
    )
    assert "<h3>Beschlüsse</h3>" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="javascript:' not in html
    assert '<a href="https://example.org">Seite</a>' in html


def test_members_of_an_applying_or_partner_organisation_are_named_recused() -> None:
    items = [
        {"applicant_organization_id": "org-a", "partner_organization_ids": ["org-b"]},
        {"applicant_organization_id": None, "partner_organization_ids": []},
    ]
    members = [
        {"name": "Ada", "voting": True, "organization_id": "org-b"},
        {"name": "Bea", "voting": False, "organization_id": "org-a"},  # no vote: not counted
        {"name": "Cem", "voting": True, "organization_id": None},
    ]
    service.mark_recused(items, members)
    assert items[0]["recused"] == ["Ada"]
    assert items[1]["recused"] == []


def test_a_decision_form_is_read_in_euros_with_its_limits() -> None:
    item = {"id": "i1", "requested_cents": 100000}

    def read(**typed: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        return forms.decision_body(FormData({f"{k}-i1": v for k, v in typed.items()}), item)

    body, errors = read(outcome="approved", approved="800,00", yes="2", no="0", abstain="1")
    assert errors == []
    assert body == {
        "outcome": "approved",
        "approved_cents": 80000,
        "conditions": None,
        "votes": {"yes": 2, "no": 0, "abstain": 1},
    }
    assert read(outcome="approved")[0]["approved_cents"] == 100000  # empty: the requested sum
    for typed, message in (
        ("-5", "größer als 0 €"),
        ("1.000,01", "höchstens 1.000,00 €"),
        ("viel", "„1.234,50“"),
    ):
        _, errors = read(outcome="approved", approved=typed)
        assert [e["field"] for e in errors] == ["approved-i1"], typed
        assert message in errors[0]["message"].replace("\xa0", " "), typed
    _, errors = read(outcome="rejected", yes="zwei")
    assert [e["field"] for e in errors] == ["yes-i1"]
    _, errors = read()
    assert [e["field"] for e in errors] == ["outcome-i1"]
