"""The whole suite for cross-service tests: the four services as separate processes on
PostgreSQL (or SQLite files, ``sqlite_databases``) with one real NATS server, and a real SMTP
server (aiosmtpd) that counts mail."""

from __future__ import annotations

import email
import email.policy
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from schulerfolg.auth import generate_signing_key, mint_token
from schulerfolg_dev.processes import free_port
from schulerfolg_dev.testing.live import LiveService
from schulerfolg_dev.testing.servers import NatsServer

SERVICES = ("registry", "offers", "meetings", "notifications", "planning")


@dataclass
class MailSink:
    """An SMTP server in this process that keeps every message it accepts."""

    port: int = field(default_factory=free_port)
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages delivered to ``address``."""
        with self.lock:
            return [m for rcpts, m in self.messages if address in rcpts]

    @contextmanager
    def running(self) -> Iterator[MailSink]:
        controller = Controller(self, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=True)
        controller.start()
        try:
            yield self
        finally:
            controller.stop()


@dataclass
class Suite:
    """The running suite: a process per service, tokens, the mail sink."""

    services: dict[str, LiveService]
    mail: MailSink
    private_key: Path
    nats_url: str

    def url(self, service: str) -> str:
        return self.services[service].url

    def client(self, service: str, **kwargs: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=f"{self.url(service)}/api/v1", timeout=30, **kwargs)

    def auth(self, role: str, *regions: str, **claims: Any) -> dict[str, str]:
        token = mint_token(self.private_key, role=role, regions=regions, **claims)
        return {"Authorization": f"Bearer {token}"}

    def restart(self, settings: dict[str, dict[str, str]]) -> None:
        """Stop the services named in ``settings`` and start them again (same port, database
        and NATS) with those environment variables added; waits until all are ready."""
        for name, env in settings.items():
            service = self.services[name]
            service.stop()
            service.env.update(env)
            service.start(wait=False)
        for name in settings:
            self.services[name].wait_ready()


def sqlite_databases(directory: Path, names: tuple[str, ...] = SERVICES) -> dict[str, str]:
    """A SQLite file per service under ``directory`` (``service → async URL``), as
    ``schulerfolg up`` runs them; the files (``<service>.db`` and its WAL) are the test's to read."""
    directory.mkdir(parents=True, exist_ok=True)
    return {name: f"sqlite+aiosqlite:///{directory / name}.db" for name in names}


async def create_databases(admin_url: str, names: tuple[str, ...] = SERVICES) -> dict[str, str]:
    """A fresh PostgreSQL database per service (``service → async URL``)."""
    import asyncpg

    urls = {}
    connection = await asyncpg.connect(admin_url)
    try:
        for name in names:
            database = f"e2e_{name}_{uuid.uuid4().hex[:10]}"
            await connection.execute(f'CREATE DATABASE "{database}"')
            base = admin_url.rsplit("/", 1)[0].split("://", 1)[1]
            urls[name] = f"postgresql+asyncpg://{base}/{database}"
    finally:
        await connection.close()
    return urls


async def drop_databases(admin_url: str, urls: dict[str, str]) -> None:
    """Drop what ``create_databases`` made."""
    import asyncpg

    connection = await asyncpg.connect(admin_url)
    try:
        for url in urls.values():
            name = url.rsplit("/", 1)[1]
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@contextmanager
def running_suite(
    databases: dict[str, str], nats_url: str, tmp_path: Path, **extra_env: str
) -> Iterator[Suite]:
    """Start the four services (migrations first) on ``databases`` (service → URL)."""
    private_key, public_key = generate_signing_key(tmp_path / "auth")
    with ExitStack() as stack:
        mail = stack.enter_context(MailSink().running())
        env = {
            "NATS_URL": nats_url,
            "AUTH_LOCAL_PUBLIC_KEY_FILE": str(public_key),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(mail.port),
            "LOG_LEVEL": "INFO",
            "PUBLIC_BASE_URL": "https://schulerfolg.example",
            "REGISTRY_MATERIALS_DIR": str(tmp_path / "materials"),
            "OFFERS_ATTACHMENTS_DIR": str(tmp_path / "attachments"),
            **extra_env,
        }
        services = {
            name: LiveService(
                name,
                env={**env, f"{name.upper()}_DATABASE_URL": databases[name]},
                log_dir=tmp_path,
            )
            for name in SERVICES
        }
        with ThreadPoolExecutor(len(services)) as pool:  # the four migrations side by side
            list(pool.map(LiveService.migrate, services.values()))
        for service in services.values():
            service.start(wait=False)
            stack.callback(service.stop)
        for service in services.values():
            service.wait_ready()
        yield Suite(services=services, mail=mail, private_key=private_key, nats_url=nats_url)


@asynccontextmanager
async def fresh_suite(
    admin_url: str, nats_url: str, tmp_path: Path, **extra_env: str
) -> AsyncIterator[Suite]:
    """``running_suite`` on four new databases, dropped afterwards."""
    databases = await create_databases(admin_url)
    try:
        with running_suite(databases, nats_url, tmp_path, **extra_env) as running:
            yield running
    finally:
        await drop_databases(admin_url, databases)


@pytest.fixture(scope="module")
def module_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A NATS server owned by the test module (fault tests stop and restart it)."""
    with NatsServer(store_dir=tmp_path_factory.mktemp("nats")) as server:
        yield server


@pytest.fixture(scope="module")
async def module_suite(
    postgres_admin_url: str, module_nats: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Suite]:
    """The suite of the test module's own, on its NATS server."""
    async with fresh_suite(
        postgres_admin_url, module_nats.url, tmp_path_factory.mktemp("suite")
    ) as running:
        yield running


@contextmanager
def replica(suite: Suite, name: str, log_dir: Path) -> Iterator[LiveService]:
    """A second process of service ``name`` on the same database and NATS, on a port of its own:
    the replicas share the outbox relay's claims and every durable consumer."""
    log_dir.mkdir(parents=True, exist_ok=True)
    live = LiveService(name, env=dict(suite.services[name].env), log_dir=log_dir)
    live.start()
    try:
        yield live
    finally:
        live.stop()


def replica_client(live: LiveService) -> httpx.AsyncClient:
    """An API client of one replica."""
    return httpx.AsyncClient(base_url=f"{live.url}/api/v1", timeout=30)


def application_body(
    *, fund_id: str, school_id: str, provider_id: str, contact_email: str
) -> dict[str, Any]:
    """A complete application of a school with a partner (the one the flows and the benchmark
    submit): a circus week of 1,500 € for two classes."""
    return {
        "fund_id": fund_id,
        "school_ids": [school_id],
        "partner_organization_ids": [provider_id],
        "title": "Zirkusprojekt „Manege frei“ für die Klassen 5 und 6",
        "summary": "Eine Projektwoche mit Zirkuspädagogen, Aufführung für die Eltern.",
        "goals": "Selbstvertrauen stärken, Klassengemeinschaft fördern.",
        "topics": ["music-arts", "experiential-education"],
        "target_groups": ["pupils", "parents"],
        "planned_participants": {"pupils": 52, "parents": 40},
        "start_date": "2027-05-03",
        "end_date": "2027-05-07",
        "budget_lines": [
            {"category": "fees", "description": "Zirkuspädagogen", "amount_cents": 120_000},
            {"category": "materials", "description": "Requisiten", "amount_cents": 30_000},
        ],
        "contact": {"name": "Jürgen Weiß", "email": contact_email, "phone": "039209 1234"},
    }
