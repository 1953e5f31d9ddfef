"""Events published by the planning service (stream ``PLANNING``): aggregates only, never a
respondent or a participant."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from schulerfolg.events.base import EventPayload, event_name


class SurveyData(EventPayload):
    """What other services may want of a needs survey (no answers)."""

    version: int = Field(
        description="The entity's version after the change: apply only if newer than what you hold."
    )
    id: UUID
    title: str
    region: str | None = None
    audience: list[str] = Field(default_factory=list)
    anonymous: bool
    topics: list[str] = Field(
        default_factory=list, description="The topic slugs the survey's choices stand for."
    )


@event_name("planning.survey.opened", version=1)
class SurveyOpened(SurveyData):
    """A needs survey opened for answers."""


@event_name("planning.survey.closed", version=1)
class SurveyClosed(SurveyData):
    """A needs survey closed; ``responses`` answers arrived, ``topic_demand`` counts the choices
    per topic slug over all of them."""

    responses: int
    topic_demand: dict[str, int] = Field(default_factory=dict)
