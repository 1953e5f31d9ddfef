"""Offers' consumer of committee decisions (``meetings.decision.recorded``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from offers.applications import service
from schulerfolg.events import CloudEvent
from schulerfolg.events.meetings import DecisionRecorded
from schulerfolg.messaging.consumer import ConsumerSpec


def decision_consumer(runtime: Any) -> ConsumerSpec:
    """Applies each committee decision on an application (or records why not)."""
    weeks = runtime.settings.report_due_weeks

    async def handle(session: AsyncSession, event: CloudEvent[Any]) -> None:
        await service.apply_committee_decision(session, event.data, report_due_weeks=weeks)

    return ConsumerSpec(
        name="offers-committee-decisions",
        events=(DecisionRecorded,),
        handler=handle,
        description="Applies committee decisions on applications (or records why not).",
    )
