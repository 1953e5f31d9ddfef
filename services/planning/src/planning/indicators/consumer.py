"""Consumers of offers' funds and accepted proofs of use (stream ``OFFERS``) and of meetings'
recorded attendance (stream ``MEETINGS``): the read models behind the ESF+ indicators."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from planning.indicators import service
from schulerfolg.events import CloudEvent
from schulerfolg.events.meetings import AttendanceRecorded
from schulerfolg.events.offers import FundCreated, FundUpdated, ProofOfUseAccepted
from schulerfolg.messaging.consumer import ConsumerSpec


async def handle_offers_event(session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Keep a fund, or the participants of a project whose proof of use was accepted."""
    data = event.data
    if isinstance(data, ProofOfUseAccepted):
        await service.apply_proof_of_use(session, data)
    elif isinstance(data, FundCreated | FundUpdated):
        await service.apply_fund(session, data)


async def handle_attendance_event(session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Keep the participants of an event whose attendance was recorded."""
    await service.apply_attendance(session, event.data)


def offers_consumer(_runtime: Any) -> ConsumerSpec:
    """The durable consumer that keeps funds and the participants of completed projects."""
    return ConsumerSpec(
        name="planning-indicators-offers",
        events=(FundCreated, FundUpdated, ProofOfUseAccepted),
        handler=handle_offers_event,
        description="Keeps funds' names and the participant figures of accepted proofs of use "
        "(counts only).",
    )


def meetings_consumer(_runtime: Any) -> ConsumerSpec:
    """The durable consumer that keeps the participants of events."""
    return ConsumerSpec(
        name="planning-indicators-meetings",
        events=(AttendanceRecorded,),
        handler=handle_attendance_event,
        description="Keeps each event's attendance count and participant figures (counts only).",
    )
