"""Response bodies of the personal calendar subscriptions."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class CalendarFeedPublic(BaseModel):
    """A subscription as its owner lists it (the secret is never shown again)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime


class CalendarFeedCreated(CalendarFeedPublic):
    """A new subscription: the only answer that carries the secret."""

    secret: str = Field(description="The feed's secret (shown once; meetings keeps only its hash).")
    url: str = Field(
        description="The subscription address: `/api/v1/meetings.ics?feed=<secret>` through the "
        "gateway; a calendar program fetches it without a token."
    )


class CalendarFeedList(BaseModel):
    """The caller's subscriptions."""

    items: list[CalendarFeedPublic]
