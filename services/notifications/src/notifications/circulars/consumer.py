"""The consumer of meetings' circular events: calls to vote, reminders and results."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.circulars import service
from notifications.dispatch.service import Notifier
from schulerfolg.events import CloudEvent
from schulerfolg.messaging.consumer import ConsumerSpec


def circulars_consumer(notifier: Notifier) -> ConsumerSpec:
    """Circular decisions from meetings (started, reminded, decided, failed)."""

    async def handle(session: AsyncSession, event: CloudEvent[Any]) -> None:
        await service.handle(notifier, session, event)

    return ConsumerSpec(
        name="notifications-circulars",
        events=tuple(service.KINDS),
        handler=handle,
        description="Circular decisions: the call to vote, the reminder and the result.",
    )
