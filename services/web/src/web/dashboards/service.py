"""What the dashboards ask offers (statistics) and the registry (regions, schools), and the charts
they draw from it: each chart is a list of bars with its data, shown as SVG and as a table."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from web.auth.schemas import User
from web.public.service import regions
from web.site.catalogue import STATUSES
from web.site.client import Api
from web.site.formatting import euro

CSV_GROUPS = {
    "regionen": "region",
    "fonds": "fund",
    "themen": "topic",
    "zielgruppen": "target_group",
    "schulformen": "school_type",
    "finanzierungsquellen": "funding_source",
}
"""``/auswertung/<name>.csv`` → offers' ``group_by`` of the statistics CSV."""

MONEY_KINDS = {
    "approved_cents": "Bewilligt",
    "paid_cents": "Ausgezahlt",
    "accepted_cents": "Anerkannt",
    "reclaimed_cents": "Zurückgefordert",
}
"""The money after approval; paid, accepted and reclaimed only where offers reports them."""
REACHED_KINDS = {
    "with_school_social_work": "mit Schulsozialarbeit",
    "without_school_social_work": "ohne Schulsozialarbeit",
    "unknown": "Schulsozialarbeit unbekannt",
}
"""Offers' schools reached (distinct schools with a funded application), by school social work."""
FIRST_YEAR, LAST_YEAR = 2000, 2100


def year_of(text: str | None) -> int | None:
    """A year chosen in the URL (``?zeitraum=2025``), None when none or no plausible year."""
    if text and text.isdigit() and FIRST_YEAR <= int(text) <= LAST_YEAR:
        return int(text)
    return None


async def statistics(
    api: Api, user: User, *, region: str | None = None, year: int | None = None
) -> dict[str, Any]:
    """Offers' statistics of the person's regions (every region for the state coordination)."""
    params = {"region": region, "year": year}
    found: dict[str, Any] = await api.get("offers", "/statistics", params=params, token=user.token)
    return found


async def statistics_csv(
    api: Api, user: User, group_by: str, *, region: str | None = None, year: int | None = None
) -> str:
    """Offers' statistics as CSV (``;``, BOM, German headers), one row per ``group_by``."""
    reply = await api.call(
        "GET",
        "offers",
        "/statistics",
        params={"region": region, "year": year, "group_by": group_by},
        token=user.token,
        accept="text/csv",
    )
    return str(reply.body)


async def region_names(api: Api) -> dict[str, str]:
    return {str(r["slug"]): str(r["name"]) for r in await regions(api)}


async def school_counts(api: Api, shown: list[str]) -> list[dict[str, Any]]:
    """Per region shown: the registry's schools with and without school social work."""

    async def count(region: str, social_work: bool) -> int:
        params = {"region": region, "has_school_social_work": str(social_work).lower()}
        return len(await api.all_items("registry", "/schools", params=params))

    counts = await asyncio.gather(*(count(r, flag) for r in shown for flag in (True, False)))
    return [
        {"region": region, "with": counts[2 * i], "without": counts[2 * i + 1]}
        for i, region in enumerate(shown)
    ]


# --------------------------------------------------------------------------- charts


@dataclass
class Chart:
    """One chart: a heading, its bars (label, value per series) and how values read."""

    slug: str
    title: str
    series: list[str]
    rows: list[tuple[str, list[int]]] = field(default_factory=list)
    money: bool = False
    csv: str | None = None
    key: str = "Gruppe"

    def text(self, value: int) -> str:
        return euro(value) if self.money else f"{value:,}".replace(",", ".")

    @property
    def largest(self) -> int:
        return max((v for _, values in self.rows for v in values), default=0) or 1

    def share(self, value: int) -> float:
        """The bar's length in percent of the chart's largest value."""
        return round(100 * value / self.largest, 2)

    @property
    def summary(self) -> str:
        """The text alternative: what the chart shows and its largest bar."""
        if not self.rows:
            return f"{self.title}: keine Daten."
        label, values = max(self.rows, key=lambda row: row[1][0])
        return (
            f"{self.title}, {len(self.rows)} Balken je {', '.join(self.series)}. "
            f"Größter Wert {self.series[0]}: {label} mit {self.text(values[0])}."
        )


def money_kinds(rows: list[dict[str, Any]]) -> dict[str, str]:
    """The money columns offers reports in these rows (paid, accepted, reclaimed when present)."""
    return {k: v for k, v in MONEY_KINDS.items() if all(k in row for row in rows) and rows}


