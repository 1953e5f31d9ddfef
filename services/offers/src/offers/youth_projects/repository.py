"""Queries of the youth micro-projects and their form tickets."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from offers.models import Fund, SchoolView, YouthFormTicket, YouthProject


async def ticket(session: AsyncSession, token_sha256: str) -> YouthFormTicket | None:
    return (
        await session.scalars(
            select(YouthFormTicket).where(col(YouthFormTicket.token_sha256) == token_sha256)
        )
    ).first()


async def use_ticket(session: AsyncSession, ticket_id: object, now: datetime) -> bool:
    """Mark the ticket used; False when another request used it first."""
    result = await session.execute(
        update(YouthFormTicket)
        .where(col(YouthFormTicket.id) == ticket_id, col(YouthFormTicket.used_at).is_(None))
        .values(used_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def sent_since(
    session: AsyncSession, column: str, value: str, since: datetime
) -> list[datetime]:
    """When the projects with ``column`` = ``value`` created since ``since`` were sent."""
    rows = await session.scalars(
        select(col(YouthProject.created_at))
        .where(getattr(YouthProject, column) == value, col(YouthProject.created_at) > since)
        .order_by(col(YouthProject.created_at))
    )
    return list(rows)


async def pending_by_token(
    session: AsyncSession, token_sha256: str, *, lock: bool = False
) -> YouthProject | None:
    query = select(YouthProject).where(
        col(YouthProject.token_sha256) == token_sha256, col(YouthProject.status) == "pending"
    )
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def pending_of(session: AsyncSession, email: str) -> list[YouthProject]:
    """The projects still waiting for the sponsor with this (normalised) address."""
    rows = await session.scalars(
        select(YouthProject)
        .where(
            func.lower(col(YouthProject.sponsor_email)) == email,
            col(YouthProject.status) == "pending",
        )
        .order_by(col(YouthProject.created_at), col(YouthProject.id))
    )
    return list(rows)


async def delete_pending_of(session: AsyncSession, email: str) -> int:
    result = await session.execute(
        delete(YouthProject).where(
            func.lower(col(YouthProject.sponsor_email)) == email,
            col(YouthProject.status) == "pending",
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def forget_sponsor_hash(session: AsyncSession, sponsor_sha256: str) -> int:
    result = await session.execute(
        update(YouthProject)
        .where(col(YouthProject.sponsor_sha256) == sponsor_sha256)
        .values(sponsor_sha256=None, sponsor_name=None, sponsor_email=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_older(session: AsyncSession, limit: datetime) -> int:
    """Projects (unconfirmed or already an application) created before ``limit``."""
    result = await session.execute(delete(YouthProject).where(col(YouthProject.created_at) < limit))
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_tickets_before(session: AsyncSession, limit: datetime) -> int:
    result = await session.execute(
        delete(YouthFormTicket).where(col(YouthFormTicket.issued_at) < limit)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def open_youth_funds(session: AsyncSession, today: date) -> list[Fund]:
    rows = await session.scalars(
        select(Fund)
        .where(
            col(Fund.kind) == "youth_fund",
            col(Fund.period_end) >= today,
        )
        .order_by(col(Fund.name))
    )
    return list(rows)


async def schools_of(session: AsyncSession, regions: set[str] | None) -> list[SchoolView]:
    """The live schools of ``regions`` (None: every region)."""
    query = select(SchoolView).where(col(SchoolView.deleted).is_(False))
    if regions is not None:
        query = query.where(col(SchoolView.region).in_(regions))
    return list(await session.scalars(query.order_by(col(SchoolView.name))))


async def school_name(session: AsyncSession, school_id: object) -> str:
    school = await session.get(SchoolView, school_id)
    return school.name if school else ""
