"""Issue 16's journey through the pages, one application end to end on the real suite: the
school's application is advised on the office's page and submitted on the school's; the office
assesses it on „Bewertung“; the steering group's session page shows the recommendation and the
score on the agenda, and the committee decides there (attendance, votes, amount); the grant
notice is listed under „Dokumente“ and downloaded through its link (its text read back:
applicant, school, amount in euros, proof-of-use deadline from the fund's setting); the advance
is called in, approved and marked paid on „Mittelabruf“; the school uploads three receipts under
„Anlagen“ and fills the proof of use with them, the office returns it once with a reason the
school reads, the school corrects and resubmits, the office accepts less than was paid: the page
announces the reclaim („Rückforderung“), the contact receives it by e-mail, and the office
completes the application. axe-core clean on every page along the way."""

from __future__ import annotations

import fnmatch
import io
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from applications_support import ready_network
from e2e.flow import Network, ok, until
from money_support import approved, change_fund, fees, project
from pypdf import PdfReader
from suite_support import Suite
from web_support import Web, check_accessibility, sign_in

# the suite's start under a shared machine's load plus a journey of a dozen pages
pytestmark = pytest.mark.timeout(900)

TAG = uuid.uuid4().hex[:6]
TITLE = f"Theaterwerkstatt „Bühne frei“ {TAG}"
CONTACT = ("Lena Vogt", f"lena.vogt.{TAG}@schule.example")
CRITERIA = [
    {"name": "Bedarf", "weight": 3, "max_points": 5},
    {"name": "Qualität", "weight": 1, "max_points": 10},
]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(2000)
RECEIPTS = [  # date, payee, purpose, cost category, amount, attachment title
    (
        "04.05.2027",
        "Theaterpädagogin Mia Berg",
        "Honorar",
        "Honorare",
        "200,00",
        "Rechnung Honorar",
    ),
    (
        "05.05.2027",
        "Stoffladen Haldensleben",
        "Stoffe",
        "Sachkosten und Material",
        "60,00",
        "Quittung Stoffe",
    ),
    (
        "06.05.2027",
        "Bastelbedarf Börde",
        "Schminke",
        "Sachkosten und Material",
        "40,00",
        "Quittung Schminke",
    ),
]


@pytest.fixture(scope="module")
async def net(suite: Suite) -> Network:
    return await ready_network(suite, schools=1)


