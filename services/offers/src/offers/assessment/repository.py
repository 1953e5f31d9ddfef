"""Every query on assessments."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from offers.models import Assessment


async def get_assessment(session: AsyncSession, application_id: uuid.UUID) -> Assessment | None:
    """An application's assessment, if it has one."""
    return await session.get(Assessment, application_id)
