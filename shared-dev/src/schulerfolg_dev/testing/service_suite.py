"""The tests every service shares, written once and handed each service's definition.

A service describes itself for its tests in a ``ServiceCase`` (its ``ServiceDefinition``, its
settings class, a path to read and who reads it, the callers schemathesis plays) and gets:

- ``case.start(...)`` / ``case.migrate(url)``: the service migrated and running in-process;
- ``service_fixtures(case)``: the ``<name>`` and ``<name>_on`` fixtures of its conftest;
- ``CommonServiceTests``: migrations, schemathesis, the operational endpoints, refusing an
  unmigrated database and CORS, collected in the service's tests by subclassing::

      class TestRegistry(CommonServiceTests):
          case = REGISTRY
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from schulerfolg import migrations
from schulerfolg.app import ServiceDefinition, create_app
from schulerfolg.auth import generate_signing_key, mint_token
from schulerfolg.db import Database
from schulerfolg.settings import ServiceSettings
from schulerfolg_dev.testing import service as service_support
from schulerfolg_dev.testing.live import live_service, run_schemathesis
from schulerfolg_dev.testing.plugin import eventually, running
from schulerfolg_dev.testing.servers import NatsServer
from schulerfolg_dev.testing.service import ServiceUnderTest


@dataclass(frozen=True)
class ServiceCase:
    """One service as the shared tests see it."""

    definition: ServiceDefinition
    settings_cls: type[ServiceSettings]
    # A GET that answers 200 without NATS (no path parameters: it is the metrics route) …
    read_path: str
    # … read with a token of these claims (None: anonymously, for services with a public GET).
    reader: Mapping[str, Any] | None = None
    # Token claims schemathesis calls with, besides anonymously.
    callers: Sequence[Mapping[str, Any]] = ({"role": "state_coordinator"},)
    max_examples: int = 10
    # Extra environment of the service's process, given the test's temporary directory.
    live_env: Callable[[Path], Mapping[str, str]] = field(default=lambda _tmp: {})
    # Declares the streams the service waits for before it is ready, given the NATS URL.
    upstream: Callable[[str], Awaitable[None]] | None = None
    # Builds the app from its settings; None: the shared create_app over the definition (a
    # service with work of its own beside the shared runtime hands its main.create_app).
    create_app: Callable[[Any], Any] | None = None
    # Settings of the in-process service in tests (a test's own overrides win).
    test_settings: Mapping[str, Any] = field(default_factory=dict)
    # start() declares the upstream streams first and returns once every consumer runs.
    consumers_ready: bool = False

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def migrations(self) -> Path:
        assert self.definition.migrations is not None, f"{self.name} has no migrations"
        return self.definition.migrations

    async def migrate(self, url: str) -> None:
        """Apply the service's migrations."""
        await service_support.migrate(self.migrations, url)

    def app(self, settings: ServiceSettings) -> Any:
        """The service's FastAPI app for ``settings`` (created, not started)."""
        if self.create_app is not None:
            return self.create_app(settings)
        return create_app(self.definition, settings)

    @asynccontextmanager
    async def start(
        self, database_url: str, nats_url: str, key_dir: Path, **overrides: Any
    ) -> AsyncIterator[ServiceUnderTest]:
        """Migrate the database and run the service in-process; ``overrides`` are settings."""
        if self.consumers_ready:
            await self.declare_upstream(nats_url)
        async with service_support.start_service(
            create_app=self.app,
            settings_cls=self.settings_cls,
            migrations_dir=self.migrations,
            database_url=database_url,
            nats_url=nats_url,
            key_dir=key_dir,
            **(dict(self.test_settings) | overrides),
        ) as service:
            if self.consumers_ready:
                await asyncio.wait_for(service.runtime.messaging.started.wait(), 30)
            yield service

    async def read(
        self, service: ServiceUnderTest, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """GET ``read_path`` as the reader (with ``headers`` besides)."""
        sent = dict(headers or {})
        if self.reader is not None:
            token = mint_token(service.private_key, **self.reader)
            sent["Authorization"] = f"Bearer {token}"
        return await service.client.get(self.read_path, headers=sent)

    async def declare_upstream(self, nats_url: str) -> None:
        if self.upstream is not None:
            await self.upstream(nats_url)


def service_fixtures(case: ServiceCase) -> tuple[Any, Any]:
    """The fixtures ``<name>`` (the service on PostgreSQL with real NATS) and ``<name>_on``
    (``await <name>_on("sqlite", **settings)`` starts one on a database kind), for a conftest:
    ``offers, offers_on = service_fixtures(OFFERS)``."""

    @pytest.fixture(name=case.name)
    async def on_postgresql(
        new_database: Any, nats_url: str, tmp_path: Path
    ) -> AsyncIterator[ServiceUnderTest]:
        url = await new_database("postgresql")
        async with case.start(url, nats_url, tmp_path / "auth") as service:
            yield service

    @pytest.fixture(name=f"{case.name}_on")
    async def on_kind(new_database: Any, nats_url: str, tmp_path: Path) -> AsyncIterator[Any]:
        async with AsyncExitStack() as stack:

            async def start(kind: str, **overrides: Any) -> ServiceUnderTest:
                url = await new_database(kind)
                return await stack.enter_async_context(
                    case.start(url, nats_url, tmp_path / "auth", **overrides)
                )

            yield start

    return on_postgresql, on_kind


@asynccontextmanager
async def _started(
    case: ServiceCase, new_database: Any, nats_url: str, tmp_path: Path
) -> AsyncIterator[ServiceUnderTest]:
    await case.declare_upstream(nats_url)
    url = await new_database("postgresql")
    async with case.start(url, nats_url, tmp_path / "auth") as service:
        yield service


async def _status(service: ServiceUnderTest, code: int) -> Any:
    response = await service.client.get("/readyz")
    return response if response.status_code == code else None


class CommonServiceTests:
    """What every service must do alike; subclass it as ``Test<Service>`` with ``case`` set."""

    case: ClassVar[ServiceCase]

    # ------------------------------------------------------------------ migrations

    async def test_migrations_match_the_models(self, db_kind: str, new_database: Any) -> None:
        url = await new_database(db_kind)
        await self.case.migrate(url)
        db = Database(url)
        try:
            async with db.engine.connect() as connection:
                diff = await connection.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(sync), self.case.definition.metadata
                    )
                )
            assert diff == []
            assert not await migrations.pending(db.engine, self.case.migrations)
        finally:
            await db.dispose()

    async def test_an_unmigrated_database_is_reported_as_pending(self, new_database: Any) -> None:
        db = Database(await new_database("sqlite"))
        try:
            assert await migrations.pending(db.engine, self.case.migrations)
        finally:
            await db.dispose()

    async def test_it_refuses_to_start_on_an_unmigrated_database(
        self, new_database: Any, nats_url: str
    ) -> None:
        settings = self.case.settings_cls(
            database_url=await new_database("sqlite"), nats_url=nats_url
        )
        app = self.case.app(settings)
        with pytest.raises(RuntimeError, match=f"python -m {self.case.name} migrate"):
            async with running(app):
                pass

    # ------------------------------------------------------------------ schemathesis

    async def test_no_input_gives_a_server_error(
        self, new_database: Any, nats_url: str, tmp_path: Path
    ) -> None:
        """schemathesis over the OpenAPI document against the service as its own process on
        PostgreSQL with real NATS: anonymously and for each caller (one process for all runs:
        starting it costs more than a run)."""
        case = self.case
        private_key, public_key = generate_signing_key(tmp_path / "auth")
        await case.declare_upstream(nats_url)
        prefix = case.name.upper()
        env = {
            f"{prefix}_DATABASE_URL": await new_database("postgresql"),
            "NATS_URL": nats_url,
            "AUTH_LOCAL_PUBLIC_KEY_FILE": str(public_key),
            "LOG_LEVEL": "WARNING",
            **case.live_env(tmp_path),
        }
        with live_service(case.name, env=env, log_dir=tmp_path) as service:
            for claims in [None, *case.callers]:
                headers = []
                if claims is not None:
                    headers = [f"Authorization: Bearer {mint_token(private_key, **claims)}"]
                result = run_schemathesis(
                    f"{service.url}/api/v1/openapi.json",
                    headers=headers,
                    max_examples=case.max_examples,
                )
                assert result.returncode == 0, (
                    f"caller: {claims or 'anonymous'}\n"
                    + result.stdout[-6000:]
                    + result.stderr[-2000:]
                    + "\nservice log:\n"
                    + service.log_path.read_text()[-4000:]
                )

    # ------------------------------------------------------------------ operational endpoints

    async def test_healthz_answers(self, new_database: Any, nats_url: str, tmp_path: Path) -> None:
        async with _started(self.case, new_database, nats_url, tmp_path) as service:
            response = await service.client.get("/healthz")
        assert response.status_code == 200 and response.json() == {"status": "ok"}

    async def test_readyz_checks_database_migrations_and_nats(
        self, new_database: Any, nats_url: str, tmp_path: Path
    ) -> None:
        async with _started(self.case, new_database, nats_url, tmp_path) as service:
            response = await eventually(lambda: _status(service, 200))
        assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "nats": "ok"}

    async def test_readyz_is_503_while_nats_is_away_and_200_again_when_it_is_back(
        self, new_database: Any, nats_server: NatsServer, tmp_path: Path
    ) -> None:
        await self.case.declare_upstream(nats_server.url)
        url = await new_database("sqlite")
        async with self.case.start(url, nats_server.url, tmp_path / "auth") as service:
            await eventually(lambda: _status(service, 200))
            nats_server.stop()
            down = await eventually(lambda: _status(service, 503))
            assert down.json()["checks"]["nats"] == "unavailable"
            assert down.json()["checks"]["database"] == "ok"
            # Reading still works without NATS.
            assert (await self.case.read(service)).status_code == 200
            nats_server.start()
            await eventually(lambda: _status(service, 200), timeout=30)

    async def test_metrics_show_requests_outbox_and_dead_letters(
        self, new_database: Any, nats_url: str, tmp_path: Path
    ) -> None:
        path = self.case.read_path
        async with _started(self.case, new_database, nats_url, tmp_path) as service:
            assert (await self.case.read(service)).status_code == 200
            text = (await service.client.get("/metrics")).text

        assert (
            f'http_request_duration_seconds_count{{method="GET",route="{path}",status="200"}} 1.0'
            in text
        )
        assert "outbox_backlog " in text
        assert "outbox_oldest_age_seconds " in text
        assert "dead_letters 0.0" in text
        assert "nats_connected " in text

    async def test_asyncapi_documents_the_events_the_service_publishes(
        self, new_database: Any, nats_url: str, tmp_path: Path
    ) -> None:
        async with _started(self.case, new_database, nats_url, tmp_path) as service:
            document = (await service.client.get("/asyncapi")).json()

        assert document["asyncapi"].startswith("3.")
        addresses = [channel["address"] for channel in document["channels"].values()]
        own = [a for a in addresses if a.startswith(f"sfs.{{region}}.{self.case.name}.")]
        assert bool(own) == self.case.definition.publishes, addresses

    async def test_the_openapi_document_and_its_docs_page_are_served(
        self, new_database: Any, nats_url: str, tmp_path: Path
    ) -> None:
        async with _started(self.case, new_database, nats_url, tmp_path) as service:
            document = (await service.client.get("/api/v1/openapi.json")).json()
            docs = await service.client.get("/docs")

        assert self.case.read_path in document["paths"]
        assert docs.status_code == 200

    async def test_cors_allows_the_configured_origins_only(
        self, new_database: Any, nats_url: str, tmp_path: Path
    ) -> None:
        path = self.case.read_path
        await self.case.declare_upstream(nats_url)
        url = await new_database("sqlite")
        async with self.case.start(
            url, nats_url, tmp_path / "auth", cors_allowed_origins=["https://app.example"]
        ) as service:
            preflight = {
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "if-match, idempotency-key",
            }
            allowed = await service.client.options(
                path, headers={"Origin": "https://app.example"} | preflight
            )
            other = await service.client.options(
                path, headers={"Origin": "https://evil.example"} | preflight
            )
            simple = await self.case.read(service, {"Origin": "https://app.example"})

        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://app.example"
        assert "access-control-allow-origin" not in other.headers
        assert simple.headers["access-control-allow-origin"] == "https://app.example"
        assert "ETag" in simple.headers["access-control-expose-headers"]
