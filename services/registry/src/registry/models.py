"""The registry's tables."""

from __future__ import annotations

import uuid

from sqlmodel import Field

from schulerfolg.db import EntityFields, make_metadata, make_model_base
from schulerfolg.messaging.outbox import Outbox
from schulerfolg.tables import platform_tables

metadata = make_metadata()
Base = make_model_base(metadata)
platform = platform_tables(metadata)
outbox = Outbox(platform)

REGION_ID_NAMESPACE = uuid.UUID("8a0c3f42-3d8e-5c51-9b4e-6f1d2a7c0e15")


def region_id(slug: str) -> uuid.UUID:
    """The stable id of a region (the same in every deployment)."""
    return uuid.uuid5(REGION_ID_NAMESPACE, f"region:{slug}")


class Region(EntityFields, Base, table=True):  # type: ignore[call-arg]
    """One of the 14 regions (11 districts, 3 district-free cities) and its network office."""

    __tablename__ = "regions"

    slug: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    name_official: str = Field(max_length=200)
    kind: str = Field(max_length=16)
    district_key: str = Field(max_length=5, unique=True)
    nuts3: str | None = Field(default=None, max_length=8)
    population: int | None = None

    office_name: str = Field(max_length=300)
    office_provider_name: str | None = Field(default=None, max_length=500)
    office_provider_kind: str | None = Field(default=None, max_length=16)
    office_provider_organization_id: uuid.UUID | None = None
    office_street: str | None = Field(default=None, max_length=200)
    office_postal_code: str | None = Field(default=None, max_length=5)
    office_city: str | None = Field(default=None, max_length=200)
    office_phone: str | None = Field(default=None, max_length=50)
    office_email: str | None = Field(default=None, max_length=254)
    office_website: str | None = Field(default=None, max_length=500)
    office_data_status: str | None = Field(default=None, max_length=16)
    office_sources: str | None = Field(default=None, max_length=2000)
