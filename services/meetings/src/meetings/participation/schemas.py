"""Response body of a meeting's participant figures (the request body is ParticipantFigures)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from schulerfolg.participants import ParticipantFigures


class ParticipationPublic(BaseModel):
    """A meeting's attendance record: how many attended and the ESF+ participant figures."""

    meeting_id: uuid.UUID
    version: int = Field(description="The record's version (0: nothing recorded yet); the ETag.")
    collects_participant_figures: bool = Field(
        description="Whether the event collects ESF+ participant figures."
    )
    present: int = Field(description="Persons in the attendance list.")
    participants: ParticipantFigures | None = Field(
        description="Participants by sex → age group → count; null while not recorded."
    )
