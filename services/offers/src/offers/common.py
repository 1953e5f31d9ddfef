"""Field types and helpers the offers bodies share."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import StringConstraints

from schulerfolg.events.base import STATE
from schulerfolg.http.problems import FieldError, Unprocessable
from schulerfolg.regions import REGION_SLUGS, check_region

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10000)]


def reject_null(value: Any) -> Any:
    """For PATCH bodies: a field that may be left out but never set to null."""
    if value is None:
        raise ValueError("may be left out but not set to null")
    return value


def normalise_region(region: str | None, *, field: str = "region") -> str | None:
    """A region from a request body: ``state`` and null mean state-wide; else one of the 14."""
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
