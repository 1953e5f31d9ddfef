"""Domain functions for organisations. They change state and append events; they never commit."""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from registry.common import apply_changes, check_region_filter, normalise_region, subject_region
from registry.models import Organization, outbox
from registry.organizations import repository
from registry.organizations.schemas import (
    OrganizationCreate,
    OrganizationUpdate,
    organization_event_data,
    stored_values,
)
from registry.persons import service as persons_service
from schulerfolg.auth import Principal, ensure_may_manage_region
from schulerfolg.db import insert_entity, utcnow
from schulerfolg.events.registry import (
    OrganizationCreated,
    OrganizationDeleted,
    OrganizationUpdated,
)
from schulerfolg.http.etag import check_if_match
from schulerfolg.http.pagination import PageParams
from schulerfolg.http.problems import Conflict, NotFound
from schulerfolg.search import search_text

log = structlog.get_logger("registry.organizations")


class OrganizationNotFound(NotFound):
    """No live organisation has that id."""

    slug = "organization-not-found"

    def __init__(self, organization_id: uuid.UUID) -> None:
        super().__init__(f"There is no organisation {organization_id}.")


async def list_organizations(
    *,
    session: AsyncSession,
    page: PageParams,
    region: str | None = None,
    kind: str | None = None,
    q: str | None = None,
) -> tuple[list[Organization], str | None]:
    """Live organisations, one page, filtered by region (``state``: state level), kind and text."""
    check_region_filter(region)
    return await repository.list_organizations(session, page=page, region=region, kind=kind, q=q)


async def get_organization(*, session: AsyncSession, organization_id: uuid.UUID) -> Organization:
    """A live organisation, or OrganizationNotFound."""
    organization = await repository.get_active_organization(session, organization_id)
    if organization is None:
        raise OrganizationNotFound(organization_id)
    return organization


async def create_organization(
    *, session: AsyncSession, principal: Principal, data: OrganizationCreate
) -> Organization:
    """Add an organisation; emits ``registry.organization.created``."""
    fields = stored_values(data.model_dump())
    fields["region"] = normalise_region(data.region)
    ensure_may_manage_region(principal, fields["region"])
    organization = Organization(**fields, search_text=search_text(data.name, data.city))
    await insert_entity(session, organization)  # Core: the ORM's unit of work costs here
    await outbox.append(
        session,
        OrganizationCreated(**organization_event_data(organization)),
        entity_id=str(organization.id),
        region=subject_region(organization.region),
    )
    log.info(
        "registry.organization.created",
        organization_id=str(organization.id),
        region=subject_region(organization.region),
    )
    return organization


async def update_organization(
    *,
    session: AsyncSession,
    principal: Principal,
    organization_id: uuid.UUID,
    changes: OrganizationUpdate,
    if_match: str | None,
) -> Organization:
    """Change the fields sent; emits ``registry.organization.updated`` when anything changed.

    Moving an organisation to another region needs the right to write in both. Its persons
    (those not attached to a school) move along, since their region is derived from it.
    """
    organization = await repository.get_active_organization(session, organization_id, lock="update")
    if organization is None:
        raise OrganizationNotFound(organization_id)
    ensure_may_manage_region(principal, organization.region)
    check_if_match(if_match, organization.version)
    values = stored_values(changes.model_dump(exclude_unset=True))
    if "region" in values:
        values["region"] = normalise_region(values["region"])
        if values["region"] != organization.region:
            ensure_may_manage_region(principal, values["region"])
    old_region = organization.region
    name = values.get("name", organization.name)
    city = values["city"] if "city" in values else organization.city
    values["search_text"] = search_text(name, city)
    if not apply_changes(organization, values):
        return organization  # nothing changed: no new version, no event
    session.add(organization)
    await outbox.append(
        session,
        OrganizationUpdated(**organization_event_data(organization)),
        entity_id=str(organization.id),
        region=subject_region(organization.region),
    )
    if organization.region != old_region:
        await persons_service.follow_region(
            session=session, organization_id=organization.id, region=organization.region
        )
    log.info(
        "registry.organization.updated",
        organization_id=str(organization.id),
        version=organization.version,
    )
    return organization


async def delete_organization(
    *,
    session: AsyncSession,
    principal: Principal,
    organization_id: uuid.UUID,
    if_match: str | None = None,
) -> None:
    """Soft-delete an organisation nothing refers to; emits ``registry.organization.deleted``."""
    organization = await repository.get_active_organization(session, organization_id, lock="update")
    if organization is None:
        raise OrganizationNotFound(organization_id)
    ensure_may_manage_region(principal, organization.region)
    check_if_match(if_match, organization.version)
    # The row lock above (FOR UPDATE) waits for transactions that are attaching a person to the
    # organisation (they hold FOR SHARE on it), so this count includes those persons.
    usage = await repository.organization_usage(session, organization.id)
    if usage:
        raise Conflict(
            "The organisation is still in use "
            f"({usage.schools} school(s) name it as social work provider, "
            f"{usage.persons} person(s) belong to it, {usage.offices} regional office(s) name it "
            "as provider); change those first.",
            rule="organization-in-use",
        )
    organization.deleted_at = utcnow()
    organization.touch()
    session.add(organization)
    await outbox.append(
        session,
        OrganizationDeleted(
            id=organization.id, region=organization.region, version=organization.version
        ),
        entity_id=str(organization.id),
        region=subject_region(organization.region),
    )
    log.info("registry.organization.deleted", organization_id=str(organization.id))
