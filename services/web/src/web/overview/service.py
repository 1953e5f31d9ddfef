"""The state coordination's overview composed from planning's three lists (surveys, agreements,
indicators): one row per region, and the sums over all of them."""

from __future__ import annotations

import asyncio
from typing import Any

from web.agreements.service import agreements
from web.auth.schemas import User
from web.indicators.service import indicators
from web.public.service import regions
from web.site.client import Api
from web.surveys.service import surveys

COUNTS = (
    "surveys_open",
    "surveys_closed",
    "answers",
    "agreements",
    "goals",
    "reached",
    "on_track",
    "behind",
)


def rows(
    names: list[tuple[str, str]],
    found_surveys: list[dict[str, Any]],
    found_agreements: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One row per region (``names``: slug, name in order) with its counts, and the sums (a
    survey of the state level counts in the sums only)."""
    table: dict[str, dict[str, Any]] = {
        slug: {"slug": slug, "name": name} | dict.fromkeys(COUNTS, 0) for slug, name in names
    }
    total: dict[str, Any] = dict.fromkeys(COUNTS, 0)

    def add(region: str | None, column: str, value: int) -> None:
        total[column] += value
        if region in table:
            table[region][column] += value

    for survey in found_surveys:
        if survey["status"] in ("open", "closed"):
            add(survey.get("region"), f"surveys_{survey['status']}", 1)
        add(survey.get("region"), "answers", int(survey.get("responses") or 0))
    for agreement in found_agreements:
        add(agreement["region"], "agreements", 1)
        summary = agreement.get("summary") or {}
        for column in ("goals", "reached", "on_track", "behind"):
            add(agreement["region"], column, int(summary.get(column) or 0))
    return list(table.values()), total


async def overview(
    api: Api, user: User, period: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The 14 regions' rows and the sums; ``participants`` of a row is planning's figure
    ``{count, suppressed}`` for the region in ``period`` (a small count stays suppressed)."""
    names = [(str(r["slug"]), str(r["name"])) for r in await regions(api)]
    table, total = rows(names, await surveys(api, user), await agreements(api, user))
    figures = await asyncio.gather(
        *(indicators(api, user, period, region) for region in [None, *(s for s, _ in names)])
    )
    total["participants"] = figures[0]["programme"]["participants"]
    for row, found in zip(table, figures[1:], strict=True):
        row["participants"] = found["programme"]["participants"]
    return table, total
