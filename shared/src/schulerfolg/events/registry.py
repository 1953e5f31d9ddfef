"""Events published by the registry service (stream ``REGISTRY``)."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

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
    provider_organization_id: UUID | None = None
    address: OfficeAddress = OfficeAddress()
    phone: str | None = None
    email: str | None = None
    website: str | None = None


@event_name("registry.region.updated", version=1)
class RegionUpdated(EventPayload):
    """A region's network office details changed."""

    version: int = Field(
        description="The entity's version after the change: apply only if newer than what you hold."
    )
    slug: str
    name: str
    kind: str
    district_key: str
    office: OfficeData


class OrganizationData(EventPayload):
    """What other services need of an organisation (provider or partner)."""

    version: int = Field(
        description="The entity's version after the change: apply only if newer than what you hold."
    )
    id: UUID
    name: str
    kind: str
    region: str | None = None
    city: str | None = None


@event_name("registry.organization.created", version=1)
class OrganizationCreated(OrganizationData):
    """An organisation was added to the registry."""


@event_name("registry.organization.updated", version=1)
class OrganizationUpdated(OrganizationData):
    """An organisation's details changed."""


@event_name("registry.organization.deleted", version=1)
class OrganizationDeleted(EventPayload):
    """An organisation was removed from the registry."""

    version: int = Field(
        description="The entity's version after the change: apply only if newer than what you hold."
    )
    id: UUID
    region: str | None = None


class SchoolData(EventPayload):
    """What other services need of a school (names, region, type for statistics)."""

    version: int = Field(
        description="The entity's version after the change: apply only if newer than what you hold."
    )
    id: UUID
    school_number: str
    name: str
    school_type: str
    region: str
    postal_code: str | None = None
    city: str | None = None
    has_school_social_work: bool = False
    social_work_provider_id: UUID | None = None


@event_name("registry.school.created", version=1)
class SchoolCreated(SchoolData):
    """A school was added to the registry."""


@event_name("registry.school.updated", version=1)
class SchoolUpdated(SchoolData):
    """A school's details changed."""


@event_name("registry.school.deleted", version=1)
class SchoolDeleted(EventPayload):
    """A school was removed from the registry."""

    version: int = Field(
        description="The entity's version after the change: apply only if newer than what you hold."
    )
    id: UUID
    school_number: str
    region: str


class PersonData(EventPayload):
    """A contact person as other services need them (notifications need the e-mail address)."""

    version: int = Field(
        description="The entity's version after the change: apply only if newer than what you hold."
    )
    id: UUID
    name: str
    function: str
    email: str | None = None
    organization_id: UUID | None = None
    school_id: UUID | None = None
    region: str | None = None
    public: bool = False
    user_sub: str | None = None


@event_name("registry.person.created", version=1)
class PersonCreated(PersonData):
    """A person was added to the registry."""


@event_name("registry.person.updated", version=1)
class PersonUpdated(PersonData):
    """A person's details changed."""


@event_name("registry.person.erased", version=1)
class PersonErased(EventPayload):
    """A person's personal data was erased (GDPR); consumers erase theirs. Carries only the id."""

    id: UUID
