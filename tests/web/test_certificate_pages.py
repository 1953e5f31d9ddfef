"""Attendance and participation certificates through the pages (issue 20): a training with
registrants from outside the registry; once it has begun the office ticks who was present on
the event's page (a plain form), gets a certificate link for each of them, and those present —
only they — get „Ihre Teilnahmebescheinigung“ by e-mail; the link opens the download page
without an account and the PDF names them. The absent registrant's link explains there is none.
axe clean on every page."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from e2e.flow import ok, until
from pypdf import PdfReader
from suite_support import Suite
from web_support import Web, check_accessibility, sign_in

OFFICE_SUB = "office-certificate-tests"


def pdf_text(document: bytes) -> str:
    pages = PdfReader(io.BytesIO(document)).pages
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pages)


def certificate_link(message: Any) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"https?://\S+/teilnahmebescheinigung", text)
    assert found, text
    return found.group(0)


async def a_training_that_has_begun(suite: Suite, title: str, guests: list[tuple[str, str]]):
    """A public training in Börde with ``guests`` registered (no account), moved to today."""
    office = suite.auth("network_office", "boerde", sub=OFFICE_SUB)
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    async with suite.client("meetings") as meetings:
        event: dict[str, Any] = ok(
            await meetings.post(
                "/meetings",
                json={
                    "kind": "training",
                    "title": title,
                    "region": "boerde",
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(hours=3)).isoformat(),
                    "location": "Kreisvolkshochschule Haldensleben",
                    "public": True,
                },
                headers=office,
            ),
            201,
        )
        registrations = [
            ok(
                await meetings.post(
                    f"/meetings/{event['id']}/registrations",
                    json={"name": name, "email": email},
                ),
                201,
            )
            for name, email in guests
        ]
        begun = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        ok(
            await meetings.patch(
                f"/meetings/{event['id']}",
                json={
                    "starts_at": begun.isoformat(),
                    "ends_at": (begun + timedelta(hours=3)).isoformat(),
                },
                headers=office,
            ),
            200,
        )
    return event, registrations


async def test_those_present_get_their_certificate_by_the_link_in_the_mail(
    browser: Any, web: Web, suite: Suite
) -> None:
    tag = uuid.uuid4().hex[:6]
    title = f"Fortbildung Konfliktlotsen {tag}"
    guests = [
        ("Anna Außenstehend", f"anna-{tag}@gast.example"),
        ("Ben Besucher", f"ben-{tag}@gast.example"),
        ("Cem Ferngeblieben", f"cem-{tag}@gast.example"),
    ]
    event, registrations = await a_training_that_has_begun(suite, title, guests)

    context = await browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    office = await context.new_page()
    await sign_in(office, web, role="network_office", region="boerde", name="Petra Schäfer")
    await office.goto(f"{web.url}/veranstaltungen/verwalten/{event['id']}")
    attendance = office.get_by_role("group", name="Anwesend waren")
    assert await attendance.get_by_role("checkbox").count() == 3
    assert await check_accessibility(office) == []
    await attendance.get_by_label("Anna Außenstehend").check()
    await attendance.get_by_label("Ben Besucher").check()
    await office.get_by_role("button", name="Anwesenheit speichern").click()
    await office.wait_for_load_state()
    assert "Die Anwesenheit ist gespeichert." in await office.get_by_role("status").inner_text()
    assert await attendance.get_by_label("Anna Außenstehend").is_checked()
    assert not await attendance.get_by_label("Cem Ferngeblieben").is_checked()
    links = office.get_by_role("link", name=re.compile("^Teilnahmebescheinigung \\(PDF\\)"))
    assert await links.count() == 2
    assert await check_accessibility(office) == []
    ben_link = office.get_by_role("link", name="Teilnahmebescheinigung (PDF): Ben Besucher")
    downloaded = await office.request.get(f"{web.url}{await ben_link.get_attribute('href')}")
    assert downloaded.status == 200
    assert downloaded.headers["content-type"] == "application/pdf"
    assert "Ben Besucher" in pdf_text(await downloaded.body())
    await context.close()

    def certificate_mails(address: str) -> list[Any]:
        return [m for m in suite.mail.to(address) if "Teilnahmebescheinigung" in str(m["Subject"])]

    async def mail_to_anna() -> list[Any] | None:
        return certificate_mails(guests[0][1]) or None

    (mail,) = await until(mail_to_anna, timeout=60, interval=0.3)
    assert str(mail["Subject"]) == f"Ihre Teilnahmebescheinigung: {title}"
    link = certificate_link(mail)
    assert link.endswith(f"/anmeldungen/{registrations[0]['id']}/teilnahmebescheinigung")
    path = link.split("/veranstaltungen/", 1)[1]

    anonymous = await browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    page = await anonymous.new_page()
    response = await page.goto(f"{web.url}/veranstaltungen/{path}")
    assert response is not None and response.status == 200
    assert await page.get_by_role("heading", level=1).inner_text() == "Ihre Teilnahmebescheinigung"
    assert await check_accessibility(page) == []
    download = page.get_by_role("link", name="Teilnahmebescheinigung herunterladen (PDF)")
    pdf = await page.request.get(f"{web.url}{await download.get_attribute('href')}")
    assert pdf.status == 200
    text = pdf_text(await pdf.body())
    assert "Teilnahmebescheinigung" in text and "Anna Außenstehend" in text and title in text

    # The one who stayed away: no certificate, no mail.
    absent = registrations[2]["id"]
    refused = await page.goto(
        f"{web.url}/veranstaltungen/{event['id']}/anmeldungen/{absent}/teilnahmebescheinigung"
    )
    assert refused is not None and refused.status == 409
    assert "keine Anwesenheit eingetragen" in await page.locator("main").inner_text()
    assert await check_accessibility(page) == []
    absent_pdf = await page.request.get(
        f"{web.url}/veranstaltungen/{event['id']}/anmeldungen/{absent}/teilnahmebescheinigung.pdf"
    )
    assert absent_pdf.status == 409
    await anonymous.close()

    async def mail_to_ben() -> list[Any] | None:
        return certificate_mails(guests[1][1]) or None

    await until(mail_to_ben, timeout=60, interval=0.3)
    assert certificate_mails(guests[2][1]) == []
    assert suite.mail.to(guests[2][1])  # the registration's confirmation did reach Cem
