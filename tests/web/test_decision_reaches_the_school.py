"""The end of an applicant's journey across the suite: a school's application, decided by the
network office on its page, reaches the school's inbox page while it is open (no reload); every
link in the German e-mails the school's contact received leads to a page that exists; the
funded project appears on the region's public page."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from applications_support import ready_network
from e2e.flow import Network, ok, until
from playwright.async_api import expect
from suite_support import Suite
from web_support import Web, check_accessibility, sign_in

CONTACT = "anne.kruse@grundschule-wanzleben.example"
TITLE = f"Theaterwerkstatt „Mutig sein“ ({uuid.uuid4().hex[:6]})"
LINK = re.compile(r"https://schulerfolg\.example(/[^\s\"<>]*)")


@pytest.fixture(scope="module")
async def net(suite: Suite) -> Network:
    return await ready_network(suite, schools=1)


async def submitted_application(net: Network) -> dict[str, Any]:
    """A school's application, advised and submitted through the API (the pages' own journey
    is in test_applicant_journey.py)."""
    school = net.school_auth(0)
    async with net.suite.client("offers") as offers:
        draft = ok(
            await offers.post(
                "/applications",
                json={
                    "fund_id": net.fund["id"],
                    "school_ids": [net.schools[0]["id"]],
                    "partner_organization_ids": [net.provider["id"]],
                    "title": TITLE,
                    "summary": "Eine Woche Theater mit einer Theaterpädagogin.",
                    "goals": "Selbstvertrauen und Zusammenhalt stärken.",
                    "topics": ["cultural-participation"],
                    "target_groups": ["pupils"],
                    "planned_participants": {"pupils": 24},
                    "start_date": "2027-03-01",
                    "end_date": "2027-03-05",
                    "budget_lines": [
                        {
                            "category": "fees",
                            "description": "Theaterpädagogin",
                            "amount_cents": 90000,
                        }
                    ],
                    "contact": {"name": "Anne Kruse", "email": CONTACT, "phone": "039209 555"},
                },
                headers=school,
            ),
            201,
        )
        ok(
            await offers.post(
                f"/applications/{draft['id']}/consultation",
                json={"date": "2026-11-20", "notes": "Telefonisch beraten"},
                headers=net.office,
            )
        )
        return ok(await offers.post(f"/applications/{draft['id']}/submit", headers=school))


async def test_the_decision_reaches_the_open_inbox_and_every_mail_link_leads_to_a_page(
    browser: Any, web: Web, net: Network
) -> None:
    application = await submitted_application(net)
    school = await (await browser.new_context(locale="de-DE")).new_page()
    office = await (await browser.new_context(locale="de-DE")).new_page()
    await sign_in(
        school, web, role="school", school=net.schools[0]["id"], name="Anne Kruse", email=CONTACT
    )

    # The submission's notification is there first (notifications consume offers' event).
    async def submitted_shown() -> bool | None:
        await school.goto(f"{web.url}/posteingang")
        return TITLE in await school.locator("main").inner_text() or None

    await until(submitted_shown, timeout=90, interval=1)
    entries = school.locator("[data-inbox-list] > li")
    before = await entries.count()
    assert await check_accessibility(school) == []

    # The office decides on its page while the school's inbox stays open.
    await sign_in(office, web, role="network_office", region="boerde", name="Petra Schäfer")
    await office.goto(f"{web.url}/antraege/{application['id']}")
    await office.get_by_label("Bewilligt", exact=True).check()
    await office.get_by_label("Bewilligter Betrag in Euro").fill("850,00")
    await office.get_by_role("button", name="Entscheidung erfassen").click()
    assert "Die Entscheidung ist erfasst" in await office.locator("main").inner_text()

    await expect(entries).to_have_count(before + 1, timeout=60_000)
    await expect(entries.first).to_contain_text("bewilligt")
    await expect(entries.first).to_contain_text(TITLE)
    await expect(school.locator("[data-unread-badge] [data-unread-count]")).not_to_have_text("0")

    # Every link in the contact's e-mails (submitted, approved) opens a page for the school.
    async def both_mails() -> list[Any] | None:
        mails = net.suite.mail.to(CONTACT)
        subjects = " ".join(str(m["Subject"]) for m in mails)
        return mails if "bewilligt" in subjects and TITLE in subjects else None

    mails = await until(both_mails, timeout=90, interval=1)
    paths = {
        path
        for mail in mails
        for part in mail.walk()
        if part.get_content_type() in ("text/plain", "text/html")
        for path in LINK.findall(part.get_content())
    }
    assert f"/applications/{application['id']}" in paths, paths
    for path in sorted(paths):
        response = await school.goto(f"{web.url}{path}")
        assert response is not None and response.status == 200, (path, school.url)
        heading = await school.get_by_role("heading", level=1).first.inner_text()
        assert "nicht gefunden" not in heading, path
    assert school.url.startswith(f"{web.url}/")

    # The funded project is on the region's public page, without the contact.
    anonymous = await (await browser.new_context(locale="de-DE")).new_page()
    await anonymous.goto(f"{web.url}/regionen/boerde")
    region = await anonymous.locator("main").inner_text()
    assert TITLE in region and "850,00" in region
    assert CONTACT not in await anonymous.content()
    for page in (school, office, anonymous):
        await page.context.close()


async def test_a_members_session_link_opens_for_the_member_and_nobody_else(
    browser: Any, web: Web, net: Network
) -> None:
    member = net.members[0]

    async def invitation() -> str | None:
        for mail in net.suite.mail.to(member["email"]):
            for part in mail.walk():
                if part.get_content_type() == "text/plain":
                    for path in LINK.findall(part.get_content()):
                        if path.startswith("/meetings/"):
                            return str(path)
        return None

    path = await until(invitation, timeout=90, interval=1)
    assert path == f"/meetings/{net.session['id']}"
    anonymous = await (await browser.new_context(locale="de-DE")).new_page()
    response = await anonymous.goto(f"{web.url}{path}")
    assert response is not None and response.status == 404  # a committee's session is not public
    signed_in = await (await browser.new_context(locale="de-DE")).new_page()
    await sign_in(signed_in, web, role="steering_member", region="boerde", email=member["email"])
    response = await signed_in.goto(f"{web.url}{path}")
    assert response is not None and response.status == 200
    main = await signed_in.locator("main").inner_text()
    assert net.session["title"] in main and "Haldensleben" in main
    assert "eine Anmeldung ist nicht nötig" in main
    assert await signed_in.get_by_role("button", name="Zur Veranstaltung anmelden").count() == 0
    assert await check_accessibility(signed_in) == []
    for page in (anonymous, signed_in):
        await page.context.close()
