"""The planning service: needs surveys, target agreements and ESF+ participant figures."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from planning.agreements.api import router as agreements_router
from planning.config import PlanningSettings
from planning.demand.api import router as demand_router
from planning.indicators.api import router as indicators_router
from planning.indicators.consumer import meetings_consumer, offers_consumer
from planning.models import metadata, outbox
from planning.projects.consumer import projects_consumer
from planning.reach.consumer import meetings_consumer as reach_meetings_consumer
from planning.reach.consumer import schools_consumer
from planning.surveys import service as surveys
from planning.surveys.api import router as surveys_router
from schulerfolg.app import ServiceDefinition
from schulerfolg.app import create_app as create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"

definition = ServiceDefinition(
    name="planning",
    title="schulerfolg planning",
    description=(
        "Network work beyond single projects: needs surveys with their results per option and "
        "topic, target agreements followed up from the suite's events, ESF+ participant figures "
        "(aggregates only, never a person)."
    ),
    metadata=metadata,
    outbox=outbox,
    migrations=MIGRATIONS,
    routers=[surveys_router, demand_router, agreements_router, indicators_router],
    consumers=lambda runtime: [
        projects_consumer(runtime),
        offers_consumer(runtime),
        meetings_consumer(runtime),
        schools_consumer(runtime),
        reach_meetings_consumer(runtime),
    ],
    own_data=surveys.own_data,
    retention=surveys.housekeeping_tasks,
)


def create_app(settings: PlanningSettings | None = None) -> FastAPI:
    """The planning service's FastAPI application."""
    return create_service_app(definition, settings or PlanningSettings())
