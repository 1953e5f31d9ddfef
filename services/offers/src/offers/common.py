"""Field types the offers bodies share; region helpers from the shared library."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from schulerfolg.http.validation import reject_null
from schulerfolg.regions import check_region_filter, normalise_region, subject_region

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10000)]

__all__ = [
    "LongText",
    "Text",
    "check_region_filter",
    "normalise_region",
    "reject_null",
    "subject_region",
]
