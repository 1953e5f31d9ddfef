"""Request and response bodies for minutes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from schulerfolg.http.validation import RequestModel


class MinutesWrite(RequestModel):
    """The whole text of the minutes (Markdown)."""

    text: Annotated[str, Field(max_length=200000, description="Markdown.")]


class MinutesPublic(BaseModel):
    """A meeting's minutes."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    meeting_id: uuid.UUID
    text: str = Field(description="Markdown.")
    published: bool
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
