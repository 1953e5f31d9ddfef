"""Consumer of ``offers.application.*`` (stream ``OFFERS``): the projects read model."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from planning.projects import service
from schulerfolg.events import CloudEvent
from schulerfolg.events.offers import (
    ApplicationApproved,
    ApplicationCompleted,
    ApplicationRejected,
    ApplicationReported,
    ApplicationReturned,
    ApplicationSubmitted,
    ApplicationWithdrawn,
)
from schulerfolg.local_time import berlin_day
from schulerfolg.messaging.consumer import ConsumerSpec


async def handle_application_event(session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Apply one application event to the read model (newer versions win); a completion keeps
    its day (the event's time, in Germany) as the project's ``completed_on``."""
    completed = isinstance(event.data, ApplicationCompleted)
    await service.apply_application(
        session, event.data, completed_on=berlin_day(event.time) if completed else None
    )


def projects_consumer(_runtime: Any) -> ConsumerSpec:
    """The durable consumer that keeps each application's region, topics and status."""
    return ConsumerSpec(
        name="planning-applications",
        events=(
            ApplicationSubmitted,
            ApplicationWithdrawn,
            ApplicationApproved,
            ApplicationRejected,
            ApplicationReturned,
            ApplicationReported,
            ApplicationCompleted,
        ),
        handler=handle_application_event,
        description="Keeps where each project runs, when, its topics and how far it got (no person).",
    )
