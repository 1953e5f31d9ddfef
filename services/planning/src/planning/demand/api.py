"""HTTP route for the topic demand (thin: it calls the service)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from planning.demand import service
from planning.demand.schemas import TopicDemand
from schulerfolg.app import SessionDep
from schulerfolg.auth import CurrentPrincipal
from schulerfolg.http.csv import csv_response, wants_csv
from schulerfolg.http.problems import problem_responses

router = APIRouter(tags=["topic demand"])


@router.get(
    "/topic-demand",
    response_model=TopicDemand,
    responses={200: {"content": {"text/csv": {}}}, **problem_responses(401, 403, 422)},
    summary="Topic demand from surveys against funded projects (JSON or CSV)",
)
async def topic_demand(
    session: SessionDep,
    principal: CurrentPrincipal,
    request: Request,
    region: Annotated[
        str | None, Query(max_length=64, description="A region slug (default: the caller's).")
    ] = None,
) -> TopicDemand | Response:
    """For a network office (its region) and the state coordination (any region, or all):
    per topic how often the surveys' answers chose it, in how many surveys it was on offer, and
    how many approved, reported or completed projects and how many events (not cancelled, not
    committee sessions) carry it."""
    found = await service.topic_demand(session=session, principal=principal, region=region)
    if wants_csv(request):
        header = [
            "thema",
            "name",
            "nachfrage",
            "umfragen",
            "gefoerderte_projekte",
            "veranstaltungen",
        ]
        rows = [
            [t.slug, t.name, t.demand, t.surveys, t.funded_projects, t.events] for t in found.topics
        ]
        return csv_response(header, rows, filename=f"themenbedarf-{found.region or 'alle'}.csv")
    return found
