"""Domain functions for persons. They change state and append events; they never commit.

Who sees whom: a public person is readable by anyone; a non-public one only by those who
manage its region (the state coordination, the region's network office). To everyone else a
non-public person does not exist (404), so ids cannot be probed. Logs carry ids only, never a
name, e-mail address or phone number.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from registry.common import (
    REGION_SLUGS,
    apply_changes,
    check_region_filter,
    get_by_id,
    normalise_region,
    subject_region,
)
from registry.erasure import service as erasure
from registry.models import Organization, Person, audit_log, outbox
from registry.organizations import repository as organization_repository
from registry.persons import repository
from registry.persons.schemas import FUNCTION_LABELS, ContactEntry, PersonCreate, PersonUpdate
from registry.persons.schemas import person_event_data as event_data
from registry.regions.service import RegionNotFound
from schulerfolg.auth import Principal, ensure_may_manage_region
from schulerfolg.db import Database, utcnow
from schulerfolg.events.registry import PersonCreated, PersonErased, PersonUpdated
from schulerfolg.http.etag import check_if_match
from schulerfolg.http.pagination import PageParams
from schulerfolg.http.problems import Conflict, FieldError, NotFound, Problem, Unprocessable
from schulerfolg.local_time import BERLIN
from schulerfolg.privacy import audit
from schulerfolg.privacy.erasure import normalise_email
from schulerfolg.search import search_text

log = structlog.get_logger("registry.persons")

RESOURCE = "persons"
ERASED_REASON = "Person im Register gelöscht"


class PersonNotFound(NotFound):
    """No person with that id, or none the caller may see."""

    slug = "person-not-found"

    def __init__(self, person_id: uuid.UUID) -> None:
        super().__init__(f"There is no person {person_id}.")


class PersonGone(Problem):
    """The person's data was erased; only an anonymous tombstone is left."""

    status, title, slug = 410, "Gone", "person-erased"

    def __init__(self, erased_at: datetime) -> None:
        day = erased_at.astimezone(BERLIN).date().isoformat()
        super().__init__(f"This person's personal data was erased on {day}.", rule="person-erased")


class PersonErasedConflict(Conflict):
    """An erased person cannot be changed."""

    def __init__(self) -> None:
        super().__init__(
            "This person's personal data was erased; an erased person cannot be changed. "
            "Add the person again if needed.",
            rule="person-erased",
        )


def may_manage(principal: Principal | None, person: Person) -> bool:
    """Whether the caller may change the person and read their non-public data."""
    return principal is not None and principal.may_manage_region(person.region)


def may_see(principal: Principal | None, person: Person) -> bool:
    """Whether the caller may know the person exists."""
    return (person.public and person.erased_at is None) or may_manage(principal, person)


async def list_persons(
    *,
    session: AsyncSession,
    principal: Principal | None,
    page: PageParams,
    region: str | None = None,
    function: str | None = None,
    organization_id: uuid.UUID | None = None,
    school_id: uuid.UUID | None = None,
    public: bool | None = None,
    q: str | None = None,
) -> tuple[list[Person], str | None]:
    """The non-erased persons the caller may see, one page, filtered."""
    check_region_filter(region)
    see_all = principal is not None and principal.has_role("state_coordinator")
    readable = (
        principal.regions if principal is not None and principal.has_role("network_office") else ()
    )
    return await repository.list_persons(
        session,
        page=page,
        see_all=see_all,
        readable_regions=readable,
        region=region,
        function=function,
        organization_id=organization_id,
        school_id=school_id,
        public=public,
        q=q,
    )


async def get_person(
    *, session: AsyncSession, principal: Principal | None, person_id: uuid.UUID
) -> Person:
    """A person the caller may see; 404 otherwise, 410 when erased."""
    person = await repository.get_person(session, person_id)
    if person is None or not may_see(principal, person):
        raise PersonNotFound(person_id)
    if person.erased_at is not None:
        raise PersonGone(person.erased_at)
    return person


async def audit_read(db: Database, principal: Principal | None, person: Person) -> None:
    """Record a read of a non-public person (``person.read``); public persons are not audited."""
    if not person.public:
        await audit.record_read(
            db,
            audit_log,
            actor=principal,
            action="person.read",
            resource=audit.resource_of(RESOURCE, person.id),
        )


async def audit_listing(
    db: Database, principal: Principal | None, persons: Sequence[Person], *, region: str | None
) -> None:
    """Record one ``persons.listed`` entry when a page shows non-public persons."""
    if any(not person.public for person in persons):
        await audit.record_read(
            db,
            audit_log,
            actor=principal,
            action="persons.listed",
            resource=f"{RESOURCE}?region={region or 'all'}",
        )


