"""The consumer of registry's persons: the recipient directory; an erasure deletes everything
the service holds about the person."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.directory import repository
from schulerfolg.events import CloudEvent
from schulerfolg.events import registry as r
from schulerfolg.messaging.consumer import ConsumerSpec

REGISTRY_EVENTS = (r.PersonCreated, r.PersonUpdated, r.PersonErased)


async def handle_person(session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Keep the recipient directory; an erasure deletes everything about the person."""
    if isinstance(event.data, r.PersonErased):
        await repository.erase_person(session, event.data.id)
    else:
        await repository.apply_person(session, event.data)


def registry_consumer() -> ConsumerSpec:
    """Persons from registry."""
    return ConsumerSpec(
        name="notifications-registry",
        events=REGISTRY_EVENTS,
        handler=handle_person,
        description="Recipient directory from registry persons; erasures delete everything.",
    )
