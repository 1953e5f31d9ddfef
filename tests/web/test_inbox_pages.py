"""The inbox page (``/posteingang``) with its live unread count relayed by the web service
(``/posteingang/live``), marking notifications read with and without JavaScript, and the
notification preferences (``/einstellungen``), against the real suite and Chromium.

Notifications come from real events: a registration for a public event notifies the registrant
at the e-mail address they gave, and the inbox of a person whose token carries that address
shows it."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from e2e.flow import ok, until
from playwright.async_api import expect
from suite_support import Suite
from web_support import Web, check_accessibility, register_for_event, sign_in

from web.inbox.service import PAGE_SIZE

LIVE_WAIT_MS = 60_000


async def _inbox(suite: Suite, address: str, count: int) -> list[dict[str, Any]]:
    """The inbox of ``address`` once it holds ``count`` notifications."""
    headers = suite.auth("partner", sub=f"probe-{address}", email=address)

    async def arrived() -> list[dict[str, Any]] | None:
        async with suite.client("notifications") as notifications:
            items = ok(await notifications.get("/inbox", headers=headers))["items"]
        return items if len(items) >= count else None

    return await until(arrived, timeout=90, interval=0.2)


def _address() -> str:
    return f"lena-{uuid.uuid4().hex[:8]}@grundschule.example"


async def _sign_in(page: Any, web: Web, address: str) -> None:
    await sign_in(
        page, web, role="partner", organization="traeger-1", name="Lena Lehrerin", email=address
    )


async def test_the_inbox_shows_notifications_and_counts_new_ones_without_a_reload(
    page: Any, web: Web
) -> None:
    suite = web.suite
    address = _address()
    first = await register_for_event(suite, "Fortbildung Lesekompetenz", address)
    await _inbox(suite, address, 1)
    await _sign_in(page, web, address)

    async with page.expect_response(f"{web.url}/posteingang/live"):
        await page.goto(f"{web.url}/posteingang")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Posteingang")
    entry = page.locator("[data-inbox-list] > li").first
    await expect(entry).to_contain_text("Anmeldung bestätigt: Fortbildung Lesekompetenz")
    await expect(entry).to_contain_text("Ungelesen")  # marked in words, not colour only
    link = entry.get_by_role("link", name="Anmeldung bestätigt: Fortbildung Lesekompetenz")
    assert await link.get_attribute("href") == f"/veranstaltungen/{first['id']}"
    badge = page.locator("[data-unread-badge] [data-unread-count]")
    await expect(badge).to_have_text("1")
    assert await check_accessibility(page) == []

    # A second notification while the page is open: count and list follow without a reload.
    await register_for_event(suite, "Elternabend Medienbildung", address)
    await expect(badge).to_have_text("2", timeout=LIVE_WAIT_MS)
    await expect(page.locator("[data-inbox-list] > li").first).to_contain_text(
        "Anmeldung bestätigt: Elternabend Medienbildung"
    )
    assert await check_accessibility(page) == []


async def test_marking_read_works_without_javascript(browser: Any, web: Web) -> None:
    suite = web.suite
    address = _address()
    await register_for_event(suite, "Werkstatt Berufsorientierung", address)
    await register_for_event(suite, "Fachtag Schulsozialarbeit", address)
    await _inbox(suite, address, 2)
    context = await browser.new_context(
        locale="de-DE", timezone_id="Europe/Berlin", java_script_enabled=False
    )
    try:
        page = await context.new_page()
        await _sign_in(page, web, address)
        await page.goto(f"{web.url}/posteingang")
        await expect(page.get_by_text("Ungelesen: 2")).to_be_visible()
        newest = page.locator("[data-notification-id]").first
        await expect(newest).to_contain_text("Fachtag Schulsozialarbeit")
        await newest.get_by_role("button", name="Als gelesen markieren").click()
        await expect(page.get_by_role("status")).to_contain_text(
            "Die Benachrichtigung ist als gelesen markiert."
        )
        await expect(page.get_by_text("Ungelesen: 1")).to_be_visible()
        newest = page.locator("[data-notification-id]").first
        await expect(newest).to_contain_text("Gelesen")
        await expect(newest.get_by_role("button")).to_have_count(0)
        assert await page.locator("[data-unread-badge] [data-unread-count]").inner_text() == "1"
        await page.goto(f"{web.url}/einstellungen")  # the header counts on every page
        assert await page.locator("[data-unread-badge] [data-unread-count]").inner_text() == "1"
        await page.goto(f"{web.url}/posteingang")

        await page.get_by_role("button", name="Alle als gelesen markieren").click()
        await expect(page.get_by_text("Ungelesen: 0")).to_be_visible()
        one_entry = re.compile(r"^Als gelesen markieren")  # not „Alle als gelesen markieren“
        await expect(page.get_by_role("button", name=one_entry)).to_have_count(0)
        assert await page.locator("[data-unread-badge]").is_hidden()
    finally:
        await context.close()

    headers = suite.auth("partner", sub=f"probe-{address}", email=address)
    async with suite.client("notifications") as notifications:
        counted = ok(await notifications.get("/inbox/unread-count", headers=headers))
    assert counted == {"unread": 0}


async def test_preferences_are_saved_and_shown_again(page: Any, web: Web) -> None:
    await _sign_in(page, web, _address())
    await page.goto(f"{web.url}/einstellungen")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Einstellungen")
    assert await check_accessibility(page) == []
    confirmed = page.get_by_role("group", name="Anmeldung bestätigt", exact=True)
    await expect(confirmed.get_by_label("E-Mail")).to_be_checked()
    await expect(page.get_by_label("Einzeln, sobald etwas geschieht")).to_be_checked()

    await confirmed.get_by_label("E-Mail").uncheck()
    await (
        page.get_by_role("group", name="Benachrichtigungen erhalten per")
        .get_by_label("Posteingang")
        .uncheck()
    )
    await page.get_by_label("Einmal in der Woche gesammelt").check()
    await page.get_by_role("button", name="Speichern").click()
    await expect(page.get_by_role("status")).to_contain_text("Ihre Einstellungen sind gespeichert.")
    assert await check_accessibility(page) == []

    await page.goto(f"{web.url}/einstellungen")
    confirmed = page.get_by_role("group", name="Anmeldung bestätigt", exact=True)
    await expect(confirmed.get_by_label("E-Mail")).not_to_be_checked()
    await expect(confirmed.get_by_label("Posteingang")).to_be_checked()
    channels = page.get_by_role("group", name="Benachrichtigungen erhalten per")
    await expect(channels.get_by_label("Posteingang")).not_to_be_checked()
    await expect(channels.get_by_label("E-Mail")).to_be_checked()
    await expect(page.get_by_label("Einmal in der Woche gesammelt")).to_be_checked()
    approved = page.get_by_role("group", name="Antrag bewilligt", exact=True)
    await expect(approved.get_by_label("E-Mail")).to_be_checked()


async def _next_event(lines: Any, seen: list[str]) -> tuple[str, str]:
    """The next event (name, data) of a server-sent event stream; comments are kept in
    ``seen`` too."""
    name, data = "message", []
    async for line in lines:
        seen.append(line)
        if not line:
            if data:
                return name, "\n".join(data)
            continue
        field, _, value = line.partition(":")
        if field == "event":
            name = value.strip()
        elif field == "data":
            data.append(value.removeprefix(" "))
    raise AssertionError(f"the stream ended: {seen!r}")


async def test_the_live_relay_sends_the_count_and_new_notifications_but_no_token(
    page: Any, web: Web
) -> None:
    suite = web.suite
    address = _address()
    await register_for_event(suite, "Netzwerktreffen Ganztag", address)
    await _inbox(suite, address, 1)
    await _sign_in(page, web, address)
    cookie = {c["name"]: c["value"] for c in await page.context.cookies()}["sf_sitzung"]

    seen: list[str] = []
    async with (
        web.client(cookies={"sf_sitzung": cookie}) as client,
        client.stream("GET", "/posteingang/live") as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.aiter_lines()
        assert await _next_event(lines, seen) == ("unread", json.dumps({"unread": 1}))

        second = await register_for_event(suite, "Sprechstunde Fördermittel", address)
        name, data = await _next_event(lines, seen)
        assert name == "notification"
        relayed = json.loads(data)
        assert relayed["title"] == "Anmeldung bestätigt: Sprechstunde Fördermittel"
        assert relayed["kind_label"] == "Anmeldung bestätigt"
        assert relayed["link"] == f"/veranstaltungen/{second['id']}"
        assert relayed["read"] is False
        assert await _next_event(lines, seen) == ("unread", json.dumps({"unread": 2}))
        assert any(line.startswith("id: ") for line in seen)  # resumable with Last-Event-ID

    received = "\n".join(seen)
    tokens = web.access_tokens()
    assert tokens
    for token in tokens:
        assert token not in received and token.split(".")[1] not in received
    assert "Bearer" not in received


async def test_the_live_relay_answers_401_when_signed_out(web: Web) -> None:
    async with web.client() as client:
        response = await client.get("/posteingang/live")
    assert response.status_code == 401
    assert "location" not in response.headers


async def test_saving_over_a_newer_save_explains_it_in_german(page: Any, web: Web) -> None:
    await _sign_in(page, web, _address())
    await page.goto(f"{web.url}/einstellungen")
    other = await page.context.new_page()  # the same person, in a second tab
    await other.goto(f"{web.url}/einstellungen")
    await other.get_by_label("Einmal am Tag gesammelt").check()
    await other.get_by_role("button", name="Speichern").click()
    await expect(other.get_by_role("status")).to_contain_text("gespeichert")

    await page.get_by_label("Einmal in der Woche gesammelt").check()
    async with page.expect_response(f"{web.url}/einstellungen") as answer:
        await page.get_by_role("button", name="Speichern").click()
    assert (await answer.value).status == 409
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("inzwischen an anderer Stelle geändert")
    await expect(page.get_by_label("Einmal am Tag gesammelt")).to_be_checked()  # the newer save
    assert await check_accessibility(page) == []


async def test_older_notifications_are_a_link_away(page: Any, web: Web) -> None:
    suite = web.suite
    address = _address()
    titles = [f"Themenabend {n}" for n in range(PAGE_SIZE + 1)]
    for title in titles:
        await register_for_event(suite, title, address)
    await _inbox(suite, address, len(titles))
    await _sign_in(page, web, address)
    await page.goto(f"{web.url}/posteingang")
    await expect(page.locator("[data-notification-id]")).to_have_count(PAGE_SIZE)
    await page.get_by_role("link", name="Weitere laden").click()
    await expect(page.locator("[data-notification-id]")).to_have_count(1)
    await expect(page.locator("[data-notification-id]")).to_contain_text("Themenabend 0")
    await expect(page.get_by_role("link", name="Weitere laden")).to_have_count(0)
    await page.get_by_role("link", name="Zu den neuesten Benachrichtigungen").click()
    await expect(page.locator("[data-notification-id]").first).to_contain_text(
        f"Themenabend {PAGE_SIZE}"
    )