def charts(stats: dict[str, Any], names: dict[str, str]) -> list[Chart]:
    """The dashboard's charts from one statistics answer."""
    totals, by_region = stats["totals"], stats["by_region"]
    kinds = money_kinds(by_region)

    def region_of(row: dict[str, Any]) -> str:
        return names.get(row["region"], str(row["region"]))

    both = ["Anträge", "Gefördert"]
    return [
        Chart(
            "status",
            "Anträge nach Status",
            ["Anträge"],
            [(STATUSES[s], [totals["by_status"][s]]) for s in STATUSES],
            csv="regionen",
            key="Status",
        ),
        Chart(
            "regionen",
            "Anträge nach Region",
            both,
            [(region_of(r), [r["applications"], r["funded"]]) for r in by_region],
            csv="regionen",
            key="Region",
        ),
        Chart(
            "erreichte-schulen",
            "Erreichte Schulen nach Region",
            list(REACHED_KINDS.values()),
            [(region_of(r), [r["schools_reached"][k] for k in REACHED_KINDS]) for r in by_region],
            csv="regionen",
            key="Region",
        ),
        Chart(
            "budgets",
            "Bewilligte Mittel gegen Budget",
            ["Budget", "Bewilligt"],
            [(f["name"], [f["budget_cents"], f["approved_cents"]]) for f in stats["by_fund"]],
            money=True,
            csv="fonds",
            key="Förderfonds",
        ),
        Chart(
            "geld",
            "Mittel nach Region",
            list(kinds.values()),
            [(region_of(r), [r[k] for k in kinds]) for r in by_region],
            money=True,
            csv="regionen",
            key="Region",
        ),
        Chart(
            "themen",
            "Themen",
            both,
            [(t["name"], [t["applications"], t["funded"]]) for t in stats["by_topic"]],
            csv="themen",
            key="Thema",
        ),
        Chart(
            "zielgruppen",
            "Zielgruppen",
            ["Anträge", "Teilnehmende geplant", "Teilnehmende erreicht"],
            [
                (
                    g["name"],
                    [
                        g["applications"],
                        g["participants"]["planned"][g["target_group"]],
                        g["participants"]["reached"][g["target_group"]],
                    ],
                )
                for g in stats["by_target_group"]
            ],
            csv="zielgruppen",
            key="Zielgruppe",
        ),
    ]


def schools_chart(counts: list[dict[str, Any]], names: dict[str, str]) -> Chart:
    chart = Chart(
        "schulen",
        "Schulen im Verzeichnis nach Schulsozialarbeit",
        ["mit Schulsozialarbeit", "ohne Schulsozialarbeit"],
        [(names.get(c["region"], c["region"]), [c["with"], c["without"]]) for c in counts],
        csv="schulen",
        key="Region",
    )
    return chart


def comparison_chart(
    first: dict[str, Any], second: dict[str, Any], years: tuple[int, int], names: dict[str, str]
) -> Chart:
    """Applications and approved money per region, one period against the other."""
    a, b = years
    chart = Chart(
        "vergleich",
        f"Zeitraum {a} gegen {b}: Anträge nach Region",
        [f"Anträge {a}", f"Anträge {b}"],
        csv="vergleich",
        key="Region",
    )
    other = {r["region"]: r for r in second["by_region"]}
    chart.rows = [
        (
            names.get(r["region"], r["region"]),
            [r["applications"], other.get(r["region"], {}).get("applications", 0)],
        )
        for r in first["by_region"]
    ]
    return chart


def comparison_csv_rows(
    first: dict[str, Any], second: dict[str, Any], names: dict[str, str]
) -> list[list[Any]]:
    """Per region and in total: applications and approved cents in both periods."""
    other = {r["region"]: r for r in second["by_region"]}
    rows = []
    for r in first["by_region"]:
        o = other.get(r["region"], {})
        rows.append(
            [
                names.get(r["region"], r["region"]),
                r["applications"],
                o.get("applications", 0),
                r["approved_cents"],
                o.get("approved_cents", 0),
            ]
        )
    t1, t2 = first["totals"], second["totals"]
    rows.append(
        [
            "Gesamt",
            t1["applications"],
            t2["applications"],
            t1["approved_cents"],
            t2["approved_cents"],
        ]
    )
    return rows
