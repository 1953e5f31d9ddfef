"""Operational endpoints of a service: liveness, readiness, metrics, AsyncAPI."""

from __future__ import annotations

from pathlib import Path

from registry_support import start_registry

from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.servers import NatsServer


async def test_healthz_answers(registry):
    response = await registry.client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_readyz_checks_database_migrations_and_nats(registry):
    async def ready():
        response = await registry.client.get("/readyz")
        return response if response.status_code == 200 else None

    response = await eventually(ready)
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "nats": "ok"}


async def test_readyz_is_503_while_nats_is_away_and_200_again_when_it_is_back(
    new_database, nats_server: NatsServer, tmp_path: Path
):
    url = await new_database("sqlite")
    async with start_registry(url, nats_server.url, tmp_path / "auth") as registry:

        async def status(code: int):
            response = await registry.client.get("/readyz")
            return response if response.status_code == code else None

        await eventually(lambda: status(200))
        nats_server.stop()
        down = await eventually(lambda: status(503))
        assert down.json()["checks"]["nats"] == "unavailable"
        assert down.json()["checks"]["database"] == "ok"
        # Reading still works without NATS.
        assert (await registry.client.get("/api/v1/regions/boerde")).status_code == 200
        nats_server.start()
        await eventually(lambda: status(200), timeout=30)


async def test_metrics_show_requests_outbox_and_dead_letters(registry):
    await registry.client.get("/api/v1/regions")
    await registry.client.put(
        "/api/v1/regions/boerde/office",
        json={"name": "NWST Börde"},
        headers=registry.auth("state_coordinator"),
    )

    text = (await registry.client.get("/metrics")).text

    assert (
        'http_request_duration_seconds_count{method="GET",route="/api/v1/regions",status="200"} 1.0'
        in text
    )
    assert "outbox_backlog " in text
    assert "outbox_oldest_age_seconds " in text
    assert "dead_letters 0.0" in text
    assert "nats_connected " in text


async def test_asyncapi_documents_the_events_the_registry_publishes(registry):
    document = (await registry.client.get("/asyncapi")).json()

    assert document["asyncapi"].startswith("3.")
    channel = document["channels"]["de.schulerfolg.registry.region.updated.v1"]
    assert channel["address"] == "sfs.{region}.registry.region.updated"


async def test_the_openapi_document_is_served(registry):
    document = (await registry.client.get("/api/v1/openapi.json")).json()
    assert "/api/v1/regions/{slug}/office" in document["paths"]
    assert (await registry.client.get("/docs")).status_code == 200


async def test_a_service_refuses_to_start_on_an_unmigrated_database(
    new_database, nats_url, tmp_path
):
    import pytest

    from registry.config import RegistrySettings
    from registry.main import create_app
    from schulerfolg_dev.testing.plugin import running

    app = create_app(RegistrySettings(database_url=await new_database("sqlite"), nats_url=nats_url))
    with pytest.raises(RuntimeError, match="python -m registry migrate"):
        async with running(app):
            pass


async def test_cors_allows_the_configured_origins_only(new_database, nats_url, tmp_path):
    from registry_support import migrate

    from registry.config import RegistrySettings
    from registry.main import create_app
    from schulerfolg_dev.testing.plugin import running

    url = await new_database("sqlite")
    await migrate(url)
    settings = RegistrySettings(
        database_url=url, nats_url=nats_url, cors_allowed_origins=["https://app.example"]
    )
    async with running(create_app(settings)) as client:
        preflight = {
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "if-match",
        }
        allowed = await client.options(
            "/api/v1/regions/boerde/office", headers={"Origin": "https://app.example"} | preflight
        )
        other = await client.options(
            "/api/v1/regions/boerde/office", headers={"Origin": "https://evil.example"} | preflight
        )
        simple = await client.get(
            "/api/v1/regions/boerde", headers={"Origin": "https://app.example"}
        )

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert "access-control-allow-origin" not in other.headers
    assert simple.headers["access-control-allow-origin"] == "https://app.example"
    assert "ETag" in simple.headers["access-control-expose-headers"]
