"""Request and response bodies of an application's assessment.

The weighted score is ``sum(weight × points) / sum(weight × max_points) × 100``, rounded half up
to a whole number (0–100); null when the fund defines no criteria.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from offers.common import LongText, Text
from offers.models import Assessment
from schulerfolg.http.validation import RequestModel

Recommendation = Literal["approve", "reject", "return"]
MAX_CENTS = 1_000_000_000
"""10,000,000 euros: the largest amount anyone may write."""


class CriterionScore(BaseModel):
    """The points given for one of the fund's criteria."""

    criterion: Text = Field(description="The criterion's name, as the fund lists it.")
    points: Annotated[int, Field(ge=0, le=100, description="From 0 to the criterion's max_points.")]


class AssessmentBody(RequestModel):
    """The network office's assessment of a submitted application."""

    scores: list[CriterionScore] = Field(
        default_factory=list,
        max_length=30,
        description="One score per criterion of the fund — every criterion, each once.",
    )
    recommendation: Recommendation
    recommended_cents: Annotated[int, Field(ge=1, le=MAX_CENTS)] | None = Field(
        None,
        description="The amount recommended for approval (required with `approve`, at most the "
        "requested amount; ignored otherwise).",
    )
    notes: LongText | None = None


class ScoredCriterion(BaseModel):
    """A criterion as it was scored: its weight and scale at the time, and the points."""

    criterion: str
    weight: int
    max_points: int
    points: int


class AssessmentPublic(BaseModel):
    """An application's assessment with its weighted score."""

    application_id: uuid.UUID
    version: int = Field(description="The application's version (its ETag).")
    scores: list[ScoredCriterion]
    score: int | None = Field(
        description="sum(weight × points) / sum(weight × max_points) × 100, rounded half up; "
        "null when the fund has no criteria."
    )
    recommendation: Recommendation
    recommended_cents: int | None
    notes: str | None = Field(description="The office's notes (not shown to the applicant side).")
    assessed_by: str
    assessed_at: datetime

    @classmethod
    def of(cls, assessment: Assessment, version: int, *, with_notes: bool) -> AssessmentPublic:
        return cls.model_validate(
            {
                **assessment.model_dump(),
                "version": version,
                "notes": assessment.notes if with_notes else None,
            }
        )