def _fold(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


async def _text(locator: Any) -> str:
    """The text as read, white space (also the no-break spaces of „1.234,50 €“) folded."""
    return _fold(str(await locator.inner_text()))


async def _clean(page: Any) -> None:
    assert await check_accessibility(page) == [], page.url


async def _page(browser: Any) -> Any:
    context = await browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    return await context.new_page()


async def _click(page: Any, name: str, *, scope: Any = None) -> None:
    """Press a form's button and wait for the page the server answers with."""
    async with page.expect_navigation():
        await (scope or page).get_by_role("button", name=name, exact=True).click()


async def school_draft(net: Network) -> dict[str, Any]:
    """The school's draft (the drafting form has its own journey in test_applicant_journey.py):
    1.000 € for fees and materials, 3 to 7 May 2027."""
    lines = [
        fees(80000, "Theaterpädagogin"),
        {"category": "materials", "description": "Kostüme", "amount_cents": 20000},
    ]
    body = project(net, TITLE, lines, start="2027-05-03", end="2027-05-07", contact=CONTACT)
    async with net.suite.client("offers") as offers:
        return ok(await offers.post("/applications", json=body, headers=net.school_auth(0)), 201)


def pdf_text(pdf: bytes) -> str:
    return " ".join(_fold(page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages)


async def _fill_receipt(page: Any, n: int, receipt: tuple[str, ...]) -> None:
    day, payee, purpose, category, amount, attachment = receipt
    await page.get_by_label(f"Datum (Beleg {n})").fill(day)
    await page.get_by_label(f"Zahlungsempfänger (Beleg {n})").fill(payee)
    await page.get_by_label(f"Zweck (Beleg {n})").fill(purpose)
    await page.get_by_label(f"Kostenposition (Beleg {n})").select_option(label=category)
    await page.get_by_label(f"Betrag in Euro (Beleg {n})").fill(amount)
    await page.get_by_label(f"Beleg-Anlage (Beleg {n})").select_option(label=attachment)


async def test_one_application_from_assessment_to_completion_through_the_pages(
    browser: Any, web: Web, net: Network, tmp_path: Path
) -> None:
    await change_fund(
        net,
        {
            "assessment_criteria": CRITERIA,
            "payment_rule": {"advance_percent": 50},
            "proof_of_use_weeks": 12,
        },
    )
    app = await school_draft(net)
    app_url = f"{web.url}/antraege/{app['id']}"
    school = await _page(browser)
    office = await _page(browser)
    await sign_in(
        school, web, role="school", school=net.schools[0]["id"], name=CONTACT[0], email=CONTACT[1]
    )
    await sign_in(office, web, role="network_office", region="boerde", name="Petra Schäfer")

    # 1. the office records its advice on the application's page, the school submits on its own
    await office.goto(app_url)
    await _clean(office)
    await office.get_by_label("Notizen").fill("Konzept und Kostenplan besprochen.")
    await _click(office, "Beratung erfassen")
    assert "Die Beratung ist erfasst" in await _text(office.locator("main"))
    await school.goto(f"{app_url}/pruefen")
    await _clean(school)
    await _click(school, "Einreichen")
    assert "Status: Eingereicht" in await _text(school.locator("main"))
    await _clean(school)

    # 2. the office assesses: (3·4 + 1·8) / (3·5 + 1·10) = 80 of 100 points, approve 800 €
    await office.goto(f"{app_url}/bewertung")
    await _clean(office)
    await office.get_by_label("Bedarf (0 bis 5 Punkte)").fill("4")
    await office.get_by_label("Qualität (0 bis 10 Punkte)").fill("8")
    await office.get_by_label("Bewilligen").check()
    await office.get_by_label("Empfohlener Betrag in Euro").fill("800,00")
    await _click(office, "Bewertung speichern")
    result = await _text(office.locator("#bewertung-ergebnis"))
    assert "80 von 100" in result and "Bewilligen" in result and "800,00 €" in result
    await _clean(office)

    # 3. the steering group's session: the agenda item shows the recommendation and the score
    # (meetings learns them from offers' events), the committee decides there
    session_url = f"{web.url}/sitzungen/{net.session['id']}"
    item = office.get_by_role("region", name=TITLE)

    async def recommended() -> bool:
        await office.goto(session_url)
        return await item.count() == 1 and "Bewertung: 80 von 100 Punkten" in await _text(item)

    await until(recommended, timeout=90, interval=1)
    shown = await _text(item)
    assert "Empfehlung der Netzwerkstelle: Bewilligen" in shown
    assert "Empfohlener Betrag: 800,00 €" in shown
    await _clean(office)
    async with net.suite.client("meetings") as meetings:  # the agenda's API says the same
        agenda = ok(await meetings.get(f"/meetings/{net.session['id']}/agenda", headers=net.office))
    (entry,) = [i for i in agenda["items"] if i["application_id"] == app["id"]]
    assert entry["recommendation"] == "approve" and entry["recommended_cents"] == 80000
    assert entry["assessment_score"] == 80

    attendance = office.get_by_role("group", name="Anwesenheit")
    for person in net.members:
        await attendance.get_by_label(person["name"], exact=True).check()
    await _click(office, "Anwesenheit speichern")
    await item.get_by_label("Bewilligt", exact=True).check()
    await item.get_by_label("Bewilligter Betrag in Euro").fill("800,00")
    await item.get_by_label("Ja-Stimmen").fill("3")
    await item.get_by_label("Nein-Stimmen").fill("0")
    await item.get_by_label("Enthaltungen").fill("0")
    await _click(office, "Beschluss erfassen", scope=item)
    assert "Beschluss: bewilligt, 800,00 €" in await _text(item)
    await _clean(office)

    # 4. the grant notice under „Dokumente“, downloaded through its link
    link = school.get_by_role("link", name="Zuwendungsbescheid herunterladen")

    async def issued() -> bool:
        await school.goto(app_url)
        return await link.count() == 1

    await until(issued, timeout=90, interval=1)
    assert "Status: Bewilligt" in await _text(school.locator("main"))
    await _clean(school)
    async with school.expect_download() as waiting:
        await link.click()
    download = await waiting.value
    assert download.suggested_filename == f"Zuwendungsbescheid {TITLE}.pdf"
    saved = tmp_path / "bescheid.pdf"
    await download.save_as(saved)
    text = pdf_text(saved.read_bytes())
    assert "Zuwendungsbescheid" in text and TITLE in text
    assert CONTACT[0] in text and net.schools[0]["name"] in text
    assert "800,00 €" in text and "400,00 €" in text  # the grant and its advance of 50 %
    assert "30.07.2027" in text  # proof of use: 7 May 2027 + the fund's 12 weeks

    # 5. the advance: called in by the school, approved and marked paid by the office
    await school.goto(f"{app_url}/mittelabruf")
    assert "400,00 €" in await _text(school.locator("#noch-abrufbar"))
    await _clean(school)
    await school.get_by_label("Betrag in Euro").fill("400,00")
    await school.get_by_label("Begründung").fill("Abschlag laut Zuwendungsbescheid")
    await _click(school, "Mittel abrufen")
    assert "Ihr Mittelabruf ist eingegangen" in await _text(school.locator("main"))
    await _clean(school)
    await office.goto(f"{web.url}/auszahlungen")
    await _clean(office)
    await office.goto(f"{app_url}/mittelabruf")
    await _clean(office)
    await _click(office, "Bewilligen")
    assert "Der Mittelabruf ist bewilligt" in await _text(office.locator("main"))
    await office.goto(f"{web.url}/auszahlungen")
    assert TITLE in await _text(office.locator("main"))
    await office.goto(f"{app_url}/mittelabruf")
    await office.get_by_label("Datum der Auszahlung").fill("10.05.2027")
    await office.get_by_label("Buchungszeichen").fill(f"KA-2027-{TAG}")
    await _click(office, "Als ausgezahlt erfassen")
    paid = await _text(office.locator("main"))
    assert "Die Auszahlung ist erfasst" in paid and "Ausgezahlt" in paid
    assert "10.05.2027" in paid and f"KA-2027-{TAG}" in paid
    await _clean(office)

    # 6. three receipts under „Anlagen“, the proof of use with them
    await school.goto(app_url)
    anlagen = school.locator("section[aria-labelledby=anlagen]")
    for *_, title in RECEIPTS:
        await school.locator("#feld-attachment_kind").select_option("receipt")
        await school.locator("#feld-attachment_title").fill(title)
        await school.locator("#feld-attachment_file").set_input_files(
            files=[{"name": f"{title}.png", "mimeType": "image/png", "buffer": PNG}]
        )
        await _click(school, "Anlage hochladen")
        assert "Die Anlage ist gespeichert." in await _text(school.locator("[role=status]"))
    assert await anlagen.locator("tbody tr").count() == 3
    await _clean(school)

    await school.goto(f"{app_url}/verwendungsnachweis")
    await _clean(school)
    await school.get_by_label("Sachbericht").fill("Zwei Aufführungen vor Eltern und Klassen.")
    await school.get_by_label("Schüler:innen").fill("24")
    for n, receipt in enumerate(RECEIPTS, start=1):
        if n > 1:
            await _click(school, "Beleg hinzufügen")
        await _fill_receipt(school, n, receipt)
    await _click(school, "Speichern und einreichen")
    assert "ist eingereicht" in await _text(school.locator("main"))
    listed = await _text(school.locator("#belegliste"))
    assert all(title in listed for *_, title in RECEIPTS)
    assert "300,00 €" in await _text(school.locator("#vergleich-tabelle"))  # 200 + 60 + 40
    await _clean(school)

    # returned once with a reason the school reads
    reason = f"Bitte die Quittung der Schminke lesbar nachreichen ({TAG})."
    await office.goto(f"{app_url}/verwendungsnachweis")
    await _clean(office)
    await office.get_by_label("Gründe").fill(reason)
    await _click(office, "Zurückgeben")
    assert "zur Korrektur zurückgegeben" in await _text(office.locator("main"))
    await school.reload()
    assert reason in await _text(school.locator("#rueckgabe-gruende"))
    await _clean(school)
    await school.get_by_label("Zweck (Beleg 3)").fill("Schminke und Abschminktücher")
    await _click(school, "Speichern und einreichen")
    assert "ist eingereicht" in await _text(school.locator("main"))

    # accepted for 300 € of the 400 € paid: 100 € are reclaimed
    await office.reload()
    await office.get_by_label("Anerkannter Betrag in Euro").fill("300,00")
    await _click(office, "Anerkennen")
    main = await _text(office.locator("main"))
    assert "Der Verwendungsnachweis ist anerkannt" in main and "Rückforderung" in main
    assert "100,00 €" in await _text(office.locator("#ergebnis"))
    await _clean(office)
    await school.reload()
    assert "Rückforderung" in await _text(school.locator("main"))
    assert "100,00 €" in await _text(school.locator("#ergebnis"))
    await _clean(school)

    # 7. the reclaim reaches the contact by e-mail; the office completes the application
    async def reclaim_mail() -> Any:
        mails = [m for m in net.suite.mail.to(CONTACT[1]) if "Rückforderung" in str(m["Subject"])]
        return mails[0] if mails else None

    mail = await until(reclaim_mail, timeout=90, interval=1)
    assert TITLE in str(mail["Subject"]) and "100,00 €" in _fold(str(mail["Subject"]))
    body = _fold(mail.get_body(preferencelist=("plain",)).get_content())
    assert "Rückforderung: 100,00 €" in body and "400,00 €" in body and "300,00 €" in body
    assert re.search(rf"/applications/{app['id']}\b", body)

    await office.goto(app_url)
    await _clean(office)
    await _click(office, "Abschließen")
    assert "Status: Abgeschlossen" in await _text(office.locator("main"))
    await _clean(office)
    await school.goto(app_url)
    assert "Status: Abgeschlossen" in await _text(school.locator("main"))
    reclaims = [m for m in net.suite.mail.to(CONTACT[1]) if "Rückforderung" in str(m["Subject"])]
    assert len(reclaims) == 1  # the event consumed once: one e-mail
    for page in (school, office):
        await page.context.close()


NEW_EVENTS = [  # issue 16: every new step of the money after a decision
    "offers.application.assessed",
    "offers.application.grant_notice_issued",
    "offers.attachment.added",
    "offers.attachment.removed",
    "offers.payment.requested",
    "offers.payment.approved",
    "offers.payment.rejected",
    "offers.payment.paid",
    "offers.proof_of_use.submitted",
    "offers.proof_of_use.returned",
    "offers.proof_of_use.accepted",
    "offers.application.reclaim_due",
]


async def test_every_new_step_is_an_event_in_the_asyncapi_documents(suite: Suite) -> None:
    """offers documents each new event as a channel it sends on; meetings (the agenda's
    recommendation) and notifications (payments, proof of use, reclaim) document receiving
    them."""
    documents = {}
    async with httpx.AsyncClient(timeout=30) as client:
        for service in ("offers", "meetings", "notifications"):
            response = await client.get(f"{suite.url(service)}/asyncapi")
            documents[service] = ok(response)

    def addresses(service: str, action: str) -> list[str]:
        document = documents[service]
        channels = [
            document["channels"][op["channel"]["$ref"].rsplit("/", 1)[-1]]["address"]
            for op in document["operations"].values()
            if op["action"] == action
        ]
        return [address.split(".", 2)[-1] for address in channels]  # without sfs.<region>.

    sent = addresses("offers", "send")
    assert [name for name in NEW_EVENTS if name not in sent] == []

    def received(service: str, name: str) -> bool:
        return any(
            fnmatch.fnmatchcase(name, pattern.replace(">", "*"))
            for pattern in addresses(service, "receive")
        )

    assert received("meetings", "offers.application.assessed")
    for name in (
        "offers.payment.approved",
        "offers.proof_of_use.returned",
        "offers.proof_of_use.accepted",
        "offers.application.reclaim_due",
    ):
        assert received("notifications", name), name


EXE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(500)
TEN_MB = 10 * 1024 * 1024


async def _answer(page: Any, name: str) -> int:
    """Press a form's button: the status of the page the server answers with."""
    async with page.expect_navigation() as navigation:
        await page.get_by_role("button", name=name, exact=True).click()
    return int((await navigation.value).status)


async def test_wrong_amounts_dates_and_files_are_refused_in_german_on_the_page(
    browser: Any, web: Web, net: Network
) -> None:
    """A negative or overlong amount, a receipt dated outside the project period, an attachment
    of the wrong type or over the limit: a 4xx answer with a German message beside the field."""
    body = project(net, f"Leseclub {TAG}", [fees(50000)], start="2027-05-03", end="2027-05-07")
    app = await approved(net, body, 50000)
    app_url = f"{web.url}/antraege/{app['id']}"
    school = await _page(browser)
    await sign_in(school, web, role="school", school=net.schools[0]["id"], name="Jonas Beck")

    await school.goto(f"{app_url}/mittelabruf")
    for typed, message in (
        ("-5", "größer als 0 €"),
        ("9" * 40, "„1.234,50“"),
        ("1" + "0" * 400 + ",00", "„1.234,50“"),
    ):
        await school.get_by_label("Betrag in Euro").fill(typed)
        assert await _answer(school, "Mittel abrufen") == 422, typed
        assert message in await _text(school.locator("#feld-amount-fehler")), typed
        assert await school.get_by_label("Betrag in Euro").input_value() == typed
    await _clean(school)

    await school.goto(f"{app_url}/verwendungsnachweis")
    await school.get_by_label("Sachbericht").fill("Der Leseclub traf sich fünfmal.")
    await school.get_by_label("Schüler:innen").fill("20")
    await school.get_by_label("Datum (Beleg 1)").fill("02.05.2027")  # the day before the start
    await school.get_by_label("Zahlungsempfänger (Beleg 1)").fill("Buchhandlung")
    await school.get_by_label("Zweck (Beleg 1)").fill("Bücher")
    await school.get_by_label("Kostenposition (Beleg 1)").select_option(label="Honorare")
    await school.get_by_label("Betrag in Euro (Beleg 1)").fill("9" * 40)
    assert await _answer(school, "Speichern") == 422
    date_error = await _text(school.locator("#feld-receipts-0-date-fehler"))
    assert "außerhalb des Projektzeitraums" in date_error and "03.05.2027" in date_error
    assert "„1.234,50“" in await _text(school.locator("#feld-receipts-0-amount-fehler"))
    await _clean(school)

    await school.goto(app_url)
    for name, content, message in (
        ("beleg.pdf", EXE, "nicht anhängen"),
        ("scan.pdf", b"%PDF-" + bytes(TEN_MB), "zu groß"),
    ):
        await school.locator("#feld-attachment_kind").select_option("receipt")
        await school.locator("#feld-attachment_title").fill("Rechnung Buchhandlung")
        await school.locator("#feld-attachment_file").set_input_files(
            files=[{"name": name, "mimeType": "application/pdf", "buffer": content}]
        )
        status = await _answer(school, "Anlage hochladen")
        assert 400 <= status < 500, (name, status)
        assert message in await _text(school.locator("#feld-attachment_file-fehler")), name
    await _clean(school)
    await school.context.close()
