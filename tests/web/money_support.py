"""Seeding for the page tests of the money after a decision (assessment, documents, payments,
proof of use, attachments): the fund's rules changed, and an application of Börde's first school
drafted, advised, submitted and decided by the office, all through offers' API (the pages' own
journey is in test_applicant_journey.py)."""

from __future__ import annotations

from typing import Any

from e2e.flow import Network, ok


def fees(cents: int, description: str = "Honorar") -> dict[str, Any]:
    """One budget line for fees."""
    return {"category": "fees", "description": description, "amount_cents": cents}


def project(
    net: Network,
    title: str,
    lines: list[dict[str, Any]],
    *,
    start: str = "2027-04-12",
    end: str = "2027-04-16",
    contact: tuple[str, str] = ("Jonas Beck", "jonas.beck@schule.example"),
    participants: int = 25,
) -> dict[str, Any]:
    """A complete application of the network's first school with its provider (a theatre week
    for pupils unless told otherwise)."""
    return {
        "fund_id": net.fund["id"],
        "school_ids": [net.schools[0]["id"]],
        "partner_organization_ids": [net.provider["id"]],
        "title": title,
        "summary": "Eine Woche Theater mit einer Theaterpädagogin.",
        "goals": "Mut, vor anderen zu sprechen.",
        "topics": ["music-arts"],
        "target_groups": ["pupils"],
        "planned_participants": {"pupils": participants},
        "start_date": start,
        "end_date": end,
        "budget_lines": lines,
        "contact": {"name": contact[0], "email": contact[1]},
    }


async def change_fund(net: Network, changes: dict[str, Any]) -> None:
    """PATCH the network's fund (criteria, funding sources, payment rule …)."""
    async with net.suite.client("offers") as offers:
        fund = ok(await offers.get(f"/funds/{net.fund['id']}", headers=net.office))
        ok(
            await offers.patch(
                f"/funds/{net.fund['id']}",
                json=changes,
                headers=net.office | {"If-Match": f'"{fund["version"]}"'},
            )
        )


async def draft(net: Network, body: dict[str, Any]) -> dict[str, Any]:
    """A draft made by the office."""
    async with net.suite.client("offers") as offers:
        return ok(await offers.post("/applications", json=body, headers=net.office), 201)


async def submitted(net: Network, body: dict[str, Any]) -> dict[str, Any]:
    """The application drafted, advised and submitted by the office."""
    app = await draft(net, body)
    base = f"/applications/{app['id']}"
    async with net.suite.client("offers") as offers:
        ok(
            await offers.post(
                f"{base}/consultation",
                json={"date": "2026-11-20", "notes": "Beraten"},
                headers=net.office,
            )
        )
        return ok(await offers.post(f"{base}/submit", headers=net.office))


async def decided(net: Network, body: dict[str, Any], decision: dict[str, Any]) -> dict[str, Any]:
    """The application submitted and decided by the office (``decision`` as offers takes it)."""
    app = await submitted(net, body)
    async with net.suite.client("offers") as offers:
        return ok(
            await offers.post(
                f"/applications/{app['id']}/decision", json=decision, headers=net.office
            )
        )


async def approved(net: Network, body: dict[str, Any], cents: int) -> dict[str, Any]:
    """The application approved for ``cents``."""
    return await decided(net, body, {"outcome": "approved", "approved_cents": cents})
