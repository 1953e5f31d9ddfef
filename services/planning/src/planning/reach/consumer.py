"""Consumers of ``registry.school.*`` (stream ``REGISTRY``) and ``meetings.meeting.*`` (stream
``MEETINGS``): the read models the target agreements' indicators count from."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from planning.reach import service
from schulerfolg.events import CloudEvent
from schulerfolg.events.meetings import MeetingCancelled, MeetingScheduled, MeetingUpdated
from schulerfolg.events.registry import SchoolCreated, SchoolUpdated
from schulerfolg.messaging.consumer import ConsumerSpec


async def handle_school_event(session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Apply one school event to the read model (newer versions win)."""
    await service.apply_school(session, event.data)


async def handle_meeting_event(session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Apply one meeting event to the read model (newer versions win)."""
    await service.apply_meeting(session, event.data)


def schools_consumer(_runtime: Any) -> ConsumerSpec:
    """The durable consumer that keeps each school's region and school social work. A deleted
    school stays as it was: a project that reached it still reached it."""
    return ConsumerSpec(
        name="planning-schools",
        events=(SchoolCreated, SchoolUpdated),
        handler=handle_school_event,
        description="Keeps each school's region and whether it has school social work.",
    )


def meetings_consumer(_runtime: Any) -> ConsumerSpec:
    """The durable consumer that keeps each meeting's kind, region, time and status."""
    return ConsumerSpec(
        name="planning-meetings",
        events=(MeetingScheduled, MeetingUpdated, MeetingCancelled),
        handler=handle_meeting_event,
        description="Keeps each meeting's kind, region, time and whether it was cancelled.",
    )
