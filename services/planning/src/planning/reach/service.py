"""The schools and meetings read models: from ``registry.school.*`` whether a school has school
social work and where it is; from ``meetings.meeting.*`` each meeting's kind, region, time and
whether it was cancelled, its topics. No name, no contact, no person."""

from __future__ import annotations

from collections import Counter

from sqlalchemy.ext.asyncio import AsyncSession

from planning.reach import repository
from schulerfolg.events.meetings import MeetingData
from schulerfolg.events.registry import SchoolData


async def apply_school(session: AsyncSession, data: SchoolData) -> None:
    """Keep what a school event says, if it is newer than what is kept."""
    await repository.keep_school(
        session,
        {
            "id": data.id,
            "version": data.version,
            "region": data.region,
            "has_school_social_work": data.has_school_social_work,
        },
    )


async def apply_meeting(session: AsyncSession, data: MeetingData) -> None:
    """Keep what a meeting event says, if it is newer than what is kept."""
    await repository.keep_meeting(
        session,
        {
            "id": data.id,
            "version": data.version,
            "region": data.region,
            "kind": data.kind,
            "starts_at": data.starts_at,
            "ends_at": data.ends_at,
            "status": data.status,
            "collects_participant_figures": data.collects_participant_figures,
            "topics": list(data.topics),
        },
    )


# Events in the sense of the topic demand: what the network offers (trainings, exchanges,
# network meetings, conferences, …), not the committees' sessions that decide on money.
EVENT_KINDS = (
    "expert_exchange",
    "network_meeting",
    "regional_group_meeting",
    "training",
    "conference",
    "case_consultation",
)


async def events_per_topic(session: AsyncSession, region: str | None) -> Counter[str]:
    """Events (not cancelled, not committee sessions) per topic slug, in one region or all."""
    return await repository.topics_of_events(session, EVENT_KINDS, region)
