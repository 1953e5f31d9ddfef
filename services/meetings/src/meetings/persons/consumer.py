"""Consumer of ``registry.person.{created,updated,erased}`` (stream ``REGISTRY``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from meetings.persons import service
from meetings.privacy.erasure import erase_person_everywhere
from schulerfolg.events import CloudEvent
from schulerfolg.events.registry import PersonCreated, PersonErased, PersonUpdated
from schulerfolg.messaging.consumer import ConsumerSpec


def persons_consumer(runtime: Any) -> ConsumerSpec:
    """The durable consumer that keeps the persons read model and erases erased persons (tables,
    stored copies and their registration messages in the MEETINGS stream)."""

    async def handle(session: AsyncSession, event: CloudEvent[Any]) -> None:
        data = event.data
        if isinstance(data, PersonErased):
            await erase_person_everywhere(runtime, session, data.id)
            return
        await service.apply_person(session=session, data=data)

    return ConsumerSpec(
        name="meetings-persons",
        events=(PersonCreated, PersonUpdated, PersonErased),
        handler=handle,
        description="Keeps the persons read model (names, organisation, user_sub); erases on request.",
    )
