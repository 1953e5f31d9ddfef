"""Every query on persons, including those that wipe an erased person's traces."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from registry.models import Organization, Person, School, platform
from schulerfolg.events.base import STATE
from schulerfolg.events.registry import PersonCreated, PersonUpdated
from schulerfolg.http.pagination import PageParams, paginate
from schulerfolg.search import matches

# Events whose payload holds a person's data (the erasure event carries only the id).
PERSONAL_EVENT_TYPES = (
    PersonCreated.event_meta.cloudevent_type,
    PersonUpdated.event_meta.cloudevent_type,
)
PERSONS_PATH = "/api/v1/persons"


async def list_persons(
    session: AsyncSession,
    *,
    page: PageParams,
    see_all: bool,
    readable_regions: Collection[str] = (),
    region: str | None = None,
    function: str | None = None,
    organization_id: uuid.UUID | None = None,
    school_id: uuid.UUID | None = None,
    public: bool | None = None,
    q: str | None = None,
) -> tuple[list[Person], str | None]:
    """Non-erased persons the reader may see, by (name, id), one page.

    A reader sees public persons, plus every person of ``readable_regions``, or everyone with
    ``see_all``. ``region="state"`` selects state-level persons.
    """
    statement = select(Person).where(col(Person.erased_at).is_(None))
    if not see_all:
        visible = [col(Person.public).is_(True)]
        if readable_regions:
            visible.append(col(Person.region).in_(sorted(readable_regions)))
        statement = statement.where(or_(*visible))
    if region == STATE:
        statement = statement.where(col(Person.region).is_(None))
    elif region is not None:
        statement = statement.where(col(Person.region) == region)
    if function is not None:
        statement = statement.where(col(Person.function) == function)
    if organization_id is not None:
        statement = statement.where(col(Person.organization_id) == organization_id)
    if school_id is not None:
        statement = statement.where(col(Person.school_id) == school_id)
    if public is not None:
        statement = statement.where(col(Person.public).is_(public))
    if q:
        statement = statement.where(matches(col(Person.search_text), q))
    return await paginate(
        session,
        statement,
        key=[col(Person.name), col(Person.id)],
        params=page,
        key_of=lambda p: [p.name, p.id],
    )


async def get_person(
    session: AsyncSession, person_id: uuid.UUID, *, for_update: bool = False
) -> Person | None:
    """A person (erased ones too) by id, locked for a change when asked."""
    statement = select(Person).where(col(Person.id) == person_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.scalars(statement)).one_or_none()


async def persons_with_email(session: AsyncSession, email: str) -> list[Person]:
    """Non-erased persons with the (lower-cased) address, locked for their erasure."""
    statement = (
        select(Person)
        .where(col(Person.erased_at).is_(None), func.lower(col(Person.email)) == email)
        .order_by(col(Person.id))
        .with_for_update()
    )
    return list((await session.scalars(statement)).all())


async def own_persons(session: AsyncSession, *, sub: str, email: str | None) -> list[Person]:
    """The non-erased persons that are the caller: by ``user_sub``, or by e-mail address."""
    mine = [col(Person.user_sub) == sub]
    if email:
        mine.append(func.lower(col(Person.email)) == email)
    statement = (
        select(Person)
        .where(col(Person.erased_at).is_(None), or_(*mine))
        .order_by(col(Person.created_at), col(Person.id))
    )
    return list((await session.scalars(statement)).all())


async def get_school(
    session: AsyncSession, school_id: uuid.UUID, *, active: bool = True, lock: bool = False
) -> School | None:
    """A school by id (only a live one when ``active``).

    ``lock`` takes a shared row lock (``FOR SHARE``), so a concurrent deletion of the school
    waits for the person being attached to it, as with ``get_active_organization``.
    """
    statement = select(School).where(col(School.id) == school_id)
    if active:
        statement = statement.where(col(School.deleted_at).is_(None))
    if lock:
        statement = statement.with_for_update(read=True)
    return (await session.scalars(statement)).one_or_none()


async def persons_deriving_region_from(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID | None = None,
    school_id: uuid.UUID | None = None,
) -> list[Person]:
    """Non-erased persons whose region comes from the school, or from the organisation (when
    they have no school), locked for the change."""
    statement = select(Person).where(col(Person.erased_at).is_(None))
    if school_id is not None:
        statement = statement.where(col(Person.school_id) == school_id)
    elif organization_id is not None:
        statement = statement.where(
            col(Person.organization_id) == organization_id, col(Person.school_id).is_(None)
        )
    else:
        return []
    return list((await session.scalars(statement.order_by(col(Person.id)).with_for_update())).all())


async def delete_personal_outbox_rows(session: AsyncSession, person_id: uuid.UUID) -> int:
    """Delete the person's ``created``/``updated`` events from the outbox (sent or not).

    Only the CloudEvent JSON names the entity: its ``subject`` is ``persons/<id>``. The payload
    is written by pydantic without spaces, so the substring is exact.
    """
    outbox = platform.outbox
    statement = delete(outbox).where(
        outbox.c.event_type.in_(PERSONAL_EVENT_TYPES),
        outbox.c.payload.contains(f'"subject":"persons/{person_id}"', autoescape=True),
    )
    result: Any = await session.execute(statement)
    return int(result.rowcount or 0)


async def delete_person_idempotency_records(session: AsyncSession, person_id: uuid.UUID) -> int:
    """Delete stored responses of ``POST /persons`` that hold the person (name, e-mail, …)."""
    keys = platform.idempotency_keys
    statement = delete(keys).where(
        keys.c.scope.endswith(f":POST:{PERSONS_PATH}", autoescape=True),
        keys.c.response_body.contains(str(person_id), autoescape=True),
    )
    result: Any = await session.execute(statement)
    return int(result.rowcount or 0)


async def contact_list(session: AsyncSession, region: str) -> list[tuple[Person, str | None]]:
    """A region's public, non-erased persons with their school's or organisation's name, by
    function and name."""
    institution = (
        select(col(School.name))
        .where(col(School.id) == col(Person.school_id), col(School.deleted_at).is_(None))
        .scalar_subquery()
    )
    organization = (
        select(col(Organization.name))
        .where(
            col(Organization.id) == col(Person.organization_id),
            col(Organization.deleted_at).is_(None),
        )
        .scalar_subquery()
    )
    statement = (
        select(Person, func.coalesce(institution, organization))
        .where(
            col(Person.region) == region,
            col(Person.public).is_(True),
            col(Person.erased_at).is_(None),
        )
        .order_by(col(Person.function), col(Person.name), col(Person.id))
    )
    return [(row[0], row[1]) for row in (await session.execute(statement)).all()]
