"""Keeping the persons read model up to date from registry events; erasing what an erasure asks."""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from meetings.calendar import repository as calendar_feeds
from meetings.models import Person
from meetings.persons import repository
from schulerfolg.db import utcnow
from schulerfolg.events.registry import PersonData

log = structlog.get_logger("meetings.persons")


async def apply_person(*, session: AsyncSession, data: PersonData) -> bool:
    """Store a created/updated person if it is newer than what is held; never revive an erased one."""
    person_id = data.id
    if not await repository.store_person(session, data):
        log.info("meetings.person.stale_ignored", person_id=str(person_id), version=data.version)
        return False
    log.info("meetings.person.applied", person_id=str(person_id), version=data.version)
    return True


async def erase_person(*, session: AsyncSession, person_id: uuid.UUID) -> int:
    """Forget a person's data: a tombstone (so older events cannot revive it), blank registrations,
    delete their calendar subscriptions.

    Returns how many registrations were pseudonymised. The copies (stored responses, outbox rows,
    stream messages) are erased by ``meetings.privacy.erasure``.
    """
    person = await repository.get_person(session, person_id, for_update=True)
    if person is None:
        person = Person(id=person_id)
    user_sub = person.user_sub
    person.name = None
    person.email = None
    person.organization_id = None
    person.user_sub = None
    person.region = None
    person.erased_at = person.updated_at = utcnow()
    session.add(person)
    await session.flush()
    registrations = await repository.anonymise_registrations(session, person_id, user_sub)
    feeds = await calendar_feeds.delete_feeds(
        session, calendar_feeds.of_person(person_id, user_sub)
    )
    log.info(
        "meetings.person.erased",
        person_id=str(person_id),
        registrations=registrations,
        calendar_feeds=feeds,
    )
    return registrations
