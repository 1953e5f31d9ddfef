"""Typed errors of the registry, each with its HTTP status."""

from __future__ import annotations

from schulerfolg.http.problems import NotFound


class RegionNotFound(NotFound):
    """No region has that slug."""

    slug = "region-not-found"

    def __init__(self, slug: str) -> None:
        super().__init__(
            f"There is no region '{slug}'. GET /api/v1/regions lists the 14 region slugs."
        )
