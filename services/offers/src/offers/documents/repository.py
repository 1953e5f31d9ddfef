"""Every query on generated documents."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from offers.models import Application, GeneratedDocument, OrganizationView, SchoolView
from schulerfolg.db import affected_rows


async def of_application(
    session: AsyncSession, application_id: uuid.UUID
) -> list[GeneratedDocument]:
    """The application's documents, oldest first."""
    rows = await session.scalars(
        select(GeneratedDocument)
        .where(col(GeneratedDocument.application_id) == application_id)
        .order_by(col(GeneratedDocument.created_at), col(GeneratedDocument.id))
    )
    return list(rows)


async def one(
    session: AsyncSession, application_id: uuid.UUID, document_id: uuid.UUID
) -> GeneratedDocument | None:
    """One document of the application."""
    return await session.scalar(
        select(GeneratedDocument).where(
            col(GeneratedDocument.id) == document_id,
            col(GeneratedDocument.application_id) == application_id,
        )
    )


async def of_kind(
    session: AsyncSession, application_id: uuid.UUID, kind: str
) -> GeneratedDocument | None:
    """The application's document of ``kind``, if it was issued."""
    return await session.scalar(
        select(GeneratedDocument).where(
            col(GeneratedDocument.application_id) == application_id,
            col(GeneratedDocument.kind) == kind,
        )
    )


async def by_id(session: AsyncSession, document_id: uuid.UUID) -> GeneratedDocument | None:
    """The document as stored now."""
    return await session.get(GeneratedDocument, document_id, populate_existing=True)


async def store_rendering(
    session: AsyncSession, doc: GeneratedDocument, content: bytes, now: datetime
) -> bool:
    """Store the PDF rendered from ``doc``'s facts, unless it was rendered meanwhile or its
    facts changed (an erasure: a new ``application_version``); whether it was stored."""
    stored = await session.execute(
        update(GeneratedDocument)
        .where(
            col(GeneratedDocument.id) == doc.id,
            col(GeneratedDocument.size) == 0,
            col(GeneratedDocument.application_version) == doc.application_version,
        )
        .values(content=content, size=len(content), rendered_at=now)
        .execution_options(synchronize_session=False)
    )
    return affected_rows(stored) == 1


async def stale(session: AsyncSession) -> list[tuple[GeneratedDocument, Application]]:
    """Documents whose application changed since they last read its personal data."""
    rows = await session.execute(
        select(GeneratedDocument, Application)
        .join(Application, col(Application.id) == col(GeneratedDocument.application_id))
        .where(col(GeneratedDocument.application_version) != col(Application.version))
        .order_by(col(GeneratedDocument.id))
        .with_for_update(of=GeneratedDocument)
    )
    return [(doc, app) for doc, app in rows.all()]


async def school_names(session: AsyncSession, ids: list[str]) -> list[str]:
    """The schools' names, in the order of ``ids`` (unknown ones left out)."""
    wanted = [uuid.UUID(i) for i in ids]
    rows = await session.scalars(select(SchoolView).where(col(SchoolView.id).in_(wanted)))
    names = {school.id: school.name for school in rows}
    return [names[i] for i in wanted if i in names]


async def organization_name(session: AsyncSession, org_id: uuid.UUID | None) -> str | None:
    """The organisation's name, if known."""
    if org_id is None:
        return None
    org = await session.get(OrganizationView, org_id)
    return org.name if org else None
