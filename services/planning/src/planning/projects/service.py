"""The projects read model: where each application runs, its topics, how far it got."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from planning.models import FundedProject
from planning.projects import repository
from schulerfolg.events.offers import ApplicationData

# An application counts as a funded project once approved, and stays one when it reports and
# completes (as offers' statistics count schools reached).
FUNDED = ("approved", "reported", "completed")


async def apply_application(
    session: AsyncSession, data: ApplicationData, *, completed_on: date | None = None
) -> None:
    """Keep what an ``offers.application.*`` event says, if it is newer than what is kept;
    ``completed_on`` is the day of the completion event (None for every other event)."""
    await repository.keep(
        session,
        {
            "id": data.id,
            "version": data.version,
            "region": data.region,
            "fund_id": data.fund_id,
            "status": data.status,
            "topics": list(data.topics),
            "school_ids": [str(school) for school in data.school_ids],
            "start_date": data.start_date,
            "end_date": data.end_date,
            "completed_on": completed_on if data.status == "completed" else None,
        },
    )


async def funded_per_topic(session: AsyncSession, region: str | None) -> Counter[str]:
    """Funded projects per topic slug, in one region or in all."""
    return await repository.topics_of_funded(session, FUNDED, region)


async def funded_in(session: AsyncSession, region: str) -> list[FundedProject]:
    """The funded projects (approved, reported or completed) of a region."""
    return await repository.projects_of(session, region, FUNDED)
