"""Field types the offers bodies share, the topic vocabulary and target groups of school
projects; region helpers from the shared library."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from schulerfolg.http.validation import reject_null
from schulerfolg.regions import check_region_filter, normalise_region, subject_region
from schulerfolg.topics import TOPICS

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10000)]

TARGET_GROUPS = ("pupils", "parents", "teachers")

__all__ = [
    "TARGET_GROUPS",
    "TOPICS",
    "LongText",
    "Text",
    "check_region_filter",
    "normalise_region",
    "reject_null",
    "subject_region",
]
