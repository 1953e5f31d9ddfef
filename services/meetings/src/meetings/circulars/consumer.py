"""The consumer of ``offers.application.decision_refused`` (stream ``OFFERS``): a circular's
decision offers could not apply."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from meetings.circulars import service
from schulerfolg.events import CloudEvent
from schulerfolg.events.offers import ApplicationDecisionRefused
from schulerfolg.messaging.consumer import ConsumerSpec


async def handle_refusal(session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Mark the circular whose decision was refused."""
    await service.apply_refusal(session, event.data)


def refusals_consumer(_runtime: Any) -> ConsumerSpec:
    """The durable consumer that marks circulars whose decision offers refused."""
    return ConsumerSpec(
        name="meetings-decision-refusals",
        events=(ApplicationDecisionRefused,),
        handler=handle_refusal,
        description="Marks a circular decision that offers could not apply as refused.",
    )
