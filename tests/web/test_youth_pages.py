"""Youth micro-projects through the pages (issue 20): a young person fills in the public form in
plain language (no account, no JavaScript needed; the bot trap hidden from everyone), the adult
sponsor gets the link by e-mail and confirms on the sponsor page — then the project is a
submitted application of the youth fund. A form sent too fast is refused with a German message
and creates nothing. axe clean on the form, its error state, the thanks page and the sponsor's
pages."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

from e2e.flow import Network, ok, set_up_network, until
from suite_support import Suite
from web_support import Web, check_accessibility

FORM_MIN_SECONDS = 5.2  # offers refuses a form sent sooner after it was issued


async def youth_network(suite: Suite) -> Network:
    """A youth jury deciding a youth fund, once offers lists the fund's school for the form."""
    net = await set_up_network(suite, committee_kind="youth_jury", fund_kind="youth_fund")
    school = net.schools[0]["id"]
    async with suite.client("offers") as offers:

        async def listed() -> bool | None:
            options = ok(await offers.get("/youth-projects/form"))
            return True if any(s["id"] == school for s in options["schools"]) else None

        await until(listed, timeout=120, interval=0.5)
    return net


async def fill(page: Any, net: Network, title: str, sponsor: str) -> None:
    await page.get_by_label("Wie heißt dein Projekt?").fill(title)
    await page.get_by_label("Was wollt ihr machen?").fill(
        "Wir wollen auf dem Schulhof ein Hochbeet bauen und Gemüse für die Mensa ziehen."
    )
    await page.get_by_label("Wie viele seid ihr?").fill("7")
    await page.get_by_label("Wie viel Geld braucht ihr (in Euro)?").fill("250")
    await page.get_by_label("Wann fangt ihr an?").fill("2027-04-01")
    await page.get_by_label("Wann seid ihr fertig?").fill("2027-06-30")
    await page.locator("#feld-fund_id").select_option(net.fund["id"])
    await page.locator("#feld-school_id").select_option(net.schools[0]["id"])
    await page.get_by_label("Dein Vorname oder der Name eurer Gruppe").fill("AG Garten")
    await page.get_by_label("Name der Begleitperson").fill("Frau Sommer")
    await page.get_by_label("E-Mail-Adresse der Begleitperson").fill(sponsor)


async def mails_to(net: Network, address: str) -> list[Any]:
    async def arrived() -> list[Any] | None:
        return net.suite.mail.to(address) or None

    result: list[Any] = await until(arrived, timeout=60, interval=0.3)
    return result


def confirmation_link(message: Any) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"https?://\S+/jugendprojekte/bestaetigen/\S+", text)
    assert found, text
    return found.group(0)


async def applications(net: Network) -> list[dict[str, Any]]:
    async with net.suite.client("offers") as offers:
        page = ok(
            await offers.get(
                "/applications", params={"fund_id": net.fund["id"]}, headers=net.office
            )
        )
    return list(page["items"])


async def test_a_project_from_the_form_becomes_an_application_once_the_sponsor_confirms(
    page: Any, web: Web, suite: Suite
) -> None:
    net = await youth_network(suite)
    sponsor = f"sommer-{uuid.uuid4().hex[:6]}@schulsozialarbeit.example"
    await page.goto(f"{web.url}/")
    await page.get_by_role("link", name="Zum Formular für dein Projekt").click()
    await page.wait_for_url(f"{web.url}/jugendprojekt")
    assert await page.get_by_role("heading", level=1).inner_text() == (
        "Dein Projekt für den Jugendfonds"
    )
    assert await page.locator("#feld-website").is_hidden()
    assert await page.get_by_label("Webseite (bitte leer lassen)").count() == 1
    assert await check_accessibility(page) == []

    await fill(page, net, "Hochbeet für alle", sponsor)
    await asyncio.sleep(FORM_MIN_SECONDS)
    await page.get_by_role("button", name="Projekt abschicken").click()
    await page.wait_for_load_state()
    assert await page.get_by_role("heading", level=1).inner_text() == "Danke für dein Projekt!"
    assert "Frau Sommer" in await page.locator("main").inner_text()
    assert await check_accessibility(page) == []
    assert await applications(net) == []  # nothing reaches the jury before the sponsor confirms

    mails = await mails_to(net, sponsor)
    assert "Hochbeet für alle" in str(mails[0]["Subject"])
    link = confirmation_link(mails[0])
    token = link.rsplit("/", 1)[1]
    await page.goto(f"{web.url}/jugendprojekte/bestaetigen/{token}")
    assert await page.get_by_role("heading", level=1).inner_text() == "Hochbeet für alle"
    main = await page.locator("main").inner_text()
    assert "AG Garten" in main and "250,00" in main and net.schools[0]["name"] in main
    assert await check_accessibility(page) == []
    await page.get_by_role("button", name="Projekt bestätigen").click()
    await page.wait_for_load_state()
    assert await page.get_by_role("heading", level=1).inner_text() == "Projekt bestätigt"
    assert await check_accessibility(page) == []

    (app,) = await applications(net)
    assert (app["title"], app["status"], app["requested_cents"]) == (
        "Hochbeet für alle",
        "submitted",
        25_000,
    )
    await page.goto(f"{web.url}/jugendprojekte/bestaetigen/{token}")  # the link is spent
    assert "nicht gefunden" in (await page.locator("main").inner_text()).lower()


async def test_a_form_sent_too_fast_is_refused_and_a_declined_project_is_gone(
    page: Any, web: Web, suite: Suite
) -> None:
    net = await youth_network(suite)
    sponsor = f"winter-{uuid.uuid4().hex[:6]}@schulsozialarbeit.example"
    await page.goto(f"{web.url}/jugendprojekt")
    await fill(page, net, "Schnell geklickt", sponsor)
    await page.get_by_role("button", name="Projekt abschicken").click()
    await page.wait_for_load_state()
    summary = page.get_by_role("alert")
    assert "Das ging sehr schnell" in await summary.inner_text()
    assert await page.get_by_label("Wie heißt dein Projekt?").input_value() == "Schnell geklickt"
    assert await check_accessibility(page) == []

    await asyncio.sleep(FORM_MIN_SECONDS)  # the refused page brought a new ticket
    await page.get_by_role("button", name="Projekt abschicken").click()
    await page.wait_for_load_state()
    assert await page.get_by_role("heading", level=1).inner_text() == "Danke für dein Projekt!"
    mails = await mails_to(net, sponsor)
    assert len(mails) == 1  # the refused one sent nothing
    await page.goto(
        f"{web.url}/jugendprojekte/bestaetigen/{confirmation_link(mails[0]).rsplit('/', 1)[1]}"
    )
    await page.get_by_role("button", name="Projekt ablehnen").click()
    await page.wait_for_load_state()
    assert await page.get_by_role("heading", level=1).inner_text() == "Projekt abgelehnt"
    assert await check_accessibility(page) == []
    assert await applications(net) == []
