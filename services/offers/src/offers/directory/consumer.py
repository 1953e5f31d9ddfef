"""Offers' consumers of registry schools and organisations and of meetings' committees, their
sessions and agendas."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from offers.directory import service
from schulerfolg.events import CloudEvent
from schulerfolg.events.meetings import (
    AgendaItemAdded,
    CommitteeCreated,
    CommitteeUpdated,
    MeetingCancelled,
    MeetingScheduled,
    MeetingUpdated,
)
from schulerfolg.events.registry import (
    OrganizationCreated,
    OrganizationDeleted,
    OrganizationUpdated,
    SchoolCreated,
    SchoolDeleted,
    SchoolUpdated,
)
from schulerfolg.messaging.consumer import ConsumerSpec


async def handle_registry_event(session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Apply one school or organisation event to the read model."""
    await service.apply_registry_event(session, event.data)


async def handle_committee_event(session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Apply one committee event to the read model."""
    await service.apply_committee(session, event.data)


async def handle_session_event(session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Apply one meeting or agenda event to the committee sessions read model."""
    if isinstance(event.data, AgendaItemAdded):
        await service.apply_agenda_item(session, event.data, placed_at=event.time)
    else:
        await service.apply_meeting(session, event.data)


def registry_consumer(_runtime: Any) -> ConsumerSpec:
    """Offers' consumer of registry schools and organisations."""
    return ConsumerSpec(
        name="offers-registry-directory",
        events=(
            SchoolCreated,
            SchoolUpdated,
            SchoolDeleted,
            OrganizationCreated,
            OrganizationUpdated,
            OrganizationDeleted,
        ),
        handler=handle_registry_event,
        description="Keeps the schools and organisations offers validates applications against.",
    )


def committees_consumer(_runtime: Any) -> ConsumerSpec:
    """Offers' consumer of meetings' committees."""
    return ConsumerSpec(
        name="offers-meetings-committees",
        events=(CommitteeCreated, CommitteeUpdated),
        handler=handle_committee_event,
        description="Keeps the committees a fund may name as its deciding committee.",
    )


def sessions_consumer(_runtime: Any) -> ConsumerSpec:
    """Offers' consumer of meetings' sessions and agenda items."""
    return ConsumerSpec(
        name="offers-meetings-sessions",
        events=(MeetingScheduled, MeetingUpdated, MeetingCancelled, AgendaItemAdded),
        handler=handle_session_event,
        description=(
            "Keeps the committee sessions and which of them decides each submitted application "
            "(its date, place and status are shown on the application)."
        ),
    )
