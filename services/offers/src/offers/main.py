"""The offers service: funds and applications for school projects (bildungsbezogene Angebote) from draft through advice, decision, report and completion; statistics."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from offers.applications.api import router as applications_router
from offers.applications.consumer import decision_consumer
from offers.assessment.api import router as assessment_router
from offers.attachments import service as attachments
from offers.attachments.api import router as attachments_router
from offers.config import OffersSettings
from offers.directory.consumer import committees_consumer, registry_consumer, sessions_consumer
from offers.documents import service as documents
from offers.documents.api import router as documents_router
from offers.documents.consumer import documents_consumer
from offers.funds.api import router as funds_router
from offers.models import metadata, outbox
from offers.payments.api import router as payments_router
from offers.privacy.service import erase, own_data, retention_tasks
from offers.proof_of_use.api import router as proof_of_use_router
from offers.statistics.api import router as statistics_router
from offers.youth_projects import service as youth_projects
from offers.youth_projects.api import router as youth_projects_router
from schulerfolg.app import ServiceDefinition
from schulerfolg.app import create_app as create_service_app
from schulerfolg.privacy.erasure import erasure_consumer

MIGRATIONS = Path(__file__).parent / "migrations"

definition = ServiceDefinition(
    name="offers",
    title="schulerfolg offers",
    description="Funds and applications for school projects (bildungsbezogene Angebote) from draft through advice, decision, report and completion; statistics.",
    metadata=metadata,
    outbox=outbox,
    migrations=MIGRATIONS,
    routers=[
        funds_router,
        applications_router,
        statistics_router,
        payments_router,
        assessment_router,
        proof_of_use_router,
        documents_router,
        attachments_router,
        youth_projects_router,
    ],
    consumers=lambda runtime: [
        registry_consumer(runtime),
        committees_consumer(runtime),
        sessions_consumer(runtime),
        decision_consumer(runtime),
        documents_consumer(runtime),
        erasure_consumer(
            runtime,
            documents.erasing(attachments.erasing(youth_projects.erasing(erase), runtime)),
        ),
    ],
    own_data=own_data,
    retention=lambda runtime: [
        *attachments.retention_tasks(runtime),  # before the contacts: see there
        *documents.following(retention_tasks(runtime)),
        *youth_projects.retention_tasks(runtime),
    ],
)


def create_app(settings: OffersSettings | None = None) -> FastAPI:
    """The offers service's FastAPI application."""
    return create_service_app(definition, settings or OffersSettings())
