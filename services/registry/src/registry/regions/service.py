"""Regions and their offices: loading the 14 from the public data, reading, changing an office.

They change state and append events; they never commit.
"""

from __future__ import annotations

from dataclasses import asdict

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import Region, outbox, region_id
from registry.regions import repository
from registry.regions.schemas import OfficeUpdate, office_event_data
from registry.regions.seed import region_seeds
from schulerfolg.auth import Principal, ensure_may_manage_region
from schulerfolg.db import utcnow
from schulerfolg.events.registry import RegionUpdated
from schulerfolg.http.etag import check_if_match
from schulerfolg.http.pagination import PageParams
from schulerfolg.http.problems import NotFound

log = structlog.get_logger("registry.regions")


class RegionNotFound(NotFound):
    """No region has that slug."""

    slug = "region-not-found"

    def __init__(self, slug: str) -> None:
        super().__init__(
            f"There is no region '{slug}'. GET /api/v1/regions lists the 14 region slugs."
        )


async def ensure_regions(*, session: AsyncSession) -> int:
    """Load the 14 regions and their offices from the public data where they are missing."""
    now = utcnow()
    rows = [
        {
            **asdict(seed),
            "id": region_id(seed.slug),
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for seed in region_seeds()
    ]
    inserted = await repository.insert_missing_regions(session, rows)
    if inserted:
        log.info("registry.regions.loaded", count=inserted)
    return inserted


async def list_regions(
    *, session: AsyncSession, page: PageParams, kind: str | None = None
) -> tuple[list[Region], str | None]:
    """The regions, one page."""
    return await repository.list_regions(session, page=page, kind=kind)


async def get_region(*, session: AsyncSession, slug: str) -> Region:
    """One region, or RegionNotFound."""
    region = await repository.get_region(session, slug)
    if region is None:
        raise RegionNotFound(slug)
    return region


async def update_office(
    *,
    session: AsyncSession,
    principal: Principal,
    slug: str,
    office: OfficeUpdate,
    if_match: str | None,
) -> Region:
    """Replace a region's office details; emits ``registry.region.updated`` when anything changed."""
    region = await repository.get_region(session, slug, for_update=True)
    if region is None:
        raise RegionNotFound(slug)
    ensure_may_manage_region(principal, region.slug)
    check_if_match(if_match, region.version)
    changes = {
        "office_name": office.name,
        "office_provider_name": office.provider_name,
        "office_provider_kind": office.provider_kind,
        "office_provider_organization_id": office.provider_organization_id,
        "office_street": office.address.street,
        "office_postal_code": office.address.postal_code,
        "office_city": office.address.city,
        "office_phone": office.phone,
        "office_email": str(office.email) if office.email else None,
        "office_website": str(office.website) if office.website else None,
    }
    if all(getattr(region, field) == value for field, value in changes.items()):
        return region  # nothing changed: no new version, no event
    for field, value in changes.items():
        setattr(region, field, value)
    region.touch()
    session.add(region)
    await outbox.append(
        session,
        RegionUpdated(
            version=region.version,
            slug=region.slug,
            name=region.name,
            kind=region.kind,
            district_key=region.district_key,
            office=office_event_data(region),
        ),
        entity_id=region.slug,
        region=region.slug,
    )
    log.info("registry.region.office_updated", region=region.slug, version=region.version)
    return region
