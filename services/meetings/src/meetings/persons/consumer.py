"""Consumer of ``registry.person.{created,updated,erased}`` (stream ``REGISTRY``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from meetings.persons import service
from schulerfolg.events import CloudEvent
from schulerfolg.events.registry import PersonCreated, PersonErased, PersonUpdated
from schulerfolg.messaging.consumer import ConsumerSpec


async def handle_person_event(session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Apply one person event to the read model."""
    data = event.data
    if isinstance(data, PersonErased):
        await service.erase_person(session=session, person_id=data.id)
        return
    await service.apply_person(session=session, data=data)


def persons_consumer(_runtime: Any) -> ConsumerSpec:
    """The durable consumer that keeps the persons read model."""
    return ConsumerSpec(
        name="meetings-persons",
        events=(PersonCreated, PersonUpdated, PersonErased),
        handler=handle_person_event,
        description="Keeps the persons read model (names, organisation, user_sub); erases on request.",
    )
