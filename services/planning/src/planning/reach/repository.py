"""Every query on the schools and meetings read models."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from planning.models import MeetingView, SchoolView
from schulerfolg.db import upsert_newer


async def keep_school(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the school or update it from a newer version; whether it was written."""
    return await upsert_newer(session, SchoolView, values)


async def keep_meeting(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the meeting or update it from a newer version; whether it was written."""
    return await upsert_newer(session, MeetingView, values)


async def schools_without_social_work(
    session: AsyncSession, school_ids: Collection[str]
) -> set[str]:
    """The ids among ``school_ids`` of schools known to have no school social work."""
    ids = [uuid.UUID(school) for school in school_ids]
    if not ids:
        return set()
    rows = await session.scalars(
        select(col(SchoolView.id)).where(
            col(SchoolView.id).in_(ids), col(SchoolView.has_school_social_work).is_(False)
        )
    )
    return {str(school) for school in rows}


async def meetings_of(
    session: AsyncSession, region: str, kinds: Collection[str], status: str
) -> list[MeetingView]:
    """The meetings of a region with one of ``kinds`` in ``status``."""
    rows = await session.scalars(
        select(MeetingView).where(
            col(MeetingView.region) == region,
            col(MeetingView.kind).in_(list(kinds)),
            col(MeetingView.status) == status,
        )
    )
    return list(rows)


async def topics_of_events(
    session: AsyncSession, kinds: Collection[str], region: str | None
) -> Counter[str]:
    """How many events of ``kinds`` that were not cancelled carry each topic (one region, or
    all)."""
    statement = select(col(MeetingView.topics)).where(
        col(MeetingView.kind).in_(list(kinds)), col(MeetingView.status) != "cancelled"
    )
    if region is not None:
        statement = statement.where(col(MeetingView.region) == region)
    counts: Counter[str] = Counter()
    for topics in (await session.scalars(statement)).all():
        counts.update(set(topics))
    return counts
