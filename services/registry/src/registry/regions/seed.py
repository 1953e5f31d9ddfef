"""The 14 regions and their network offices, read from the public reference data in ``data/``.

The files are kept unchanged; what the registry needs is derived here: the fixed region slugs,
the kind, and the office's address split into street, postal code and city.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_ADDRESS = re.compile(r"^(?P<street>.+?),\s*(?P<postal_code>\d{5})\s+(?P<city>.+)$")
_NOTE = re.compile(r"\s*\((?:address not confirmed|post:[^)]*)\)")


@dataclass(frozen=True)
class RegionSeed:
    """A region and its office as the public data describes them."""

    slug: str
    name: str
    name_official: str
    kind: str
    district_key: str
    nuts3: str
    population: int
    office_name: str
    office_provider_name: str | None
    office_provider_kind: str | None
    office_street: str | None
    office_postal_code: str | None
    office_city: str | None
    office_data_status: str | None
    office_sources: str | None


def slugify(name: str) -> str:
    """The region slug of a short district name: ``Mansfeld-Südharz`` → ``mansfeld-suedharz``."""
    plain = re.sub(r"\(.*?\)", "", name).strip().lower().translate(_TRANSLITERATION)
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def parse_address(text: str) -> tuple[str | None, str | None, str | None]:
    """Split ``Straße 1, 06844 Stadt (note)`` into street, postal code and city."""
    cleaned = _NOTE.sub("", text or "").strip()
    if not cleaned:
        return None, None, None
    match = _ADDRESS.match(cleaned)
    if match:
        return match["street"], match["postal_code"], match["city"]
    return None, None, cleaned


def _read(name: str) -> list[dict[str, str]]:
    text = files("registry.regions").joinpath("data", name).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(text.splitlines()))


@cache
def region_seeds() -> tuple[RegionSeed, ...]:
    """The 14 regions with their offices, ordered by district key."""
    offices = {row["kreisschluessel"]: row for row in _read("netzwerkstellen_schulerfolg.csv")}
    seeds = []
    for row in _read("sachsen-anhalt_kreise.csv"):
        key = row["kreisschluessel"]
        office = offices[key]
        street, postal_code, city = parse_address(office["address"])
        provider = office["traeger"].strip()
        provider_kind = office["traeger_kind"].strip()
        seeds.append(
            RegionSeed(
                slug=slugify(row["name_short"]),
                name=row["name_short"],
                name_official=row["name_official"],
                kind="city" if row["type"] == "Kreisfreie Stadt" else "district",
                district_key=key,
                nuts3=row["nuts3"],
                population=int(row["population_2019_12_31"]),
                office_name=office["netzwerkstelle_name"],
                office_provider_name=None if provider.startswith("NOT FOUND") else provider,
                office_provider_kind=provider_kind if provider_kind in ("public", "free") else None,
                office_street=street,
                office_postal_code=postal_code,
                office_city=city,
                office_data_status=next(iter(office["status"].split()), None),
                office_sources=office["sources"] or None,
            )
        )
    return tuple(sorted(seeds, key=lambda s: s.district_key))
