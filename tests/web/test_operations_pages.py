"""„Betrieb“ through the pages: an admin sees a failed e-mail delivery (with its attempts and last
error, the address only hinted at), filters the deliveries by status in the URL, and sees an event
no consumer could process with its reason; everyone else is refused. axe clean.

The broken event goes through the suite's real NATS into notifications' consumer; the failed
delivery is written into notifications' database (the suite's mail server accepts every message,
and making it refuse for the whole retry schedule would be a test of its own)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import nats
import pytest
from e2e.flow import ok, until
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine
from suite_support import Suite
from web_support import Web, check_accessibility, sign_in

from notifications.models import Delivery

# The page shows the newest deliveries first: other modules' mails would push these two off it.
OWN_SUITE = True
ADDRESS = "erika.mustermann@schule.example"
SUBJECT = f"Ihr Antrag wurde bewilligt ({uuid.uuid4().hex[:6]})"
EVENT_ID = f"kaputt-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
async def troubles(suite: Suite) -> Suite:
    """A failed and a sent delivery, and a dead letter from a broken event on OFFERS."""
    now = datetime.now(UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "kind": "application_approved",
            "source_event_id": f"ereignis-{status}-{EVENT_ID}",
            "recipient_key": ADDRESS,
            "to_address": ADDRESS,
            "subject": f"{SUBJECT} {status}",
            "text_body": "Guten Tag",
            "html_body": "<p>Guten Tag</p>",
            "message_id": f"<{uuid.uuid4()}@schulerfolg.example>",
            "status": status,
            "attempts": attempts,
            "last_error": error,
            "next_attempt_at": now,
            "sent_at": now if status == "sent" else None,
        }
        for status, attempts, error in (
            ("failed", 5, "550 5.1.1 Postfach unbekannt"),
            ("sent", 1, None),
        )
    ]
    engine = create_async_engine(suite.services["notifications"].env["NOTIFICATIONS_DATABASE_URL"])
    async with engine.begin() as connection:
        await connection.execute(insert(Delivery.__table__), rows)  # type: ignore[attr-defined]
    await engine.dispose()

    connection = await nats.connect(suite.nats_url)
    try:
        await connection.jetstream().publish(
            "sfs.boerde.offers.application.submitted",
            b'{"not": "a cloudevent"}',
            stream="OFFERS",
            headers={"Nats-Msg-Id": EVENT_ID},
        )
    finally:
        await connection.close()

    async def parked() -> list[dict[str, Any]] | None:
        async with suite.client("notifications") as notifications:
            page = ok(await notifications.get("/dead-letters", headers=suite.auth("admin")))
        return [i for i in page["items"] if i["event_id"] == EVENT_ID] or None

    await until(parked, timeout=60, interval=0.5)
    return suite


async def test_an_admin_sees_failed_deliveries_and_dead_letters(
    page: Any, web: Web, troubles: Suite
) -> None:
    await sign_in(page, web, role="admin")
    await page.get_by_role("link", name="Betrieb").click()
    await page.wait_for_load_state()
    assert page.url.endswith("/betrieb")
    deliveries = page.locator("#tabelle-zustellungen")
    failed = deliveries.locator("tr", has_text=f"{SUBJECT} failed")
    cells = [c.strip() for c in await failed.locator("td").all_inner_texts()]
    assert cells[1:5] == [
        "e…@schule.example",
        "Fehlgeschlagen",
        "5",
        "550 5.1.1 Postfach unbekannt",
    ]
    assert ADDRESS not in await page.content()
    assert await deliveries.locator("tr", has_text=f"{SUBJECT} sent").count() == 1

    letter = page.locator("#tabelle-nicht-verarbeitet tr", has_text="notifications-offers")
    assert await letter.count() >= 1
    assert (await letter.first.locator("td").nth(2).inner_text()).strip()
    assert await check_accessibility(page) == []

    # the status filter stays in the URL and works with the keyboard, without JavaScript
    await page.get_by_label("Status").select_option(label="Fehlgeschlagen")
    await page.get_by_role("button", name="Anzeigen").press("Enter")
    await page.wait_for_load_state()
    assert "status=failed" in page.url
    assert await deliveries.locator("tr", has_text=f"{SUBJECT} failed").count() == 1
    assert await deliveries.locator("tr", has_text=f"{SUBJECT} sent").count() == 0
    assert await check_accessibility(page) == []


@pytest.mark.parametrize(
    ("role", "region", "school"),
    [
        ("state_coordinator", "", ""),
        ("network_office", "boerde", ""),
        (
            "school",
            "",
            "5c1a0b7e-2f4d-4e8a-9b6c-3d2e1f0a9b8c",
        ),  # fixed: xdist workers collect alike
    ],
)
async def test_everyone_else_is_refused(
    page: Any, web: Web, suite: Suite, role: str, region: str, school: str
) -> None:
    await sign_in(page, web, role=role, region=region, school=school)
    assert await page.get_by_role("link", name="Betrieb", exact=True).count() == 0
    response = await page.goto(f"{web.url}/betrieb")
    assert response is not None and response.status == 403
    assert SUBJECT not in await page.content()
