"""Request and response bodies of regions and their offices."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field, HttpUrl, StringConstraints

from registry.common import Phone, Text
from registry.models import Region
from schulerfolg.events.registry import OfficeData
from schulerfolg.http.validation import RequestModel


class Address(RequestModel):
    """A postal address."""

    street: Annotated[Text, Field(max_length=200)] | None = None
    postal_code: Annotated[str, StringConstraints(pattern=r"^\d{5}$")] | None = None
    city: Annotated[Text, Field(max_length=200)] | None = None


class OfficePublic(BaseModel):
    """A regional network office (Regionale Netzwerkstelle Schulerfolg)."""

    name: str
    provider_name: str | None
    provider_kind: Literal["public", "free"] | None
    provider_organization_id: uuid.UUID | None
    address: Address
    phone: str | None
    email: str | None
    website: str | None
    data_status: str | None = Field(
        description="How sure the public data is: confirmed, probable or unknown."
    )
    sources: list[str] = Field(description="Public pages the data was taken from.")


class RegionPublic(BaseModel):
    """A region (district or district-free city) and its network office."""

    id: uuid.UUID
    slug: str
    name: str
    name_official: str
    kind: Literal["district", "city"]
    district_key: str
    nuts3: str | None
    population: int | None
    office: OfficePublic
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, region: Region) -> RegionPublic:
        """The public view of a region row."""
        return cls(
            id=region.id,
            slug=region.slug,
            name=region.name,
            name_official=region.name_official,
            kind=region.kind,  # type: ignore[arg-type]  # a text column; written only from the Literal
            district_key=region.district_key,
            nuts3=region.nuts3,
            population=region.population,
            office=office_public(region),
            created_at=region.created_at,
            updated_at=region.updated_at,
            version=region.version,
        )


class OfficeUpdate(RequestModel):
    """The office's details as the office or the state coordination wants them (PUT replaces)."""

    name: Annotated[Text, Field(max_length=300)]
    provider_name: Annotated[Text, Field(max_length=500)] | None = None
    provider_kind: Literal["public", "free"] | None = None
    provider_organization_id: uuid.UUID | None = None
    address: Address = Address()
    phone: Phone | None = None
    email: EmailStr | None = None
    website: HttpUrl | None = None


def office_public(region: Region) -> OfficePublic:
    """The public view of a region's office."""
    return OfficePublic(
        name=region.office_name,
        provider_name=region.office_provider_name,
        provider_kind=region.office_provider_kind,  # type: ignore[arg-type]  # a text column; the seed writes only the Literal values
        provider_organization_id=region.office_provider_organization_id,
        address=Address(
            street=region.office_street,
            postal_code=region.office_postal_code,
            city=region.office_city,
        ),
        phone=region.office_phone,
        email=region.office_email,
        website=region.office_website,
        data_status=region.office_data_status,
        sources=[s.strip() for s in (region.office_sources or "").split(";") if s.strip()],
    )


def office_event_data(region: Region) -> OfficeData:
    """The office as carried by ``registry.region.updated``."""
    office = office_public(region).model_dump(mode="json", exclude={"data_status", "sources"})
    return OfficeData.model_validate(office)
