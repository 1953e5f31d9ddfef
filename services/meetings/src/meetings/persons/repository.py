"""Every query on the persons read model and on who a caller is in the committees."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from meetings.models import CommitteeMember, Person, Registration
from schulerfolg.db import affected_rows, upsert_newer, utcnow
from schulerfolg.events.registry import PersonData

ERASED_NAME = "Gelöschte Person"


async def get_person(
    session: AsyncSession, person_id: uuid.UUID, *, for_update: bool = False
) -> Person | None:
    """A person of the read model (locked for update when asked)."""
    return await session.get(
        Person, person_id, with_for_update=for_update, populate_existing=for_update
    )


async def store_person(session: AsyncSession, data: PersonData) -> bool:
    """Keep a created/updated person if the event is newer than what is held; an erased person
    (a tombstone) stays erased. Whether the row was written."""
    return await upsert_newer(
        session,
        Person,
        {
            "id": data.id,
            "version": data.version,
            "name": data.name,
            "email": data.email,
            "organization_id": data.organization_id,
            "region": data.region,
            "user_sub": data.user_sub,
            "updated_at": utcnow(),
        },
        unless=col(Person.erased_at).is_not(None),
    )


async def persons_by_id(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Person]:
    """The read model's persons among ``ids``."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.scalars(select(Person).where(col(Person.id).in_(wanted)))
    return {person.id: person for person in rows}


async def committee_ids_of_user(session: AsyncSession, user_sub: str) -> set[uuid.UUID]:
    """The committees in which the person signed in as ``user_sub`` has a seat."""
    statement = (
        select(col(CommitteeMember.committee_id))
        .join(Person, col(Person.id) == col(CommitteeMember.person_id))
        .where(col(Person.user_sub) == user_sub, col(Person.erased_at).is_(None))
    )
    return set((await session.scalars(statement)).all())


async def person_id_of_user(session: AsyncSession, user_sub: str) -> uuid.UUID | None:
    """The registry person signed in as ``user_sub`` (if the read model knows one)."""
    statement = (
        select(col(Person.id))
        .where(col(Person.user_sub) == user_sub, col(Person.erased_at).is_(None))
        .order_by(col(Person.id))
        .limit(1)
    )
    return (await session.scalars(statement)).first()


def anonymised_registration_values() -> dict[str, Any]:
    """What a pseudonymised registration keeps of its registrant: nothing (row, status and arrival
    order stay, so places, waiting lists and figures stay right)."""
    return {"name": ERASED_NAME, "email": "", "organization": None, "user_sub": None}


async def anonymise_registrations(
    session: AsyncSession, person_id: uuid.UUID, user_sub: str | None = None
) -> int:
    """Blank the personal data of a person's registrations (by person, or made while signed in
    as ``user_sub`` before the read model knew the person); return how many."""
    mine = col(Registration.person_id) == person_id
    if user_sub:
        mine = or_(mine, col(Registration.user_sub) == user_sub)
    result = await session.execute(
        update(Registration).where(mine).values(**anonymised_registration_values())
    )
    return affected_rows(result) or 0


async def values_known_about(session: AsyncSession, person_id: uuid.UUID) -> list[str]:
    """What could identify the person in copies: id, e-mail, ``user_sub``, and the addresses and
    subjects of their registrations (read before they are wiped)."""
    values = [str(person_id)]
    person = await session.get(Person, person_id)
    if person is not None:
        values += [v for v in (person.email, person.user_sub) if v]
    mine = col(Registration.person_id) == person_id
    if person is not None and person.user_sub:
        mine = or_(mine, col(Registration.user_sub) == person.user_sub)
    rows = await session.execute(
        select(col(Registration.email), col(Registration.user_sub)).where(mine)
    )
    for email, user_sub in rows:
        values += [v for v in (email, user_sub) if v and v not in values]
    return values


async def ids_with_email(session: AsyncSession, email: str) -> list[uuid.UUID]:
    """The read model's (not yet erased) persons with this (lower-cased) address."""
    statement = select(col(Person.id)).where(
        func.lower(col(Person.email)) == email, col(Person.erased_at).is_(None)
    )
    return list((await session.scalars(statement)).all())
