"""The consumer of offers' proof-of-use events (and approvals, for the reminders)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.dispatch.service import Notifier
from notifications.proof_of_use import service
from schulerfolg.events import CloudEvent
from schulerfolg.events import offers as o
from schulerfolg.messaging.consumer import ConsumerSpec


def proof_of_use_consumer(notifier: Notifier) -> ConsumerSpec:
    """Proof-of-use reminders, returned, accepted and reclaim e-mails."""

    async def handle(session: AsyncSession, event: CloudEvent[Any]) -> None:
        await service.handle(notifier, session, event)

    return ConsumerSpec(
        name="notifications-proof-of-use",
        events=(
            o.ApplicationApproved,
            o.ProofOfUseSubmitted,
            o.ProofOfUseReturned,
            o.ProofOfUseAccepted,
            o.ReclaimDue,
        ),
        handler=handle,
        description="Proof-of-use reminders (14 and 3 days before, overdue), returned, "
        "accepted and reclaim e-mails to the application's contact.",
    )
