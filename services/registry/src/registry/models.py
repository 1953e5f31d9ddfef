"""The registry's tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from schulerfolg.db import EntityFields, UTCDateTime, make_metadata
from schulerfolg.messaging.outbox import Outbox
from schulerfolg.tables import audit_table, platform_tables

metadata = make_metadata()


class Base(SQLModel, registry=registry(metadata=metadata)):
    pass


platform = platform_tables(metadata)
audit_log = audit_table(metadata)
outbox = Outbox(platform)

REGION_ID_NAMESPACE = uuid.UUID("8a0c3f42-3d8e-5c51-9b4e-6f1d2a7c0e15")


def search_index(table: str) -> Index:
    """A trigram index for substring search (``q``) on PostgreSQL; a plain index elsewhere."""
    return Index(
        f"ix_{table}_search_text",
        "search_text",
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )


def region_id(slug: str) -> uuid.UUID:
    """The stable id of a region (the same in every deployment)."""
    return uuid.uuid5(REGION_ID_NAMESPACE, f"region:{slug}")


class Region(EntityFields, Base, table=True):
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


class Organization(EntityFields, Base, table=True):
    """A provider or partner: youth welfare (public or free), municipality, school association…"""

    __tablename__ = "organizations"
    __table_args__ = (search_index("organizations"),)

    name: str = Field(max_length=300)
    kind: str = Field(max_length=32, index=True)
    region: str | None = Field(default=None, max_length=64, index=True)  # None: state level
    street: str | None = Field(default=None, max_length=200)
    postal_code: str | None = Field(default=None, max_length=5)
    city: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=50)
    website: str | None = Field(default=None, max_length=500)
    search_text: str = Field(default="", max_length=2000)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class School(EntityFields, Base, table=True):
    """A school with its official number, type, address, region and school social work."""

    __tablename__ = "schools"
    __table_args__ = (
        Index(
            "uq_schools_school_number_active",
            "school_number",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
        search_index("schools"),
        # lists and search (issue 18): active schools in page order (name, id), the search text
        # included, so a page is read from the index in order and stops when it is full
        Index(
            "ix_schools_name_active",
            "name",
            "id",
            postgresql_include=["search_text"],
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
    )

    school_number: str = Field(max_length=20)
    name: str = Field(max_length=300)
    school_type: str = Field(max_length=32, index=True)
    street: str | None = Field(default=None, max_length=200)
    postal_code: str | None = Field(default=None, max_length=5)
    city: str | None = Field(default=None, max_length=200)
    region: str = Field(max_length=64, index=True)
    has_school_social_work: bool = Field(default=False)
    social_work_provider_id: uuid.UUID | None = Field(
        default=None, foreign_key="organizations.id", index=True
    )
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=50)
    website: str | None = Field(default=None, max_length=500)
    search_text: str = Field(default="", max_length=2000)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Person(EntityFields, Base, table=True):
    """A contact person or staff member; after erasure an anonymous tombstone."""

    __tablename__ = "persons"
    __table_args__ = (search_index("persons"),)

    name: str | None = Field(default=None, max_length=200)
    function: str = Field(max_length=32, index=True)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=50)
    organization_id: uuid.UUID | None = Field(
        default=None, foreign_key="organizations.id", index=True
    )
    school_id: uuid.UUID | None = Field(default=None, foreign_key="schools.id", index=True)
    region: str | None = Field(default=None, max_length=64, index=True)  # None: state level
    public: bool = Field(default=False)
    user_sub: str | None = Field(default=None, max_length=255, index=True)
    search_text: str = Field(default="", max_length=2000)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Material(EntityFields, Base, table=True):
    """A download (guide, leaflet, contact list, documentation) with its stored file."""

    __tablename__ = "materials"

    title: str = Field(max_length=300)
    description: str | None = Field(default=None, max_length=4000)
    region: str | None = Field(default=None, max_length=64, index=True)  # None: state-wide
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size_bytes: int = Field(sa_type=BigInteger)
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=100, unique=True)
    search_text: str = Field(default="", max_length=2000)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ErasureRequest(EntityFields, Base, table=True):
    """A request to erase what every service holds for an e-mail address.

    ``email`` is kept only while the request is pending (the services need it); once every
    service has answered it is set to NULL and only ``email_hint`` stays.
    """

    __tablename__ = "erasure_requests"

    status: str = Field(default="pending", max_length=16, index=True)
    email: str | None = Field(default=None, max_length=320)
    email_hint: str = Field(max_length=330)
    reason: str = Field(max_length=500)
    origin: str = Field(max_length=16)
    requested_by: str = Field(max_length=255)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ErasureAnswer(Base, table=True):
    """One service's part of an erasure request: pending until it answered, then its counts."""

    __tablename__ = "erasure_answers"

    request_id: uuid.UUID = Field(foreign_key="erasure_requests.id", primary_key=True)
    service: str = Field(max_length=32, primary_key=True)
    position: int = Field(default=0)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    counts: dict[str, Any] | None = Field(default=None, sa_type=JSON)
