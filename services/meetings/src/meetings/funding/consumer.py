"""Consumer of ``offers.fund.{created,updated}`` (stream ``OFFERS``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from meetings.funding import service
from schulerfolg.events import CloudEvent
from schulerfolg.events.offers import FundCreated, FundUpdated
from schulerfolg.messaging.consumer import ConsumerSpec


async def handle_fund_event(session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Apply one fund event to the read model."""
    await service.apply_fund(session, event.data)


def funds_consumer(_runtime: Any) -> ConsumerSpec:
    """The durable consumer that keeps the funds read model."""
    return ConsumerSpec(
        name="meetings-funds",
        events=(FundCreated, FundUpdated),
        handler=handle_fund_event,
        description="Keeps each fund's deciding committee (hand-added agenda items are checked).",
    )
