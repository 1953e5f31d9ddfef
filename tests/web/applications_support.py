"""Seeding for the application page tests: the network of ``e2e.flow`` (office, provider,
schools, a steering group with a session, a fund it decides), made ready for drafting through
the pages, and an application of another region."""

from __future__ import annotations

import uuid
from typing import Any

from e2e.flow import Network, ok, set_up_network, until
from suite_support import Suite

OTHER_REGION = "magdeburg"


async def ready_network(suite: Suite, *, schools: int) -> Network:
    """The Börde network with ``schools`` schools, once offers knows every school and the
    provider (it learns them from registry events): a probe draft for the last school, made
    by the office, waits for that."""
    net = await set_up_network(suite, schools=schools)
    probe = {
        "fund_id": net.fund["id"],
        "school_ids": [net.schools[-1]["id"]],
        "partner_organization_ids": [net.provider["id"]],
        "title": "Probe: kennt offers die Schulen?",
    }

    async with suite.client("offers") as offers:

        async def drafted() -> dict[str, Any] | None:
            response = await offers.post("/applications", json=probe, headers=net.office)
            if response.status_code == 422 and response.json().get("rule") in (
                "unknown-school",
                "unknown-organization",
            ):
                return None
            return ok(response, 201)

        draft = await until(drafted, timeout=180, interval=0.5)
        ok(await offers.post(f"/applications/{draft['id']}/withdraw", headers=net.office))
    return net


async def record_advice(net: Network, application_id: str) -> None:
    """The office's advice through the API (for journeys that are not about the advice)."""
    async with net.suite.client("offers") as offers:
        ok(
            await offers.post(
                f"/applications/{application_id}/consultation",
                json={"date": "2026-11-20", "notes": "Beratung am Telefon"},
                headers=net.office,
            )
        )


async def application_of_other_region(suite: Suite, title: str) -> dict[str, Any]:
    """A draft in Magdeburg, made by Magdeburg's office (school and fund of that region)."""
    office = suite.auth("network_office", OTHER_REGION, sub="office-magdeburg")
    async with suite.client("registry") as registry:
        school = ok(
            await registry.post(
                "/schools",
                json={
                    "school_number": f"{uuid.uuid4().int % 10**8:08d}",
                    "name": f"Grundschule Magdeburg {uuid.uuid4().hex[:6]}",
                    "school_type": "grundschule",
                    "region": OTHER_REGION,
                    "city": "Magdeburg",
                },
                headers=office,
            ),
            201,
        )
    async with suite.client("offers") as offers:
        fund = ok(
            await offers.post(
                "/funds",
                json={
                    "name": f"Schulprojekte Magdeburg {uuid.uuid4().hex[:6]}",
                    "kind": "school_project",
                    "region": OTHER_REGION,
                    "period_start": "2027-01-01",
                    "period_end": "2027-12-31",
                    "budget_cents": 1_000_000,
                },
                headers=office,
            ),
            201,
        )

        async def drafted() -> dict[str, Any] | None:
            response = await offers.post(
                "/applications",
                json={"fund_id": fund["id"], "school_ids": [school["id"]], "title": title},
                headers=office,
            )
            if response.status_code == 422 and response.json().get("rule") == "unknown-school":
                return None
            return ok(response, 201)

        created: dict[str, Any] = await until(drafted, timeout=180, interval=0.5)
        return created
