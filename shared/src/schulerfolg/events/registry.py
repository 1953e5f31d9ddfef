"""Events published by the registry service (stream ``REGISTRY``)."""

from __future__ import annotations

from pydantic import BaseModel

from schulerfolg.events.base import EventPayload, event_name


class OfficeAddress(BaseModel):
    """A postal address; parts may be unknown."""

    street: str | None = None
    postal_code: str | None = None
    city: str | None = None


class OfficeData(BaseModel):
    """A regional network office's public details (organisational contacts, no personal data)."""

    name: str
    provider_name: str | None = None
    provider_kind: str | None = None
    provider_organization_id: str | None = None
    address: OfficeAddress = OfficeAddress()
    phone: str | None = None
    email: str | None = None
    website: str | None = None


@event_name("registry.region.updated", version=1)
class RegionUpdated(EventPayload):
    """A region's network office details changed."""

    slug: str
    name: str
    kind: str
    district_key: str
    office: OfficeData
