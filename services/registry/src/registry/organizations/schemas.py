"""Request and response bodies for organisations, and field types the person bodies share."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    StringConstraints,
    UrlConstraints,
    field_validator,
)

from registry.common import Phone, Text, reject_null
from registry.models import Organization
from schulerfolg.http.validation import RequestModel

OrganizationKind = Literal[
    "public_youth_welfare",
    "free_youth_welfare",
    "municipality",
    "school_association",
    "counselling",
    "other",
]

WEBSITE_MAX_LENGTH = 500


def _fits_the_column(url: HttpUrl) -> HttpUrl:
    # Normalising (a trailing "/", punycode) can make a URL longer than what was sent; the
    # column holds 500 characters, so the text that will be stored is what is measured.
    if len(str(url)) > WEBSITE_MAX_LENGTH:
        raise ValueError(f"URL should have at most {WEBSITE_MAX_LENGTH} characters")
    return url


Email = Annotated[EmailStr, Field(description="An e-mail address.")]
Website = Annotated[
    HttpUrl, UrlConstraints(max_length=WEBSITE_MAX_LENGTH), AfterValidator(_fits_the_column)
]
PostalCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{5}$")]
RegionSlug = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=64),
    Field(description="A region slug, e.g. boerde; null or 'state' for the state level."),
]


class OrganizationFields(RequestModel):
    """What a client may set on an organisation."""

    name: Annotated[Text, Field(max_length=300)]
    kind: OrganizationKind
    region: RegionSlug | None = None
    street: Annotated[Text, Field(max_length=200)] | None = None
    postal_code: PostalCode | None = None
    city: Annotated[Text, Field(max_length=200)] | None = None
    email: Email | None = None
    phone: Phone | None = None
    website: Website | None = None


class OrganizationCreate(OrganizationFields):
    """A new organisation (provider, partner, municipality, school association, …)."""


class OrganizationUpdate(RequestModel):
    """A partial change: only the fields sent are changed; null clears an optional field."""

    name: Annotated[Text, Field(max_length=300)] | None = None
    kind: OrganizationKind | None = None
    region: RegionSlug | None = None
    street: Annotated[Text, Field(max_length=200)] | None = None
    postal_code: PostalCode | None = None
    city: Annotated[Text, Field(max_length=200)] | None = None
    email: Email | None = None
    phone: Phone | None = None
    website: Website | None = None

    _not_null = field_validator("name", "kind")(reject_null)


class OrganizationPublic(BaseModel):
    """An organisation as every reader sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: OrganizationKind
    region: str | None = Field(description="Region slug; null for the state level.")
    street: str | None
    postal_code: str | None
    city: str | None
    email: str | None
    phone: str | None
    website: str | None
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, organization: Organization) -> OrganizationPublic:
        """The public view of an organisation row."""
        return cls.model_validate(organization)


def stored_values(values: dict[str, Any]) -> dict[str, Any]:
    """Request values as the entity stores them (a website URL as text)."""
    if values.get("website") is not None:
        values = values | {"website": str(values["website"])}
    return values


def organization_event_data(organization: Organization) -> dict[str, Any]:
    """The fields ``registry.organization.created/updated`` carry (``OrganizationData``)."""
    return {
        "id": str(organization.id),
        "version": organization.version,
        "name": organization.name,
        "kind": organization.kind,
        "region": organization.region,
        "city": organization.city,
    }
