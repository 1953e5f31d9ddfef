"""Response bodies of the inbox."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from notifications.models import Notification


class NotificationPublic(BaseModel):
    """An inbox entry."""

    id: uuid.UUID
    kind: str
    title: str
    body: str
    link: str = Field(description="Path of the resource in the web frontend, e.g. /meetings/<id>.")
    read: bool
    read_at: datetime | None
    source_event_id: str = Field(description="The event (or reminder) it came from.")
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, notification: Notification) -> NotificationPublic:
        """The public view of a notification."""
        return cls(
            id=notification.id,
            kind=notification.kind,
            title=notification.title,
            body=notification.body,
            link=notification.link,
            read=notification.read_at is not None,
            read_at=notification.read_at,
            source_event_id=notification.source_event_id,
            created_at=notification.created_at,
            updated_at=notification.updated_at,
            version=notification.version,
        )


class UnreadCount(BaseModel):
    """How many of the caller's notifications are unread."""

    unread: int


class MarkedRead(BaseModel):
    """How many notifications were marked read."""

    marked: int
