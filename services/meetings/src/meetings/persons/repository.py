"""Every query on the persons read model and on who a caller is in the committees."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from meetings.models import CommitteeMember, Person, Registration, platform
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


async def anonymise_registrations(session: AsyncSession, person_id: uuid.UUID) -> int:
    """Blank the personal data of a person's registrations; return how many."""
    result = await session.execute(
        update(Registration)
        .where(col(Registration.person_id) == person_id)
        .values(name=ERASED_NAME, email="", organization=None, user_sub=None)
    )
    return affected_rows(result) or 0


async def delete_personal_records(session: AsyncSession, person_id: uuid.UUID) -> int:
    """Delete outbox rows and stored idempotent responses of the person's registrations.

    Registration events and responses carry name and e-mail address. Events are written by
    pydantic without spaces, so the ``"person_id":"<id>"`` substring is exact.
    """
    outbox, keys = platform.outbox, platform.idempotency_keys
    marker = f'"person_id":"{person_id}"'
    removed: Any = await session.execute(
        delete(outbox).where(
            outbox.c.event_type.contains(".meetings.registration.", autoescape=True),
            outbox.c.payload.contains(marker, autoescape=True),
        )
    )
    replays: Any = await session.execute(
        delete(keys).where(
            keys.c.scope.contains("/registrations", autoescape=True),
            keys.c.response_body.contains(str(person_id), autoescape=True),
        )
    )
    return int(removed.rowcount or 0) + int(replays.rowcount or 0)
