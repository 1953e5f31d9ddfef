"""The 14 regions of the programme (11 districts, 3 district-free cities), fixed by the contract.

The registry holds their details (names, offices); every other service only needs to know which
slugs exist, to validate a region given in a request.
"""

from __future__ import annotations

from schulerfolg.events.base import STATE
from schulerfolg.http.problems import FieldError, Unprocessable

REGIONS: dict[str, str] = {
    "altmarkkreis-salzwedel": "15081",
    "anhalt-bitterfeld": "15082",
    "boerde": "15083",
    "burgenlandkreis": "15084",
    "dessau-rosslau": "15001",
    "halle": "15002",
    "harz": "15085",
    "jerichower-land": "15086",
    "magdeburg": "15003",
    "mansfeld-suedharz": "15087",
    "saalekreis": "15088",
    "salzlandkreis": "15089",
    "stendal": "15090",
    "wittenberg": "15091",
}
"""Region slug → official district key (Kreisschlüssel)."""

REGION_SLUGS = frozenset(REGIONS)


def check_region(
    region: str | None, *, field: str = "region", location: str = "body", state_allowed: bool = True
) -> None:
    """A 422 problem unless ``region`` is one of the 14 slugs (or None for the state level)."""
    if region is None and state_allowed:
        return
    if region not in REGION_SLUGS:
        allowed = ", ".join(sorted(REGION_SLUGS))
        raise Unprocessable(
            f"'{region}' is not a region. Use one of: {allowed}"
            + (" (or null for the state level)." if state_allowed else "."),
            errors=[
                FieldError(field=field, location=location, message="unknown region", type="region")
            ],
        )


def normalise_region(region: str | None, *, field: str = "region") -> str | None:
    """A region from a request body: ``state`` and null mean the state level; else one of the 14."""
    if region == STATE:
        return None
    check_region(region, field=field)
    return region


def check_region_filter(region: str | None) -> None:
    """A 422 naming the query parameter unless ``region`` is a slug or ``state``."""
    if region is None or region == STATE or region in REGION_SLUGS:
        return
    raise Unprocessable(
        f"'{region}' is not a region. Use one of: {', '.join(sorted(REGION_SLUGS))} or state.",
        errors=[
            FieldError(field="region", location="query", message="unknown region", type="region")
        ],
    )


def subject_region(region: str | None) -> str:
    """The region token of an event: the slug, or ``state``."""
    return region or STATE
