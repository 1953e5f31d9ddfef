"""Seeding for the page tests of the money after a decision (assessment, documents, payments,
proof of use, attachments): the fund's rules changed, and an application of Börde's first school
drafted, advised, submitted and decided by the office, all through offers' API (the pages' own
journey is in test_applicant_journey.py); and the pages' people and texts: the school's contact or
Börde's office signed in, a section of the application's page followed, the text as read."""

from __future__ import annotations

from typing import Any

from applications_support import record_advice
from e2e.flow import Network, ok
from web_support import Web, sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(2000)  # a small image, by content


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
    await record_advice(net, app["id"])
    async with net.suite.client("offers") as offers:
        return ok(await offers.post(f"/applications/{app['id']}/submit", headers=net.office))


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


async def attach(
    net: Network, app_id: str, kind: str, title: str, name: str = "datei.png"
) -> dict[str, Any]:
    """An attachment of ``kind`` (the small PNG as ``name``) added by the office through offers'
    API."""
    async with net.suite.client("offers") as offers:
        response = await offers.post(
            f"/applications/{app_id}/attachments",
            data={"kind": kind, "title": title},
            files={"file": (name, PNG, "image/png")},
            headers=net.office,
        )
        return ok(response, 201)


async def signed_in(browser: Any, web: Web, net: Network, *, school: str = "") -> Any:
    """A fresh German browser page, signed in as ``school`` (a contact of the network's first
    school) or, without, as Börde's network office."""
    page = await (await browser.new_context(locale="de-DE")).new_page()
    if school:
        await sign_in(page, web, role="school", school=net.schools[0]["id"], name=school)
    else:
        await sign_in(page, web, role="network_office", region="boerde", name="Petra Schäfer")
    return page


async def text_of(locator: Any) -> str:
    """The text as read, on one line, with the non-breaking spaces of „1.234,50 €“ as plain ones."""
    return " ".join(str(await locator.inner_text()).replace("\xa0", " ").split())


async def error_of(page: Any, field: str) -> str:
    """The German error beside the field ``field``."""
    return await text_of(page.locator(f"#feld-{field}-fehler"))


async def follow_section(page: Any, web: Web, app_id: str, section: str) -> str:
    """Open the application's page and follow the link of its section (named by the heading's
    id); the section's text."""
    await page.goto(f"{web.url}/antraege/{app_id}")
    found = page.locator(f"section[aria-labelledby={section}]")
    text = await text_of(found)
    await found.get_by_role("link").click()
    await page.wait_for_load_state()
    return text
