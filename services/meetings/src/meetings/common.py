"""Small pieces every meetings resource uses: field types, changing entities; the region
helpers come from the shared library (re-exported here)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from schulerfolg.db import apply_changes
from schulerfolg.http.problems import FieldError, Unprocessable
from schulerfolg.http.validation import reject_null
from schulerfolg.regions import REGION_SLUGS, check_region_filter, normalise_region, subject_region

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
RegionSlug = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=64),
    Field(description="A region slug, e.g. boerde; null or `state` for the state level."),
]


def invalid(field: str, message: str, detail: str, *, location: str = "body") -> Unprocessable:
    """A 422 problem about one field."""
    return Unprocessable(
        detail,
        errors=[FieldError(field=field, location=location, message=message, type="value_error")],
    )


__all__ = [
    "REGION_SLUGS",
    "apply_changes",
    "check_region_filter",
    "invalid",
    "normalise_region",
    "reject_null",
    "subject_region",
]
