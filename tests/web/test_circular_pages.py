"""„Umlaufverfahren“ through the pages (none needs JavaScript; the vote is cast without): the office finds the circulars from
the committee's page, a start form without an application or a question is refused with the
German reason beside the field, a circular about the application on the agenda starts; a voting
member opens the vote page (yes/no/abstain radio buttons), votes, and the record shows their vote
and who has not voted yet. axe clean on every page."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from applications_support import ready_network
from e2e.flow import Network, ok, until
from money_support import fees, project, submitted
from suite_support import Suite
from test_session_pages import _seated_person
from web_support import Web, check_accessibility, sign_in

from schulerfolg.local_time import BERLIN

TITLE = f"Schulgarten-AG ({uuid.uuid4().hex[:6]})"


@pytest.fixture(scope="module")
async def net(suite: Suite) -> Network:
    return await ready_network(suite, schools=1)


@pytest.fixture(scope="module")
async def on_agenda(net: Network) -> dict[str, Any]:
    app = await submitted(net, project(net, TITLE, [fees(60000, "Gartenpädagogin")]))
    async with net.suite.client("meetings") as meetings:

        async def arrived() -> dict[str, Any] | None:
            response = await meetings.get(
                f"/meetings/{net.session['id']}/agenda", headers=net.office
            )
            found = [i for i in ok(response)["items"] if i["application_id"] == app["id"]]
            return found[0] if found else None

        return await until(arrived, timeout=90, interval=0.5)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
async def voter(net: Network) -> dict[str, Any]:
    """A voting member whose registry person is the development sign-in's subject."""
    tag = uuid.uuid4().hex[:6]
    email = f"ute-{tag}@boerde.example"
    basis = "|".join([email, "steering_member", "boerde", "", ""])
    sub = "local-" + hashlib.sha256(basis.encode()).hexdigest()[:20]
    body = {
        "name": f"Ute Umlauf {tag}",
        "function": "other",
        "email": email,
        "user_sub": sub,
        "organization_id": net.youth_office["id"],
    }
    person = await _seated_person(net, body, voting=True)
    return {"email": email, "person": person}


async def _page(browser: Any, web: Web, *, javascript: bool = True, **who: str) -> Any:
    context = await browser.new_context(locale="de-DE", java_script_enabled=javascript)
    page = await context.new_page()
    await sign_in(page, web, **who)  # type: ignore[arg-type]
    return page


async def test_the_office_starts_a_circular_and_a_member_votes_on_the_page(
    browser: Any, web: Web, net: Network, on_agenda: dict[str, Any], voter: dict[str, Any]
) -> None:
    office = await _page(browser, web, role="network_office", region="boerde", name="Petra")
    await office.goto(f"{web.url}/gremien/{net.committee['id']}")
    await office.get_by_role("link", name="Umlaufverfahren").click()
    await office.wait_for_load_state()
    assert office.url.endswith(f"/gremien/{net.committee['id']}/umlaufverfahren")
    assert await office.get_by_text("Noch keine Umlaufverfahren.").count() == 1
    assert await check_accessibility(office) == []

    # neither an application nor a question: refused, the reason beside the field
    day = (datetime.now(BERLIN) + timedelta(days=3)).strftime("%d.%m.%Y")
    await office.get_by_label("Frist: Datum").fill(day)
    await office.get_by_role("button", name="Umlaufverfahren starten").click()
    await office.wait_for_load_state()
    assert await office.get_by_text("einen Antrag oder stellen Sie eine Frage").count() >= 1
    assert await check_accessibility(office) == []

    await office.locator("#feld-application_id").select_option(on_agenda["application_id"])
    await office.get_by_label("Frist: Datum").fill(day)
    await office.get_by_role("button", name="Umlaufverfahren starten").click()
    await office.wait_for_load_state()
    assert "/umlaufverfahren/" in office.url
    assert await office.get_by_text("Das Umlaufverfahren ist gestartet").count() == 1
    assert await office.get_by_role("heading", name=TITLE).count() == 1
    assert await office.get_by_role("radio").count() == 0  # the office has no vote
    assert await check_accessibility(office) == []
    circular_url = office.url.split("?")[0]

    # axe runs in the page: the member's vote page is checked with JavaScript, the vote itself
    # is cast without
    looking = await _page(
        browser, web, role="steering_member", region="boerde", email=voter["email"]
    )
    await looking.goto(circular_url)
    assert await looking.get_by_role("radio").count() == 3
    assert await check_accessibility(looking) == []
    await looking.context.close()

    member = await _page(
        browser,
        web,
        javascript=False,
        role="steering_member",
        region="boerde",
        email=voter["email"],
    )
    await member.goto(circular_url)
    await member.get_by_label("Ja", exact=True).check()
    await member.get_by_role("button", name="Stimme abgeben").click()
    await member.wait_for_load_state()
    assert await member.get_by_text("Ihre Stimme ist gezählt.").count() == 1
    assert await member.get_by_text("Sie haben abgestimmt: Ja.").count() == 1
    row = member.get_by_role("row", name=voter["person"]["name"])
    assert "Ja" in await row.inner_text()
    assert await member.get_by_text("Noch nicht abgestimmt").count() == 3
    assert await member.get_by_role("radio").count() == 0  # one vote, final
    await member.context.close()

    # the list shows it with the count
    await office.goto(f"{web.url}/gremien/{net.committee['id']}/umlaufverfahren")
    assert await office.get_by_role("link", name=TITLE).count() == 1
    assert await office.get_by_text("1/0/0 von 4").count() == 1
    assert await check_accessibility(office) == []
