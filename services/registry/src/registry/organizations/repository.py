"""Every query on organisations."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from registry.models import Organization, Person, Region, School
from schulerfolg.events.base import STATE
from schulerfolg.http.pagination import PageParams, paginate
from schulerfolg.search import matches


async def list_organizations(
    session: AsyncSession,
    *,
    page: PageParams,
    region: str | None = None,
    kind: str | None = None,
    q: str | None = None,
) -> tuple[list[Organization], str | None]:
    """Organisations that are not deleted, by (name, id), one page; ``region="state"`` is null."""
    statement = select(Organization).where(col(Organization.deleted_at).is_(None))
    if region == STATE:
        statement = statement.where(col(Organization.region).is_(None))
    elif region is not None:
        statement = statement.where(col(Organization.region) == region)
    if kind is not None:
        statement = statement.where(col(Organization.kind) == kind)
    if q:
        statement = statement.where(matches(col(Organization.search_text), q))
    return await paginate(
        session,
        statement,
        key=[col(Organization.name), col(Organization.id)],
        params=page,
        key_of=lambda o: [o.name, o.id],
    )


async def get_active_organization(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    lock: Literal["update", "share"] | None = None,
) -> Organization | None:
    """An organisation that is not deleted, optionally locked.

    ``lock="update"`` is for changing or deleting it. ``lock="share"`` (PostgreSQL ``FOR
    SHARE``) is for pointing a person or school at it: a concurrent deletion then waits until
    that commits and its in-use check sees the new reference; a deletion that committed first
    makes this lookup find nothing.
    """
    statement = select(Organization).where(
        col(Organization.id) == organization_id, col(Organization.deleted_at).is_(None)
    )
    if lock is not None:
        statement = statement.with_for_update(read=lock == "share")
    return (await session.scalars(statement)).one_or_none()


@dataclass(frozen=True)
class Usage:
    """What still refers to an organisation."""

    schools: int
    persons: int
    offices: int

    def __bool__(self) -> bool:
        return bool(self.schools or self.persons or self.offices)


async def organization_usage(session: AsyncSession, organization_id: uuid.UUID) -> Usage:
    """How many live schools, non-erased persons and regional offices name the organisation."""
    schools = select(func.count()).where(
        col(School.social_work_provider_id) == organization_id, col(School.deleted_at).is_(None)
    )
    persons = select(func.count()).where(
        col(Person.organization_id) == organization_id, col(Person.erased_at).is_(None)
    )
    offices = select(func.count()).where(
        col(Region.office_provider_organization_id) == organization_id
    )
    return Usage(
        schools=await session.scalar(schools) or 0,
        persons=await session.scalar(persons) or 0,
        offices=await session.scalar(offices) or 0,
    )
