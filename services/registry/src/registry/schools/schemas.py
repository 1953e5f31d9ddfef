"""Request and response bodies for schools (also the row rules of the CSV import)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from functools import partial
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    EmailStr,
    Field,
    HttpUrl,
    PlainSerializer,
    StringConstraints,
    field_validator,
)

from registry.common import REGION_SLUGS, Phone, Text, check_region
from registry.models import School
from schulerfolg.http.problems import Unprocessable
from schulerfolg.http.validation import RequestModel

SchoolType = Literal[
    "grundschule",
    "sekundarschule",
    "gemeinschaftsschule",
    "gesamtschule",
    "gymnasium",
    "foerderschule",
    "berufsbildende_schule",
    "other",
]
SCHOOL_TYPES: tuple[str, ...] = get_args(SchoolType)

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def _known_region(value: str) -> str:
    # The same rule and wording as everywhere in the registry, as a field error of this model.
    try:
        check_region(value, state_allowed=False)
    except Unprocessable as exc:
        raise ValueError(exc.detail) from None
    return value


def _five_digits(value: str) -> str:
    if not (len(value) == 5 and value.isascii() and value.isdigit()):
        raise ValueError("a German postal code has five digits, e.g. 39340")
    return value


def _short_url(value: HttpUrl) -> HttpUrl:
    if len(str(value)) > 500:
        raise ValueError("a web address has at most 500 characters")
    return value


def _with_scheme(value: Any) -> Any:
    # Lists of schools write "www.gs-example.de"; that is a web address, read it as https.
    if isinstance(value, str) and value.strip() and not _SCHEME.match(value.strip()):
        return "https://" + value.strip()
    return value


SchoolNumber = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=20, pattern=r"^[0-9A-Za-z-]+$"
    ),
    Field(description="The official school number (Schulnummer); unique among schools."),
]
SchoolName = Annotated[Text, Field(max_length=300)]
Street = Annotated[Text, Field(max_length=200)]
PostalCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True),
    AfterValidator(_five_digits),
    Field(examples=["39340"], json_schema_extra={"pattern": "^[0-9]{5}$"}),
]
City = Annotated[Text, Field(max_length=200)]
RegionSlug = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=64),
    AfterValidator(_known_region),
    Field(
        description="One of the 14 region slugs, e.g. boerde.",
        json_schema_extra={"enum": sorted(REGION_SLUGS)},
    ),
]
Email = Annotated[EmailStr, Field(max_length=254)]
Website = Annotated[
    HttpUrl,
    BeforeValidator(_with_scheme),
    AfterValidator(_short_url),
    PlainSerializer(str, return_type=str),
]

# Fields a school must always have: PATCH may leave them out, never set them to null.
REQUIRED_FIELDS = ("school_number", "name", "school_type", "region", "has_school_social_work")


class SchoolCreate(RequestModel):
    """A new school (POST /schools, and each row of a CSV import)."""

    school_number: SchoolNumber
    name: SchoolName
    school_type: SchoolType
    street: Street | None = None
    postal_code: PostalCode | None = None
    city: City | None = None
    region: RegionSlug
    has_school_social_work: bool = False
    social_work_provider_id: uuid.UUID | None = Field(
        default=None, description="The organisation that employs the school social workers."
    )
    email: Email | None = None
    phone: Phone | None = None
    website: Website | None = None

    def column_values(self) -> dict[str, Any]:
        """The values as stored in the ``schools`` table."""
        return self.model_dump()


class SchoolUpdate(RequestModel):
    """A partial change of a school (PATCH): only the fields sent change; null clears."""

    school_number: SchoolNumber | None = None
    name: SchoolName | None = None
    school_type: SchoolType | None = None
    street: Street | None = None
    postal_code: PostalCode | None = None
    city: City | None = None
    region: RegionSlug | None = None
    has_school_social_work: bool | None = None
    social_work_provider_id: uuid.UUID | None = None
    email: Email | None = None
    phone: Phone | None = None
    website: Website | None = None

    @field_validator(*REQUIRED_FIELDS, mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("a school always has this field; leave it out to keep it")
        return value

    def column_changes(self) -> dict[str, Any]:
        """The fields that were sent, as stored in the ``schools`` table."""
        return self.model_dump(exclude_unset=True)


class SchoolPublic(BaseModel):
    """A school as the API shows it."""

    id: uuid.UUID
    school_number: str
    name: str
    school_type: SchoolType
    street: str | None
    postal_code: str | None
    city: str | None
    region: str
    has_school_social_work: bool
    social_work_provider_id: uuid.UUID | None
    email: str | None
    phone: str | None
    website: str | None
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, school: School) -> SchoolPublic:
        """The public view of a school row."""
        return cls.model_validate(school, from_attributes=True)


def school_event_data(school: School | Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``registry.school.created``/``updated`` for a school (row or column values)."""
    get = school.get if isinstance(school, Mapping) else partial(getattr, school)
    provider = get("social_work_provider_id")
    return {
        "id": str(get("id")),
        "version": get("version"),
        "school_number": get("school_number"),
        "name": get("name"),
        "school_type": get("school_type"),
        "region": get("region"),
        "postal_code": get("postal_code"),
        "city": get("city"),
        "has_school_social_work": get("has_school_social_work"),
        "social_work_provider_id": str(provider) if provider else None,
    }
