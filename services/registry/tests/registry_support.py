"""Helpers for the registry's tests: the registry as the shared tests see it, a migrated
database, the running app, tokens."""

from __future__ import annotations

import asyncio
import uuid

import nats as nats_client

from registry.config import RegistrySettings
from registry.main import definition
from registry.models import Organization
from schulerfolg.db import utcnow
from schulerfolg.events.privacy import ERASURE_COMPLETED
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import ServiceUnderTest, publish_events, wrap
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


ERASURE_REQUESTS = "/api/v1/erasure-requests"


async def answer_erasure(
    nats_url: str, request_id: str, service: str, *, times: int = 1, **counts: int
) -> None:
    """``<service>.erasure.completed`` for a request, published to the service's stream as that
    service would (``times`` > 1: delivered again)."""
    payload = ERASURE_COMPLETED[service](
        request_id=uuid.UUID(request_id), service=service, counts=counts
    )
    await publish_events(nats_url, [wrap(payload, entity_id=request_id, region=None)], times=times)


async def erasure_request(registry, request_id: str) -> dict:
    """An erasure request as the state coordination reads it."""
    response = await registry.client.get(
        f"{ERASURE_REQUESTS}/{request_id}", headers=registry.auth("state_coordinator")
    )
    assert response.status_code == 200, response.text
    return response.json()


async def answered(registry, request_id: str, *services: str) -> dict | None:
    """The request once each of ``services`` has answered (None before)."""
    request = await erasure_request(registry, request_id)
    done = {s["service"] for s in request["services"] if s["status"] == "completed"}
    return request if done >= set(services) else None


async def stream_bytes(nats_url: str, stream: str, subject: str) -> bytes:
    """Every message body on ``subject`` of ``stream`` as it is stored now, concatenated."""
    nc = await nats_client.connect(nats_url)
    try:
        sub = await nc.jetstream().pull_subscribe(subject, stream=stream)
        raw = b""
        while True:
            try:
                batch = await sub.fetch(200, timeout=1)
            except (nats_client.errors.TimeoutError, TimeoutError):
                return raw
            for message in batch:
                await message.ack()
                raw += message.data
    finally:
        await nc.close()
