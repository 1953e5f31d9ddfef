"""Offers' consumer of its own decisions: issues the grant notice or the rejection letter."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from offers.documents import service
from schulerfolg.events import CloudEvent
from schulerfolg.events.offers import ApplicationApproved, ApplicationRejected
from schulerfolg.messaging.consumer import ConsumerSpec


async def handle_decision(session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Issue the decision's document (PDF)."""
    await service.issue(session, event.data)


def documents_consumer(_runtime: Any) -> ConsumerSpec:
    """Renders the grant notice on approval and the rejection letter on rejection, after the
    decision's commit (once per decision, through the inbox)."""
    return ConsumerSpec(
        name="offers-documents",
        events=(ApplicationApproved, ApplicationRejected),
        handler=handle_decision,
        description="Issues grant notices and rejection letters as PDFs on decisions.",
    )
