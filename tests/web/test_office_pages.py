"""The office's start page „Was jetzt ansteht“ (``/aufgaben``) on a seeded Börde network, through
the real suite: an application waiting for advice, submitted ones with the session that decides
them, a committee decision offers refused (the fund's money ran out), a report to check, a call
for money to approve, an event with a waiting list, the next session and event, and each fund's
budget use as a bar with its figures as text. Every section's count, its links, axe-core; the
office of another region sees none of it; schools may not open the page."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from applications_support import application_of_other_region, ready_network
from e2e.flow import Network, ok, until
from suite_support import Suite
from web_support import Web, check_accessibility, sign_in

from web.site.formatting import datum

# The start page's counts are the region's: only this module's data may be in it.
OWN_SUITE = True
TAG = uuid.uuid4().hex[:6]
ADVICE = f"Medienscouts ausbilden ({TAG})"
WAITING = f"Zirkuswoche ({TAG})"
REFUSED = f"Theaterprojekt ({TAG})"
REPORTED = f"Klassenfahrt Harz ({TAG})"
EVENT = f"Fortbildung Kinderschutz ({TAG})"
SMALL_FUND = f"Kleiner Fonds {TAG}"


def _project(net: Network, fund_id: str, title: str, cents: int) -> dict[str, Any]:
    """A complete application (it can be submitted), by the office for the first school."""
    return {
        "fund_id": fund_id,
        "school_ids": [net.schools[0]["id"]],
        "partner_organization_ids": [net.provider["id"]],
        "title": title,
        "summary": "Eine Projektwoche.",
        "goals": "Zusammenhalt stärken.",
        "topics": ["music-arts"],
        "target_groups": ["pupils"],
        "planned_participants": {"pupils": 25},
        "start_date": "2027-05-03",
        "end_date": "2027-05-07",
        "budget_lines": [{"category": "fees", "description": "Honorar", "amount_cents": cents}],
        "contact": {"name": "Jonas Beck", "email": f"beck-{TAG}@schule.example"},
    }


async def _submitted(offers: httpx.AsyncClient, net: Network, body: dict[str, Any]) -> str:
    app = ok(await offers.post("/applications", json=body, headers=net.office), 201)
    base = f"/applications/{app['id']}"
    advice = {"date": "2026-11-20", "notes": "Beraten"}
    ok(await offers.post(f"{base}/consultation", json=advice, headers=net.office))
    ok(await offers.post(f"{base}/submit", headers=net.office))
    return str(app["id"])


async def _on_agenda(meetings: httpx.AsyncClient, net: Network, app_id: str) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        answer = ok(await meetings.get(f"/meetings/{net.session['id']}/agenda", headers=net.office))
        return next((i for i in answer["items"] if i.get("application_id") == app_id), None)

    item: dict[str, Any] = await until(found, timeout=90, interval=0.5)
    return item


@pytest.fixture(scope="module")
async def seeded(suite: Suite) -> dict[str, Any]:
    """The Börde network with one of everything the start page lists (through the APIs)."""
    net = await ready_network(suite, schools=1)
    async with (
        suite.client("offers") as offers,
        suite.client("meetings") as meetings,
    ):
        small = ok(
            await offers.post(
                "/funds",
                json={
                    "name": SMALL_FUND,
                    "kind": "school_project",
                    "region": net.region,
                    "period_start": "2027-01-01",
                    "period_end": "2027-12-31",
                    "budget_cents": 200_000,
                    "deciding_committee_id": net.committee["id"],
                    "payment_rule": {"advance_percent": 100},
                },
                headers=net.office,
            ),
            201,
        )
        advice = ok(
            await offers.post(
                "/applications",
                json=_project(net, net.fund["id"], ADVICE, 50_000),
                headers=net.office,
            ),
            201,
        )
        waiting = await _submitted(offers, net, _project(net, net.fund["id"], WAITING, 80_000))
        refused = await _submitted(offers, net, _project(net, small["id"], REFUSED, 150_000))
        reported = await _submitted(offers, net, _project(net, small["id"], REPORTED, 100_000))
        base = f"/applications/{reported}"
        ok(
            await offers.post(
                f"{base}/decision",
                json={"outcome": "approved", "approved_cents": 100_000},
                headers=net.office,
            )
        )
        payment = {"amount_cents": 40_000, "reason": "Abschlag"}
        ok(await offers.post(f"{base}/payment-requests", json=payment, headers=net.office), 201)
        report = {
            "actual_participants": {"pupils": 24},
            "actual_cost_cents": 100_000,
            "summary": "Gut gelaufen.",
        }
        ok(await offers.post(f"{base}/report", json=report, headers=net.office))

        # the committee approves more than the small fund has left: offers refuses it
        item = await _on_agenda(meetings, net, refused)
        ok(
            await meetings.post(
                f"/meetings/{net.session['id']}/attendance",
                json={"person_ids": [m["id"] for m in net.members]},
                headers=net.office,
            )
        )
        decided = await meetings.post(
            f"/meetings/{net.session['id']}/agenda/{item['id']}/decision",
            json={
                "outcome": "approved",
                "approved_cents": 150_000,
                "votes": {"yes": 3, "no": 0, "abstain": 0},
            },
            headers=net.office,
        )
        assert decided.status_code in (200, 201), decided.text

        async def refused_recorded() -> bool:
            answer = ok(await offers.get(f"/applications/{refused}/decisions", headers=net.office))
            return any(not d["applied"] for d in answer["items"])

        await until(refused_recorded, timeout=90, interval=0.5)
        await _on_agenda(meetings, net, waiting)

        async def session_known() -> bool:
            app = ok(await offers.get(f"/applications/{waiting}", headers=net.office))
            return app["deciding_session"] is not None

        await until(session_known, timeout=90, interval=0.5)

        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
        event = ok(
            await meetings.post(
                "/meetings",
                json={
                    "kind": "training",
                    "title": EVENT,
                    "region": net.region,
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(hours=3)).isoformat(),
                    "location": "Oschersleben",
                    "capacity": 1,
                    "public": True,
                },
                headers=net.office,
            ),
            201,
        )
        for who in ("Anna", "Bernd"):
            person = {"name": who, "email": f"{who.lower()}-{TAG}@example.org"}
            ok(await meetings.post(f"/meetings/{event['id']}/registrations", json=person), 201)
    other = await application_of_other_region(suite, f"Magdeburger Projekt ({TAG})")
    return {
        "net": net,
        "advice": advice["id"],
        "reported": reported,
        "event": event,
        "small": small,
        "other": other,
    }


async def _text(page: Any, selector: str = "main") -> str:
    """The text as read, white space (no-break spaces too) folded to single spaces."""
    return re.sub(r"\s+", " ", str(await page.locator(selector).inner_text()))


async def _section(page: Any, anchor: str) -> str:
    return await _text(page, f"section[aria-labelledby={anchor}]")


EXPECTED = {
    "Beratung gewünscht": 1,
    "Eingereicht, zur Entscheidung": 2,
    "Nicht übernommene Entscheidungen": 1,
    "Verwendungsnachweise zu prüfen": 1,
    "Mittelabrufe zu bewilligen": 1,
    "Wartelisten": 1,
    "Nächste Sitzungen": 1,
    "Nächste Veranstaltungen": 1,
    "Mittel der Förderfonds": 2,
}


async def test_the_office_sees_what_needs_it_now_with_counts_and_links(
    page: Any, web: Web, seeded: dict[str, Any]
) -> None:
    net: Network = seeded["net"]
    await sign_in(page, web, role="network_office", region="boerde", name="Petra Schäfer")
    await page.get_by_role("navigation").get_by_role("link", name="Aufgaben").click()
    await page.wait_for_url("**/aufgaben")
    assert await page.get_by_role("heading", level=1).inner_text() == "Was jetzt ansteht"
    overview = page.get_by_role("navigation", name="Überblick")
    for heading, count in EXPECTED.items():
        assert await overview.get_by_role("link", name=f"{heading}: {count}").count() == 1, heading
    assert await check_accessibility(page) == []

    assert ADVICE in await _section(page, "beratung")
    submitted = await _section(page, "eingereicht")
    assert WAITING in submitted and REFUSED in submitted
    row = page.locator("section[aria-labelledby=eingereicht] tr", has_text=WAITING)
    assert datum(net.session["starts_at"]) in await row.inner_text()  # the deciding session
    refused = await _section(page, "nicht-uebernommen")
    assert REFUSED in refused and "Bewilligt" in refused
    assert "Im Fonds ist nicht mehr genug Geld für diesen Betrag übrig." in refused
    assert WAITING not in refused
    assert REPORTED in await _section(page, "nachweise")
    payments = await _section(page, "mittelabrufe")
    assert REPORTED in payments and "400,00 €" in payments
    waitlists = await _section(page, "wartelisten")
    assert EVENT in waitlists and "1 auf der Warteliste, 1 bestätigt von 1 Plätzen" in waitlists
    assert "Sitzung der Steuergruppe" in await _section(page, "sitzungen")
    assert EVENT in await _section(page, "veranstaltungen")
    funds = await _section(page, "fonds")
    assert f"{SMALL_FUND}: 1.000,00 € von 2.000,00 € (50 %) bewilligt" in funds
    assert "0,00 € von 100.000,00 € (0 %) bewilligt" in funds
    meter = page.get_by_role("meter", name=SMALL_FUND)
    assert await meter.get_attribute("value") == "100000"
    assert await meter.get_attribute("max") == "200000"
    assert "Magdeburger Projekt" not in await _text(page)

    # the overview's links lead to their sections, the sections' links to the pages
    await overview.get_by_role("link", name="Wartelisten: 1").click()
    assert page.url.endswith("/aufgaben#wartelisten")
    await page.get_by_role("link", name=ADVICE).click()
    await page.wait_for_url(f"**/antraege/{seeded['advice']}")
    assert await page.get_by_role("heading", level=1).inner_text() == ADVICE
    assert await page.get_by_role("button", name="Beratung erfassen").count() == 1
    await page.go_back()
    refused_link = page.locator("section[aria-labelledby=nicht-uebernommen]").get_by_role(
        "link", name=REFUSED
    )
    await refused_link.click()
    await page.wait_for_url("**/antraege/*")
    decisions = await _section(page, "beschluesse")  # the detail page lists the decisions
    assert "Gremium" in decisions and "Bewilligt: 1.500,00 €" in decisions
    assert "Nein: Im Fonds ist nicht mehr genug Geld" in decisions
    assert await page.get_by_role("button", name="Entscheidung erfassen").count() == 1
    assert await check_accessibility(page) == []
    await page.go_back()
    await (
        page.locator("section[aria-labelledby=mittelabrufe]")
        .get_by_role("link", name=REPORTED)
        .click()
    )
    await page.wait_for_url(f"**/antraege/{seeded['reported']}/mittelabruf")
    assert await page.get_by_role("button", name="Bewilligen").count() == 1
    await page.go_back()
    await (
        page.locator("section[aria-labelledby=wartelisten]").get_by_role("link", name=EVENT).click()
    )
    # the organiser's page of the event, with its waiting list
    await page.wait_for_url(f"**/veranstaltungen/verwalten/{seeded['event']['id']}")
    assert EVENT in await _text(page)
    await page.go_back()
    await (
        page.locator("section[aria-labelledby=eingereicht]")
        .get_by_role("link", name="Alle eingereichten Anträge")
        .click()
    )
    await page.wait_for_url("**/antraege?status=submitted")
    listed = await _text(page)
    assert WAITING in listed and REFUSED in listed and ADVICE not in listed


async def test_another_regions_office_sees_none_of_it(
    page: Any, web: Web, seeded: dict[str, Any]
) -> None:
    await sign_in(page, web, role="network_office", region="magdeburg", name="Büro Magdeburg")
    await page.goto(f"{web.url}/aufgaben")
    text = await _text(page)
    for title in (
        ADVICE,
        WAITING,
        REFUSED,
        REPORTED,
        EVENT,
        SMALL_FUND,
        "Sitzung der Steuergruppe",
    ):
        assert title not in text, title
    overview = page.get_by_role("navigation", name="Überblick")
    for heading in EXPECTED:
        expected = 1 if heading in ("Beratung gewünscht", "Mittel der Förderfonds") else 0
        name = f"{heading}: {expected}"
        assert await overview.get_by_role("link", name=name).count() == 1, name
    # its own draft waits for advice; empty sections say so
    assert "Magdeburger Projekt" in await _section(page, "beratung")
    assert "Kein Mittelabruf wartet auf die Bewilligung." in await _section(page, "mittelabrufe")
    assert "Auf keiner Veranstaltung warten Anmeldungen." in await _section(page, "wartelisten")
    assert "Keine Sitzung geplant." in await _section(page, "sitzungen")
    assert await check_accessibility(page) == []


async def test_the_state_coordination_sees_every_region_and_schools_may_not(
    page: Any, web: Web, seeded: dict[str, Any]
) -> None:
    await sign_in(page, web, role="state_coordinator", name="Landeskoordination")
    await page.goto(f"{web.url}/aufgaben")
    text = await _text(page)
    assert ADVICE in text and "Magdeburger Projekt" in text and SMALL_FUND in text
    assert "Landesweite Koordinierungsstelle" in text
    assert await check_accessibility(page) == []

    net: Network = seeded["net"]
    school = await page.context.browser.new_context(locale="de-DE")
    other = await school.new_page()
    await sign_in(other, web, role="school", school=net.schools[0]["id"], name="Schule")
    response = await other.goto(f"{web.url}/aufgaben")
    assert response is not None and response.status == 403
    await school.close()
