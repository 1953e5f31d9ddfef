"""Consumers of ``offers.application.{submitted,withdrawn}`` and ``offers.application.assessed``
(stream ``OFFERS``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from meetings.agenda import service
from meetings.funding.service import apply_application
from schulerfolg.events import CloudEvent
from schulerfolg.events.offers import (
    ApplicationAssessed,
    ApplicationSubmitted,
    ApplicationWithdrawn,
)
from schulerfolg.messaging.consumer import ConsumerSpec, PermanentEventError


async def handle_application_event(session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Route a submitted application onto an agenda; take a withdrawn one off."""
    data = event.data
    await apply_application(session, data)
    if isinstance(data, ApplicationWithdrawn):
        await service.withdraw_application(session=session, application_id=data.id)
        return
    try:
        await service.route_submission(session=session, data=data)
    except service.Unroutable as exc:
        raise PermanentEventError(str(exc)) from exc


def applications_consumer(_runtime: Any) -> ConsumerSpec:
    """The durable consumer that fills the agendas from submitted applications."""
    return ConsumerSpec(
        name="meetings-applications",
        events=(ApplicationSubmitted, ApplicationWithdrawn),
        handler=handle_application_event,
        description=(
            "Puts each submitted application on its deciding committee's next session (or its "
            "pending list); takes withdrawn applications off."
        ),
    )


async def handle_assessment(session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Keep the application's latest assessment for its agenda items."""
    await service.apply_assessment(session, event.data)


def assessments_consumer(_runtime: Any) -> ConsumerSpec:
    """The durable consumer that keeps the network office's assessments of applications."""
    return ConsumerSpec(
        name="meetings-assessments",
        events=(ApplicationAssessed,),
        handler=handle_assessment,
        description=(
            "Keeps each application's assessment (recommendation, recommended amount, score) "
            "for its agenda items."
        ),
    )
