"""Response bodies of the operational views."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from notifications.models import Delivery

DeliveryStatus = Literal["pending", "sending", "sent", "failed"]


class DeliveryPublic(BaseModel):
    """One e-mail and what became of it."""

    id: uuid.UUID
    kind: str
    to: str
    subject: str
    status: DeliveryStatus
    attempts: int
    in_doubt_resends: int
    last_error: str | None
    next_attempt_at: datetime | None
    sent_at: datetime | None
    message_id: str
    source_event_id: str
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryPublic:
        """The public view of a delivery."""
        return cls(
            id=delivery.id,
            kind=delivery.kind,
            to=delivery.to_address,
            subject=delivery.subject,
            status=delivery.status,  # type: ignore[arg-type]  # a text column; the sender writes only these
            attempts=delivery.attempts,
            in_doubt_resends=delivery.in_doubt_resends,
            last_error=delivery.last_error,
            next_attempt_at=delivery.next_attempt_at if delivery.status == "pending" else None,
            sent_at=delivery.sent_at,
            message_id=delivery.message_id,
            source_event_id=delivery.source_event_id,
            created_at=delivery.created_at,
            updated_at=delivery.updated_at,
            version=delivery.version,
        )


class DeadLetterPublic(BaseModel):
    """An event no consumer could process, with the reason."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    consumer: str
    event_id: str | None
    event_type: str | None
    subject: str
    reason: str
    attempts: int
    created_at: datetime