async def _audit_change(
    session: AsyncSession, actor: Principal | str, action: str, person: Person
) -> None:
    await audit.record(
        session,
        audit_log,
        actor=actor,
        action=action,
        resource=audit.resource_of(RESOURCE, person.id),
    )


def _unknown_reference(field: str, what: str, entity_id: uuid.UUID) -> Unprocessable:
    return Unprocessable(
        f"There is no {what} {entity_id}.",
        errors=[
            FieldError(field=field, location="body", message=f"unknown {what}", type="reference")
        ],
    )


async def _resolve_region(
    session: AsyncSession,
    *,
    school_id: uuid.UUID | None,
    organization_id: uuid.UUID | None,
    attached: AbstractSet[str],
    region: str | None,
    region_sent: bool,
    current_region: str | None,
) -> str | None:
    """The person's region: the school's, else the organisation's, else the one sent.

    ``attached`` names the references being set now: those must be live, and they are
    share-locked so that a concurrent deletion of the school or organisation sees this person.
    A region sent that contradicts the derived one is a 422.
    """
    derived_from: str | None = None
    derived: str | None = None
    if organization_id is not None:
        new = "organization_id" in attached
        organization = (
            await organization_repository.get_active_organization(
                session, organization_id, lock="share"
            )
            if new
            else await get_by_id(session, Organization, organization_id)
        )
        if organization is None:
            raise _unknown_reference("organization_id", "organisation", organization_id)
        derived_from, derived = "organisation", organization.region
    if school_id is not None:
        new = "school_id" in attached
        school = await repository.get_school(session, school_id, active=new, lock=new)
        if school is None:
            raise _unknown_reference("school_id", "school", school_id)
        derived_from, derived = "school", school.region
    if derived_from is None:
        return normalise_region(region) if region_sent else current_region
    if region_sent and region is not None and normalise_region(region) != derived:
        raise Unprocessable(
            f"The person's region follows from the {derived_from} "
            f"({subject_region(derived)}); '{region}' contradicts it. Leave region out.",
            errors=[
                FieldError(
                    field="region",
                    location="body",
                    message=f"contradicts the {derived_from}'s region",
                    type="region_mismatch",
                )
            ],
        )
    return derived


async def create_person(
    *, session: AsyncSession, principal: Principal, data: PersonCreate
) -> Person:
    """Add a person; emits ``registry.person.created``."""
    region = await _resolve_region(
        session,
        school_id=data.school_id,
        organization_id=data.organization_id,
        attached={"school_id", "organization_id"},
        region=data.region,
        region_sent=True,
        current_region=None,
    )
    ensure_may_manage_region(principal, region)
    person = Person(
        **data.model_dump(exclude={"region"}), region=region, search_text=search_text(data.name)
    )
    session.add(person)
    await session.flush()
    await outbox.append(
        session,
        PersonCreated(**event_data(person)),
        entity_id=str(person.id),
        region=subject_region(person.region),
    )
    await _audit_change(session, principal, "person.created", person)
    log.info("registry.person.created", person_id=str(person.id), region=subject_region(region))
    return person


async def update_person(
    *,
    session: AsyncSession,
    principal: Principal,
    person_id: uuid.UUID,
    changes: PersonUpdate,
    if_match: str | None,
) -> Person:
    """Change the fields sent; emits ``registry.person.updated`` when anything changed.

    A new school or organisation re-derives the region; moving a person to another region
    needs the right to write in both.
    """
    person = await repository.get_person(session, person_id, for_update=True)
    if person is None or not may_see(principal, person):
        raise PersonNotFound(person_id)
    if person.erased_at is not None:
        raise PersonErasedConflict()
    ensure_may_manage_region(principal, person.region)
    check_if_match(if_match, person.version)
    values = changes.model_dump(exclude_unset=True)
    region_sent = "region" in values
    region = values.pop("region", None)
    school_id = values["school_id"] if "school_id" in values else person.school_id
    organization_id = (
        values["organization_id"] if "organization_id" in values else person.organization_id
    )
    attached = {
        field
        for field in ("school_id", "organization_id")
        if field in values and values[field] != getattr(person, field)
    }
    values["region"] = await _resolve_region(
        session,
        school_id=school_id,
        organization_id=organization_id,
        attached=attached,
        region=region,
        region_sent=region_sent,
        current_region=person.region,
    )
    if values["region"] != person.region:
        ensure_may_manage_region(principal, values["region"])
    values["search_text"] = search_text(values.get("name", person.name))
    if not apply_changes(person, values):
        return person  # nothing changed: no new version, no event
    session.add(person)
    await outbox.append(
        session,
        PersonUpdated(**event_data(person)),
        entity_id=str(person.id),
        region=subject_region(person.region),
    )
    await _audit_change(session, principal, "person.updated", person)
    log.info("registry.person.updated", person_id=str(person.id), version=person.version)
    return person


