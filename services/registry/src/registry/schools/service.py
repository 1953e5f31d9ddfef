"""Domain functions for schools. They change state and append events; they never commit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from registry.common import apply_changes, check_region
from registry.models import School, outbox
from registry.organizations import repository as organization_repository
from registry.schools import repository
from registry.schools.schemas import SchoolCreate, SchoolUpdate, school_event_data
from schulerfolg.auth import Principal, ensure_may_manage_region
from schulerfolg.db import insert_entity, utcnow
from schulerfolg.events.registry import SchoolCreated, SchoolDeleted, SchoolUpdated
from schulerfolg.http.etag import check_if_match
from schulerfolg.http.pagination import PageParams
from schulerfolg.http.problems import Conflict, FieldError, NotFound, Unprocessable
from schulerfolg.search import search_text

log = structlog.get_logger("registry.schools")


class SchoolNotFound(NotFound):
    """No school (that is not deleted) has that id."""

    slug = "school-not-found"

    def __init__(self, school_id: uuid.UUID) -> None:
        super().__init__(f"There is no school with the id '{school_id}'.")


class SchoolNumberTaken(Conflict):
    """Another school already has the official school number."""

    def __init__(self, school_number: str) -> None:
        super().__init__(
            f"Another school already has the school number '{school_number}'. School numbers "
            "are official and unique; check the number, or change that school instead.",
            rule="school-number-taken",
            errors=[
                FieldError(
                    field="school_number",
                    location="body",
                    message="already used by another school",
                    type="school_number_taken",
                )
            ],
        )


class UnknownProvider(Unprocessable):
    """The school social work provider is not an organisation of the registry."""

    def __init__(self, organization_id: uuid.UUID) -> None:
        super().__init__(
            f"There is no organisation with the id '{organization_id}'. Create the provider "
            "under /organizations first, or leave social_work_provider_id empty.",
            errors=[
                FieldError(
                    field="social_work_provider_id",
                    location="body",
                    message="no such organisation",
                    type="unknown_organization",
                )
            ],
        )


def school_search_text(name: str, city: str | None) -> str:
    """What ``q`` searches in: the school's name and city."""
    return search_text(name, city)


def is_school_number_conflict(exc: IntegrityError) -> bool:
    """Whether a failed write hit the unique index on active school numbers."""
    message = str(exc.orig)
    return "uq_schools_school_number_active" in message or "schools.school_number" in message


async def list_schools(
    *,
    session: AsyncSession,
    page: PageParams,
    region: str | None = None,
    school_type: str | None = None,
    has_school_social_work: bool | None = None,
    q: str | None = None,
) -> tuple[list[School], str | None]:
    """Schools that are not deleted, filtered, one page; readable by anyone."""
    check_region(region, location="query")
    return await repository.list_schools(
        session,
        page=page,
        region=region,
        school_type=school_type,
        has_school_social_work=has_school_social_work,
        q=q,
    )


async def get_school(*, session: AsyncSession, school_id: uuid.UUID) -> School:
    """One school, or SchoolNotFound (also once it is deleted)."""
    school = await repository.get_school(session, school_id)
    if school is None:
        raise SchoolNotFound(school_id)
    return school


async def ensure_provider_exists(
    *, session: AsyncSession, organization_id: uuid.UUID | None
) -> None:
    """UnknownProvider unless ``organization_id`` is None or an organisation not deleted."""
    if organization_id is None:
        return
    # FOR SHARE: a concurrent deletion of the organisation waits and then sees this school.
    provider = await organization_repository.get_active_organization(
        session, organization_id, lock="share"
    )
    if provider is None:
        raise UnknownProvider(organization_id)


@contextmanager
def _unique_school_number(school_number: str) -> Iterator[None]:
    """Around writing a school: the unique index decides a race between two writers of the
    same number, answered as a precise 409."""
    try:
        yield
    except IntegrityError as exc:
        if is_school_number_conflict(exc):
            raise SchoolNumberTaken(school_number) from exc
        raise


async def create_school(
    *, session: AsyncSession, principal: Principal, school: SchoolCreate
) -> School:
    """Add a school; emits ``registry.school.created``."""
    ensure_may_manage_region(principal, school.region)
    await ensure_provider_exists(session=session, organization_id=school.social_work_provider_id)
    if await repository.school_number_taken(session, school.school_number):
        raise SchoolNumberTaken(school.school_number)
    values = school.column_values()
    entity = School(**values, search_text=school_search_text(school.name, school.city))
    with _unique_school_number(entity.school_number):
        await insert_entity(session, entity)  # Core: the ORM's unit of work costs here
    await outbox.append(
        session,
        SchoolCreated(**school_event_data(entity)),
        entity_id=str(entity.id),
        region=entity.region,
    )
    log.info("registry.school.created", school_id=str(entity.id), region=entity.region)
    return entity


async def update_school(
    *,
    session: AsyncSession,
    principal: Principal,
    school_id: uuid.UUID,
    changes: SchoolUpdate,
    if_match: str | None,
) -> School:
    """Change the fields sent; emits ``registry.school.updated`` when anything changed."""
    school = await repository.get_school(session, school_id, for_update=True)
    if school is None:
        raise SchoolNotFound(school_id)
    ensure_may_manage_region(principal, school.region)
    check_if_match(if_match, school.version)
    values: dict[str, Any] = changes.column_changes()
    if values.get("region", school.region) != school.region:
        ensure_may_manage_region(principal, values["region"])  # moving a school: both regions
    provider = values.get("social_work_provider_id")
    if provider is not None and provider != school.social_work_provider_id:
        await ensure_provider_exists(session=session, organization_id=provider)
    number = values.get("school_number", school.school_number)
    if number != school.school_number and await repository.school_number_taken(
        session, number, except_id=school.id
    ):
        raise SchoolNumberTaken(number)
    values["search_text"] = school_search_text(
        values.get("name", school.name), values.get("city", school.city)
    )
    if not apply_changes(school, values):
        return school  # nothing changed: no new version, no event
    with _unique_school_number(school.school_number):
        await session.flush()
    await outbox.append(
        session,
        SchoolUpdated(**school_event_data(school)),
        entity_id=str(school.id),
        region=school.region,
    )
    log.info("registry.school.updated", school_id=str(school.id), version=school.version)
    return school


async def delete_school(
    *, session: AsyncSession, principal: Principal, school_id: uuid.UUID, if_match: str | None
) -> None:
    """Soft-delete a school (its number becomes free); emits ``registry.school.deleted``."""
    school = await repository.get_school(session, school_id, for_update=True)
    if school is None:
        raise SchoolNotFound(school_id)
    ensure_may_manage_region(principal, school.region)
    check_if_match(if_match, school.version)
    school.deleted_at = utcnow()
    school.touch()
    await outbox.append(
        session,
        SchoolDeleted(
            id=school.id,
            school_number=school.school_number,
            region=school.region,
            version=school.version,
        ),
        entity_id=str(school.id),
        region=school.region,
    )
    log.info("registry.school.deleted", school_id=str(school.id), region=school.region)
