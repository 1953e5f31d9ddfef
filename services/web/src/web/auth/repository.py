"""Queries of the sessions table."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from web.models import WebSession


async def get(session: AsyncSession, session_id: str) -> WebSession | None:
    return await session.get(WebSession, session_id)


def add(session: AsyncSession, record: WebSession) -> None:
    session.add(record)


async def remove(session: AsyncSession, session_id: str) -> None:
    await session.execute(delete(WebSession).where(WebSession.id == session_id))  # type: ignore[arg-type]  # SQLModel column


async def touch(session: AsyncSession, session_id: str, at: datetime) -> None:
    await session.execute(
        update(WebSession).where(WebSession.id == session_id).values(last_seen_at=at)  # type: ignore[arg-type]  # SQLModel column
    )


async def replace_tokens(
    session: AsyncSession,
    session_id: str,
    *,
    access_token: str,
    access_expires_at: datetime,
    refresh_token: str | None,
) -> None:
    await session.execute(
        update(WebSession)
        .where(WebSession.id == session_id)  # type: ignore[arg-type]  # SQLModel column
        .values(
            access_token=access_token,
            access_expires_at=access_expires_at,
            refresh_token=refresh_token,
        )
    )


async def remove_expired(session: AsyncSession, now: datetime, idle: timedelta) -> int:
    """Delete the sessions that ended (``expires_at``) or were idle for ``idle``."""
    result = await session.execute(
        delete(WebSession).where(
            or_(
                WebSession.expires_at <= now,  # type: ignore[arg-type]  # SQLModel column
                WebSession.last_seen_at <= now - idle,  # type: ignore[arg-type]  # SQLModel column
            )
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # CursorResult of a DELETE
