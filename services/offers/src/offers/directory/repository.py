"""Queries of the read models of schools, organisations (registry) and of committees, their
sessions and the sessions deciding applications (meetings)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from offers.models import (
    CommitteeSessionView,
    CommitteeView,
    DecidingItemView,
    OrganizationView,
    SchoolView,
)
from schulerfolg.db import upsert_newer

DELETION = ("version", "deleted")  # a deleted entity keeps its name and type (statistics)


async def store(
    session: AsyncSession, model: Any, values: dict[str, Any], *, deleted: bool = False
) -> None:
    """Keep a row if the event is newer; a deletion only marks the row (``DELETION``)."""
    await upsert_newer(session, model, values, only=DELETION if deleted else ())


async def live_schools(
    session: AsyncSession, school_ids: list[uuid.UUID]
) -> dict[uuid.UUID, SchoolView]:
    """The schools among ``school_ids`` that exist and are not deleted, by id."""
    rows = await session.scalars(
        select(SchoolView).where(
            col(SchoolView.id).in_(school_ids), col(SchoolView.deleted).is_(False)
        )
    )
    return {row.id: row for row in rows}


async def live_organization_ids(
    session: AsyncSession, organization_ids: set[uuid.UUID]
) -> set[uuid.UUID]:
    """The ids among ``organization_ids`` of organisations that exist and are not deleted."""
    rows = await session.scalars(
        select(col(OrganizationView.id)).where(
            col(OrganizationView.id).in_(organization_ids), col(OrganizationView.deleted).is_(False)
        )
    )
    return set(rows)


async def get_committee(session: AsyncSession, committee_id: uuid.UUID) -> CommitteeView | None:
    """A committee as meetings announced it."""
    return await session.get(CommitteeView, committee_id)


async def store_placement(session: AsyncSession, values: dict[str, Any]) -> None:
    """Keep where an application's decision item is, unless a later placement is stored."""
    await upsert_newer(session, DecidingItemView, values, version="placed_at")


async def deciding_sessions(
    session: AsyncSession, application_ids: list[uuid.UUID]
) -> dict[uuid.UUID, CommitteeSessionView]:
    """Application id → the session whose agenda holds its decision item (as far as known)."""
    if not application_ids:
        return {}
    rows = await session.execute(
        select(col(DecidingItemView.application_id), CommitteeSessionView)
        .join(
            CommitteeSessionView,
            col(CommitteeSessionView.id) == col(DecidingItemView.meeting_id),
        )
        .where(col(DecidingItemView.application_id).in_(application_ids))
    )
    return {application_id: meeting for application_id, meeting in rows}
