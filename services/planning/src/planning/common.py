"""Small pieces every planning resource uses: the region helpers and the topic vocabulary
from the shared library (re-exported here)."""

from __future__ import annotations

from schulerfolg.regions import check_region_filter, normalise_region, subject_region
from schulerfolg.topics import TOPICS

__all__ = ["TOPICS", "check_region_filter", "normalise_region", "subject_region"]
