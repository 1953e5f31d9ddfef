"""The registry service: regions and their offices, organisations, schools, persons, materials."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from registry.config import RegistrySettings
from registry.erasure.api import router as erasure_router
from registry.erasure.consumer import answer_consumers
from registry.materials.api import router as materials_router
from registry.models import metadata, outbox
from registry.organizations.api import router as organizations_router
from registry.persons import service as persons
from registry.persons.api import router as persons_router
from registry.persons.consumer import scrub_consumer
from registry.regions import service as regions
from registry.regions.api import router as regions_router
from registry.schools.api import router as schools_router
from schulerfolg.app import Runtime, ServiceDefinition
from schulerfolg.app import create_app as create_service_app
from schulerfolg.privacy.erasure import erasure_consumer

MIGRATIONS = Path(__file__).parent / "migrations"


async def _load_regions(runtime: Runtime) -> None:
    async with runtime.db.transaction() as session:
        await regions.ensure_regions(session=session)


definition = ServiceDefinition(
    name="registry",
    title="schulerfolg registry",
    description=(
        "The network's directory: the 14 regions and their network offices, organisations, "
        "schools, contact persons and materials; erasure requests for e-mail addresses."
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
        erasure_router,
    ],
    consumers=lambda runtime: [
        scrub_consumer(runtime),
        erasure_consumer(runtime, persons.erase_by_email),
        *answer_consumers(runtime),
    ],
    on_startup=_load_regions,
    own_data=persons.own_data,
)


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    """The registry's FastAPI application."""
    return create_service_app(definition, settings or RegistrySettings())
