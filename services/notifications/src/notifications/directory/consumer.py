"""The consumer of registry's persons: the recipient directory; an erasure deletes everything
the service holds about the person, including the copies in its platform tables."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.directory import repository
from schulerfolg.events import CloudEvent
from schulerfolg.events import registry as r
from schulerfolg.messaging.consumer import ConsumerSpec
from schulerfolg.privacy.erasure import forget_copies, needles_for

REGISTRY_EVENTS = (r.PersonCreated, r.PersonUpdated, r.PersonErased)


def registry_consumer(runtime: Any) -> ConsumerSpec:
    """Persons from registry."""

    async def handle_person(session: AsyncSession, event: CloudEvent[Any]) -> None:
        """Keep the recipient directory; an erasure deletes everything about the person: their
        rows, then the stored responses and dead letters naming them (by the address and id
        known before the wipe); the SQLite file is checkpointed after the commit."""
        if not isinstance(event.data, r.PersonErased):
            await repository.apply_person(session, event.data)
            return
        erased = await repository.erase_person(session, event.data.id)
        await forget_copies(session, runtime.tables, needles_for(erased.known))
        runtime.housekeeping.checkpoint_after_commit(session)

    return ConsumerSpec(
        name="notifications-registry",
        events=REGISTRY_EVENTS,
        handler=handle_person,
        description="Recipient directory from registry persons; erasures delete everything.",
    )
