"""Queries for attachments."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from offers.models import Application, Attachment


async def list_for(session: AsyncSession, application_id: uuid.UUID) -> list[Attachment]:
    """An application's attachments, oldest first."""
    rows = await session.scalars(
        select(Attachment)
        .where(col(Attachment.application_id) == application_id)
        .order_by(col(Attachment.created_at), col(Attachment.id))
    )
    return list(rows)


async def count_for(session: AsyncSession, application_id: uuid.UUID) -> int:
    """How many attachments an application has."""
    found = await session.scalar(
        select(func.count()).where(col(Attachment.application_id) == application_id)
    )
    return int(found or 0)


async def get(
    session: AsyncSession, application_id: uuid.UUID, attachment_id: uuid.UUID
) -> Attachment | None:
    """One attachment of an application."""
    return await session.scalar(
        select(Attachment).where(
            col(Attachment.id) == attachment_id,
            col(Attachment.application_id) == application_id,
        )
    )


async def files_due(
    session: AsyncSession, due: ColumnElement[bool], limit: int
) -> list[Attachment]:
    """Attachments still holding a file whose application's retention has ended."""
    rows = await session.scalars(
        select(Attachment)
        .join(Application, col(Application.id) == col(Attachment.application_id))
        .where(due, col(Attachment.erased_at).is_(None))
        .order_by(col(Attachment.created_at), col(Attachment.id))
        .limit(limit)
        .with_for_update()
    )
    return list(rows)


async def contact_applications(session: AsyncSession, email: str) -> list[uuid.UUID]:
    """The applications whose contact has the (normalised) address."""
    rows = await session.scalars(
        select(col(Application.id)).where(func.lower(col(Application.contact_email)) == email)
    )
    return list(rows)


async def files_of(
    session: AsyncSession, application_ids: Sequence[uuid.UUID], keep: ColumnElement[bool]
) -> list[Attachment]:
    """The attachments of these applications still holding a file, except those ``keep``
    selects (a condition on the attachment and its application)."""
    if not application_ids:
        return []
    rows = await session.scalars(
        select(Attachment)
        .join(Application, col(Application.id) == col(Attachment.application_id))
        .where(
            col(Attachment.application_id).in_(list(application_ids)),
            col(Attachment.erased_at).is_(None),
            not_(keep),
        )
        .order_by(col(Attachment.created_at), col(Attachment.id))
        .with_for_update(of=Attachment)
    )
    return list(rows)


async def uploaded_by(session: AsyncSession, sub: str) -> list[Attachment]:
    """The attachments a person uploaded."""
    rows = await session.scalars(
        select(Attachment)
        .where(col(Attachment.uploaded_by) == sub)
        .order_by(col(Attachment.created_at), col(Attachment.id))
    )
    return list(rows)


def erased_now(attachment: Attachment, now: datetime) -> None:
    """Mark an attachment's file as deleted."""
    attachment.erased_at = now
    attachment.touch()
