"""The consumer of meetings' attendance of registrants: the certificate e-mail."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.certificates import service
from notifications.dispatch.service import Notifier
from schulerfolg.events import CloudEvent
from schulerfolg.messaging.consumer import ConsumerSpec


def certificates_consumer(notifier: Notifier) -> ConsumerSpec:
    """Registrants marked present (meetings.registration.attended)."""

    async def handle(session: AsyncSession, event: CloudEvent[Any]) -> None:
        await service.handle(notifier, session, event)

    return ConsumerSpec(
        name="notifications-certificates",
        events=tuple(service.KINDS),
        handler=handle,
        description="The registrant's e-mail with the link to their participation certificate.",
    )
