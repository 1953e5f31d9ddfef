"""Response bodies of the topic demand: what the surveys asked for against what was funded."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TopicRow(BaseModel):
    """One topic: how often surveys chose it, how many funded projects and events carry it."""

    slug: str
    name: str
    demand: int = Field(description="Times chosen in the surveys' answers.")
    surveys: int = Field(description="Surveys that offered a choice standing for the topic.")
    funded_projects: int = Field(
        description="Approved, reported or completed applications carrying the topic."
    )
    events: int = Field(
        0, description="Events (trainings, exchanges, network meetings …) about the topic."
    )


class TopicDemand(BaseModel):
    """Topic demand against funded projects, for one region or (region null) all of them."""

    region: str | None
    topics: list[TopicRow]
