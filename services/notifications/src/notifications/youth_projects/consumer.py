"""The consumer of offers' youth-project events: the sponsor's confirmation e-mail."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.dispatch.service import Notifier
from notifications.youth_projects import service
from schulerfolg.events import CloudEvent
from schulerfolg.messaging.consumer import ConsumerSpec


def youth_projects_consumer(notifier: Notifier) -> ConsumerSpec:
    """Youth micro-projects from offers (received: the sponsor must confirm)."""

    async def handle(session: AsyncSession, event: CloudEvent[Any]) -> None:
        await service.handle(notifier, session, event)

    return ConsumerSpec(
        name="notifications-youth-projects",
        events=tuple(service.KINDS),
        handler=handle,
        description="The adult sponsor's e-mail with the link to confirm a youth micro-project.",
    )
