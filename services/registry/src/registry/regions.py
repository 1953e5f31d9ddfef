"""The region vocabulary and who may write where."""

from __future__ import annotations

from functools import cache

from registry.seed import region_seeds
from schulerfolg.auth import Principal, ensure_may_manage_region
from schulerfolg.http.problems import FieldError, Unprocessable


@cache
def region_slugs() -> frozenset[str]:
    """The 14 region slugs."""
    return frozenset(seed.slug for seed in region_seeds())


def check_region(region: str | None, *, field: str = "region", state_allowed: bool = True) -> None:
    """A 422 problem unless ``region`` is one of the 14 slugs (or None for the state level)."""
    if region is None and state_allowed:
        return
    if region not in region_slugs():
        allowed = ", ".join(sorted(region_slugs()))
        raise Unprocessable(
            f"'{region}' is not a region. Use one of: {allowed}"
            + (" (or null for the state level)." if state_allowed else "."),
            errors=[
                FieldError(field=field, location="body", message="unknown region", type="region")
            ],
        )


def ensure_may_write(principal: Principal, region: str | None) -> None:
    """403 unless the caller manages ``region`` (None: state level, state coordination only)."""
    ensure_may_manage_region(principal, region)


def subject_region(region: str | None) -> str:
    """The region token of an event: the slug, or ``state``."""
    return region or "state"
