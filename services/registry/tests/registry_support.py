"""Helpers for the registry's tests: the registry as the shared tests see it, a migrated
database, the running app, tokens."""

from __future__ import annotations

import asyncio
import uuid

from registry.config import RegistrySettings
from registry.main import definition
from registry.models import Organization
from schulerfolg.db import utcnow
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import ServiceUnderTest
from schulerfolg_dev.testing.service_suite import ServiceCase

Registry = ServiceUnderTest

REGISTRY = ServiceCase(
    definition=definition,
    settings_cls=RegistrySettings,
    read_path="/api/v1/regions",
    callers=(
        {"role": "state_coordinator"},
        {"role": "network_office", "regions": ["boerde"]},
    ),
    live_env=lambda tmp: {"REGISTRY_MATERIALS_DIR": str(tmp / "materials")},
)

migrate = REGISTRY.migrate
start_registry = REGISTRY.start


async def all_published(registry) -> None:
    """Wait until the relay has published every row of the outbox to NATS."""

    async def drained() -> bool:
        backlog, _age = await registry.app.state.runtime.relay.backlog()
        return backlog == 0

    await eventually(drained, timeout=60)
    await asyncio.sleep(0.05)  # let the relay go back to waiting


async def add_organization(registry, *, deleted: bool = False) -> uuid.UUID:
    """An organisation row written straight to the database (its API is not under test here)."""
    organization = Organization(
        name="AWO Kreisverband Börde e.V.",
        kind="free_youth_welfare",
        region="boerde",
        deleted_at=utcnow() if deleted else None,
    )
    async with registry.app.state.runtime.db.transaction() as session:
        session.add(organization)
    return organization.id
