"""A fund's funding sources (shares summing to 100) and the statistics split by source in exact
cents: the parts always sum to the totals."""

from __future__ import annotations

from typing import Any

from offers_support import World

SOURCES = [
    {"name": "ESF+", "share_percent": 33},
    {"name": "Land Sachsen-Anhalt", "share_percent": 33},
    {"name": "Kommune", "share_percent": 34},
]


def _lines(cents: int) -> list[dict[str, Any]]:
    return [{"category": "fees", "description": "Honorar", "amount_cents": cents}]


async def test_shares_must_sum_to_100(world: World):
    body = {
        "name": "Fonds",
        "region": "boerde",
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        "budget_cents": 1000,
    }
    response = await world.client.post(
        "/api/v1/funds", json={**body, "funding_sources": SOURCES[:2]}, headers=world.office()
    )
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["type"] == "funding_sources_sum" and "66" in error["message"]
    twice = [{"name": "ESF+", "share_percent": 50}, {"name": "esf+", "share_percent": 50}]
    response = await world.client.post(
        "/api/v1/funds", json={**body, "funding_sources": twice}, headers=world.office()
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "funding_sources_unique"

    fund = await world.fund(funding_sources=SOURCES)
    assert fund["funding_sources"] == SOURCES
    response = await world.client.patch(
        f"/api/v1/funds/{fund['id']}",
        json={"funding_sources": [{"name": "ESF+", "share_percent": 90}]},
        headers=world.office(),
    )
    assert response.status_code == 422
    response = await world.client.patch(
        f"/api/v1/funds/{fund['id']}",
        json={"funding_sources": [{"name": "ESF+", "share_percent": 100}]},
        headers=world.office(),
    )
    assert response.status_code == 200, response.text
    assert response.json()["funding_sources"] == [{"name": "ESF+", "share_percent": 100}]


async def test_statistics_split_money_by_source_to_the_exact_cent(world: World):
    split = await world.fund(
        requires_consultation=False, funding_sources=SOURCES, max_per_school_per_year_cents=None
    )
    unsplit = await world.fund(requires_consultation=False, name="Ohne Quellen")
    first = await world.submitted(split, budget_lines=_lines(100_001))
    await world.submitted(split, budget_lines=_lines(55_555))
    await world.submitted(unsplit, budget_lines=_lines(12_345))
    decided = await world.client.post(
        f"/api/v1/applications/{first['id']}/decision",
        json={"outcome": "approved", "approved_cents": 77_777},
        headers=world.office(),
    )
    assert decided.status_code == 200, decided.text

    stats = (await world.client.get("/api/v1/statistics", headers=world.office())).json()
    parts = {p["name"]: p for p in stats["by_funding_source"]}
    assert sum(p["requested_cents"] for p in parts.values()) == stats["totals"]["requested_cents"]
    assert sum(p["approved_cents"] for p in parts.values()) == stats["totals"]["approved_cents"]
    assert stats["totals"]["requested_cents"] == 100_001 + 55_555 + 12_345
    # 155,556 by 33/33/34: 51,333.48 / 51,333.48 / 52,889.04 → the one cent left goes to a 0.48
    assert [parts[s["name"]]["requested_cents"] for s in SOURCES] == [51_334, 51_333, 52_889]
    # 77,777 by 33/33/34: 25,666.41 / 25,666.41 / 26,444.18 → the cent goes to the first .41
    assert [parts[s["name"]]["approved_cents"] for s in SOURCES] == [25_667, 25_666, 26_444]
    assert parts[None] == {
        "name": None,
        "requested_cents": 12_345,
        "approved_cents": 0,
        "paid_cents": 0,
        "accepted_cents": 0,
        "reclaimed_cents": 0,
    }

    only = (
        await world.client.get(
            "/api/v1/statistics", params={"fund_id": split["id"]}, headers=world.office()
        )
    ).json()
    assert [p["name"] for p in only["by_funding_source"]] == [s["name"] for s in SOURCES]