async def erase_person(
    *,
    session: AsyncSession,
    principal: Principal,
    person_id: uuid.UUID,
    erasure_services: Sequence[str],
    if_match: str | None = None,
) -> None:
    """Erase a person's personal data (GDPR); emits ``registry.person.erased`` with the id only.

    What stays is an anonymous tombstone: id, function, region, organisation and school, so
    references elsewhere still resolve to "someone who was here". The person's earlier
    events still waiting in (or kept in) the outbox and the stored responses of the POST that
    created them hold the data too; they are deleted in the same transaction. A person with an
    e-mail address also gets an erasure request for it (origin ``person_erased``), so every
    service erases what it holds for the address. Erasing again changes nothing and emits
    nothing.
    """
    person = await repository.get_person(session, person_id, for_update=True)
    if person is None or not may_see(principal, person):
        raise PersonNotFound(person_id)
    ensure_may_manage_region(principal, person.region)
    if person.erased_at is not None:
        return
    check_if_match(if_match, person.version)
    email = person.email
    await _erase(session, person, actor=principal)
    if email:
        await erasure.file_request(
            session,
            requested_by=principal,
            email=email,
            reason=ERASED_REASON,
            origin="person_erased",
            services=erasure_services,
        )


async def erase_by_email(session: AsyncSession, email: str) -> dict[str, int]:
    """Erase every non-erased person with the (normalised) address, as ``DELETE /persons/{id}``
    does, for an erasure request; files no new request (that one is being answered)."""
    persons = await repository.persons_with_email(session, email)
    for person in persons:
        await _erase(session, person, actor=audit.SYSTEM)
    return {"persons": len(persons)}


async def _erase(session: AsyncSession, person: Person, *, actor: Principal | str) -> None:
    """Wipe a person's personal data and its copies; emit ``registry.person.erased``."""
    person.name = None
    person.email = None
    person.phone = None
    person.user_sub = None
    person.public = False
    person.search_text = ""
    person.erased_at = utcnow()
    person.touch()
    session.add(person)
    outbox_rows = await repository.delete_personal_outbox_rows(session, person.id)
    stored_responses = await repository.delete_person_idempotency_records(session, person.id)
    await outbox.append(
        session,
        PersonErased(id=person.id),
        entity_id=str(person.id),
        region=subject_region(person.region),
    )
    await _audit_change(session, actor, "person.erased", person)
    log.info(
        "registry.person.erased",
        person_id=str(person.id),
        outbox_rows_deleted=outbox_rows,
        stored_responses_deleted=stored_responses,
    )


async def follow_region(
    *,
    session: AsyncSession,
    region: str | None,
    organization_id: uuid.UUID | None = None,
    school_id: uuid.UUID | None = None,
) -> int:
    """Move the persons whose region derives from a school (or organisation) that moved to
    ``region``; emits ``registry.person.updated`` for each. Returns how many moved."""
    moved = 0
    persons = await repository.persons_deriving_region_from(
        session, organization_id=organization_id, school_id=school_id
    )
    for person in persons:
        if apply_changes(person, {"region": region}):
            session.add(person)
            await outbox.append(
                session,
                PersonUpdated(**event_data(person)),
                entity_id=str(person.id),
                region=subject_region(person.region),
            )
            moved += 1
    if moved:
        log.info("registry.persons.region_followed", count=moved, region=subject_region(region))
    return moved


async def contact_list(*, session: AsyncSession, slug: str) -> list[ContactEntry]:
    """A region's public contact persons with their institution, by function and name."""
    if slug not in REGION_SLUGS:
        raise RegionNotFound(slug)
    return [
        ContactEntry(
            id=person.id,
            name=person.name or "",
            function=person.function,  # type: ignore[arg-type]  # a text column; written only from the Literal
            function_label=FUNCTION_LABELS.get(person.function, person.function),
            email=person.email,
            phone=person.phone,
            institution=institution,
        )
        for person, institution in await repository.contact_list(session, slug)
    ]


async def own_data(session: AsyncSession, principal: Principal) -> dict[str, list[dict[str, Any]]]:
    """``GET /me/data``: the caller's own person records (by ``user_sub``, or by the token's
    e-mail address), never anyone else's."""
    email = normalise_email(principal.email) if principal.email else None
    persons = await repository.own_persons(session, sub=principal.sub, email=email)
    return {
        "persons": [
            {
                "id": str(person.id),
                "name": person.name,
                "email": person.email,
                "phone": person.phone,
                "function": person.function,
                "function_label": FUNCTION_LABELS.get(person.function, person.function),
                "region": person.region,
                "organization_id": str(person.organization_id) if person.organization_id else None,
                "school_id": str(person.school_id) if person.school_id else None,
                "public": person.public,
                "created_at": person.created_at.isoformat(),
                "updated_at": person.updated_at.isoformat(),
            }
            for person in persons
        ]
    }
