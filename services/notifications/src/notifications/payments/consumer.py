"""The consumer of offers' payment events: e-mails and inbox entries."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.dispatch.service import Notifier
from notifications.payments import service
from schulerfolg.events import CloudEvent
from schulerfolg.messaging.consumer import ConsumerSpec


def payments_consumer(notifier: Notifier) -> ConsumerSpec:
    """Payments from offers (approved, paid)."""

    async def handle(session: AsyncSession, event: CloudEvent[Any]) -> None:
        await service.handle(notifier, session, event)

    return ConsumerSpec(
        name="notifications-payments",
        events=tuple(service.KINDS),
        handler=handle,
        description="E-mails and inbox entries when a payment is approved or paid.",
    )
