"""The consumer of meetings' events: committee members, meetings and registrations; meeting
reminders."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.dispatch.service import Notifier
from notifications.meetings import service
from schulerfolg.events import CloudEvent
from schulerfolg.events import meetings as m
from schulerfolg.events.base import EventPayload
from schulerfolg.messaging.consumer import ConsumerSpec

MEETINGS_EVENTS: tuple[type[EventPayload], ...] = (
    m.CommitteeMemberAdded,
    m.CommitteeMemberRemoved,
    *service.MEETING_CHANGES,
    *service.REGISTRATION_NEWS,
    m.RegistrationCancelled,
)


def meetings_consumer(notifier: Notifier) -> ConsumerSpec:
    """Committee members, meetings and registrations from meetings."""

    async def handle(session: AsyncSession, event: CloudEvent[Any]) -> None:
        await service.handle(notifier, session, event)

    return ConsumerSpec(
        name="notifications-meetings",
        events=MEETINGS_EVENTS,
        handler=handle,
        description="Committee members, meetings and registrations; meeting reminders.",
    )
