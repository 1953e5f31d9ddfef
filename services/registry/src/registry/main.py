"""The registry service: regions and their offices, organisations, schools, persons, materials."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from registry.config import RegistrySettings
from registry.materials.api import router as materials_router
from registry.models import metadata, outbox
from registry.organizations.api import router as organizations_router
from registry.persons.api import router as persons_router
from registry.persons.consumer import scrub_consumer
from registry.regions import service as regions
from registry.regions.api import router as regions_router
from registry.schools.api import router as schools_router
from schulerfolg.app import Runtime, ServiceDefinition
from schulerfolg.app import create_app as create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


async def _load_regions(runtime: Runtime) -> None:
    async with runtime.db.transaction() as session:
        await regions.ensure_regions(session=session)


definition = ServiceDefinition(
    name="registry",
    title="schulerfolg registry",
    description=(
        "The network's directory: the 14 regions and their network offices, organisations, "
        "schools, contact persons and materials."
    ),
    metadata=metadata,
    outbox=outbox,
    migrations=MIGRATIONS,
    routers=[
        regions_router,
        organizations_router,
        schools_router,
        persons_router,
        materials_router,
    ],
    consumers=lambda runtime: [scrub_consumer(runtime)],
    on_startup=_load_regions,
)


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    """The registry's FastAPI application."""
    return create_service_app(definition, settings or RegistrySettings())
