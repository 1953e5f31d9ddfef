"""Small pieces every meetings resource uses: regions, field types, changing entities."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import Field, StringConstraints

from schulerfolg.db import EntityFields
from schulerfolg.events.base import STATE
from schulerfolg.http.problems import FieldError, Unprocessable

# The 14 regions are fixed by the contract (registry owns their details).
REGION_SLUGS: frozenset[str] = frozenset(
    {
        "altmarkkreis-salzwedel",
        "anhalt-bitterfeld",
        "boerde",
        "burgenlandkreis",
        "dessau-rosslau",
        "halle",
        "harz",
        "jerichower-land",
        "magdeburg",
        "mansfeld-suedharz",
        "saalekreis",
        "salzlandkreis",
        "stendal",
        "wittenberg",
    }
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
RegionSlug = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=64),
    Field(description="A region slug, e.g. boerde; null or `state` for the state level."),
]

E = TypeVar("E", bound=EntityFields)


def normalise_region(region: str | None, *, field: str = "region") -> str | None:
    """A region from a request body: ``state`` and null mean the state level; else one of the 14."""
    if region is None or region == STATE:
        return None
    if region not in REGION_SLUGS:
        raise Unprocessable(
            f"'{region}' is not a region. Use one of: {', '.join(sorted(REGION_SLUGS))} "
            "(or null/state for the state level).",
            errors=[
                FieldError(field=field, location="body", message="unknown region", type="region")
            ],
        )
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


def apply_changes(entity: E, changes: dict[str, Any]) -> list[str]:
    """Set the fields in ``changes`` that differ; bump version if any did; return their names."""
    changed = [name for name, value in changes.items() if getattr(entity, name) != value]
    for name in changed:
        setattr(entity, name, changes[name])
    if changed:
        entity.touch()
    return changed


def reject_null(value: Any) -> Any:
    """For PATCH bodies: a field that may be left out but never set to null."""
    if value is None:
        raise ValueError("may be left out but not set to null")
    return value


def invalid(field: str, message: str, detail: str, *, location: str = "body") -> Unprocessable:
    """A 422 problem about one field."""
    return Unprocessable(
        detail,
        errors=[FieldError(field=field, location=location, message=message, type="value_error")],
    )
