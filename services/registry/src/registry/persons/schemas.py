"""Request and response bodies for persons and the regional contact list."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator

from registry.common import Phone, Text, reject_null
from registry.models import Person
from registry.organizations.schemas import Email, RegionSlug
from schulerfolg.http.validation import RequestModel

PersonFunction = Literal[
    "network_office_staff",
    "school_social_worker",
    "principal",
    "teacher",
    "provider_contact",
    "state_coordination_staff",
    "other",
]

# German labels for what people read (the CSV contact list).
FUNCTION_LABELS: dict[str, str] = {
    "network_office_staff": "Regionale Netzwerkstelle",
    "school_social_worker": "Schulsozialarbeit",
    "principal": "Schulleitung",
    "teacher": "Lehrkraft",
    "provider_contact": "Ansprechperson Träger",
    "state_coordination_staff": "Landeskoordinierung",
    "other": "Sonstige",
}

UserSub = Annotated[Text, Field(max_length=255, description="The identity provider's subject.")]


class PersonCreate(RequestModel):
    """A new contact person or staff member.

    The region follows from ``school_id``, else from ``organization_id``; ``region`` is only
    needed for a person attached to neither (null or ``state``: the state level).
    """

    name: Annotated[Text, Field(max_length=200)]
    function: PersonFunction
    email: Email | None = None
    phone: Phone | None = None
    organization_id: uuid.UUID | None = None
    school_id: uuid.UUID | None = None
    region: RegionSlug | None = None
    public: bool = Field(
        default=False, description="Readable by anyone (office contacts on the contact list)."
    )
    user_sub: UserSub | None = None


class PersonUpdate(RequestModel):
    """A partial change: only the fields sent are changed; null clears an optional field."""

    name: Annotated[Text, Field(max_length=200)] | None = None
    function: PersonFunction | None = None
    email: Email | None = None
    phone: Phone | None = None
    organization_id: uuid.UUID | None = None
    school_id: uuid.UUID | None = None
    region: RegionSlug | None = None
    public: bool | None = None
    user_sub: UserSub | None = None

    _not_null = field_validator("name", "function", "public")(reject_null)


class PersonPublic(BaseModel):
    """A person as a reader allowed to see them sees them."""

    id: uuid.UUID
    name: str
    function: PersonFunction
    email: str | None
    phone: str | None
    organization_id: uuid.UUID | None
    school_id: uuid.UUID | None
    region: str | None = Field(description="Derived from the school or organisation; null: state.")
    public: bool
    user_sub: str | None = Field(
        description="Shown to those who manage the person's region only; null for others."
    )
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, person: Person, *, show_user_sub: bool) -> PersonPublic:
        """The view of a (non-erased) person row."""
        return cls(
            id=person.id,
            name=person.name or "",
            function=person.function,  # type: ignore[arg-type]  # a text column; written only from the Literal
            email=person.email,
            phone=person.phone,
            organization_id=person.organization_id,
            school_id=person.school_id,
            region=person.region,
            public=person.public,
            user_sub=person.user_sub if show_user_sub else None,
            created_at=person.created_at,
            updated_at=person.updated_at,
            version=person.version,
        )


def person_event_data(person: Person) -> dict[str, Any]:
    """The fields ``registry.person.created/updated`` carry (``PersonData``)."""
    return {
        "id": str(person.id),
        "version": person.version,
        "name": person.name or "",
        "function": person.function,
        "email": person.email,
        "organization_id": str(person.organization_id) if person.organization_id else None,
        "school_id": str(person.school_id) if person.school_id else None,
        "region": person.region,
        "public": person.public,
        "user_sub": person.user_sub,
    }


class ContactEntry(BaseModel):
    """One line of a regional contact list."""

    id: uuid.UUID
    name: str
    function: PersonFunction
    function_label: str = Field(description="The function in German, as printed.")
    email: str | None
    phone: str | None
    institution: str | None = Field(description="The school's or else the organisation's name.")


class ContactList(BaseModel):
    """A region's public contact persons, by function and name."""

    items: list[ContactEntry]


CONTACT_LIST_HEADER = ("Name", "Funktion", "Einrichtung", "E-Mail", "Telefon")


def contact_row(entry: ContactEntry) -> tuple[Any, ...]:
    """A contact-list entry as a CSV row (German column order)."""
    return (entry.name, entry.function_label, entry.institution, entry.email, entry.phone)
