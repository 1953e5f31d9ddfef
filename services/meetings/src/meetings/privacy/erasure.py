"""Erasing a person from meetings: the tables, the platform copies and the MEETINGS stream.

Registration events (``meetings.registration.*``) carry the registrant's name and e-mail
address (notifications needs them for the confirmation e-mail), so meetings erases them from its
own stream when the registrant is erased. Member, attendance and decision events carry only
person ids and stay.

Two ways in:

- ``registry.person.erased`` (only the person's id): the values the read model knew (id, e-mail,
  ``user_sub``, her registrations' addresses) are collected BEFORE the wipe and used as needles;
- ``registry.erasure.requested`` (an address): every registration with that address (signed in
  or not) and every read-model person with it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

import structlog
from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from meetings.models import Registration
from meetings.persons import repository as persons
from meetings.persons.service import erase_person
from schulerfolg.db import affected_rows
from schulerfolg.events.base import TYPE_PREFIX
from schulerfolg.privacy.erasure import (
    EraseByEmail,
    erase_from_own_stream,
    forget_copies,
    mentions,
    needles_for,
)

log = structlog.get_logger("meetings.privacy")

REGISTRATION_TYPE = f'"type":"{TYPE_PREFIX}meetings.registration.'.encode()


def registration_message_about(needles: Sequence[str]) -> Callable[[bytes], bool]:
    """Whether a stream message is a registration event mentioning one of ``needles``.

    Events are written by pydantic without spaces, so the ``"type":"…"`` marker is exact.
    """
    return lambda body: REGISTRATION_TYPE in body and mentions(body, needles)


async def erase_person_everywhere(
    runtime: Any, session: AsyncSession, person_id: uuid.UUID
) -> dict[str, int]:
    """Erase a registry person: read model, registrations, platform copies, stream messages.

    The stream messages are erased before the transaction commits; a failure rolls the tables
    back and the event is retried (finding the messages gone). SQLite is checkpointed after commit.
    """
    needles = needles_for(await persons.values_known_about(session, person_id))
    counts = {"registrations": await erase_person(session=session, person_id=person_id)}
    counts.update(await forget_copies(session, runtime.tables, needles))
    counts["stream_messages"] = await erase_from_own_stream(
        runtime, registration_message_about(needles)
    )
    runtime.housekeeping.checkpoint_after_commit(session)
    log.info("meetings.person.copies_erased", person_id=str(person_id), **counts)
    return counts


async def pseudonymise_registrations_of(session: AsyncSession, email: str) -> int:
    """Blank every registration with this (lower-cased) address, signed in or not."""
    result = await session.execute(
        update(Registration)
        .where(func.lower(col(Registration.email)) == email)
        .values(**persons.anonymised_registration_values())
    )
    return affected_rows(result) or 0


def erase_by_email(runtime: Any) -> EraseByEmail:
    """The ``erase`` of meetings' erasure consumer: read-model persons with the address (as a
    person erasure, with their own registrations and copies), then registrations with it."""

    async def erase(session: AsyncSession, email: str) -> dict[str, int]:
        counts = {"persons": 0, "registrations": 0, "person_stream_messages": 0}
        for person_id in await persons.ids_with_email(session, email):
            erased = await erase_person_everywhere(runtime, session, person_id)
            counts["persons"] += 1
            counts["registrations"] += erased["registrations"]
            counts["person_stream_messages"] += erased["stream_messages"]
        counts["registrations"] += await pseudonymise_registrations_of(session, email)
        return counts

    return erase
