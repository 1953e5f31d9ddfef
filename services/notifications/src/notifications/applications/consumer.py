"""The consumer of offers' application events: e-mails and inbox entries; report reminders."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.applications import service
from notifications.dispatch.service import Notifier
from schulerfolg.events import CloudEvent
from schulerfolg.events import offers as o
from schulerfolg.events.base import EventPayload
from schulerfolg.messaging.consumer import ConsumerSpec

OFFERS_EVENTS: tuple[type[EventPayload], ...] = (
    o.ApplicationSubmitted,
    o.ApplicationDecisionRefused,
    *service.DECISIONS,
    *service.REPORT_SETTLED,
)


def offers_consumer(notifier: Notifier) -> ConsumerSpec:
    """Applications from offers."""

    async def handle(session: AsyncSession, event: CloudEvent[Any]) -> None:
        await service.handle(notifier, session, event)

    return ConsumerSpec(
        name="notifications-offers",
        events=OFFERS_EVENTS,
        handler=handle,
        description="E-mails and inbox entries about applications; report reminders.",
    )
