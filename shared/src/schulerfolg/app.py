"""The composition root of a service: what it is (``ServiceDefinition``), what runs (``Runtime``),
and its FastAPI application (``create_app``).

A service module declares its definition; ``create_app`` wires the shared parts in one place:
problem+json, CORS, auth, tracing, logging, the database, the outbox relay, the broker with its
stream and consumers, and the operational endpoints.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schulerfolg import migrations
from schulerfolg.auth import TokenVerifier, roleless_refusal
from schulerfolg.db import Database
from schulerfolg.housekeeping import Housekeeping, Retention
from schulerfolg.http.body import BodyGuard
from schulerfolg.http.metrics import ServiceMetrics
from schulerfolg.http.openapi import document_security, install_openapi, operation_id
from schulerfolg.http.ops import ops_router
from schulerfolg.http.problems import (
    BadRequest,
    NotFound,
    install_problem_handlers,
    problem_response,
    problem_responses,
)
from schulerfolg.http.validation import has_control_characters
from schulerfolg.messaging.broker import Messaging, StreamSpec
from schulerfolg.messaging.consumer import ConsumerSpec, RetryPolicy
from schulerfolg.messaging.outbox import Outbox, OutboxRelay
from schulerfolg.observability import FreshContext, configure_logging, configure_tracing
from schulerfolg.privacy.audit import audit_router, flush_reads
from schulerfolg.privacy.own_data import OwnDataCollector, own_data_router
from schulerfolg.privacy.retention import RetentionTask
from schulerfolg.settings import ServiceSettings
from schulerfolg.tables import PlatformTables, audit_table, platform_tables

log = structlog.get_logger("schulerfolg.app")

API_PREFIX = "/api/v1"
# What a browser client of another origin may send and read (conditional requests, retries,
# resuming an event stream; the new resource's address and version).
CORS_REQUEST_HEADERS = [
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "Idempotency-Key",
    "Last-Event-ID",
]
CORS_RESPONSE_HEADERS = ["ETag", "Location"]


@dataclass
class ServiceDefinition:
    """Everything that makes one service: its name, schema, routes, consumers and start-up work."""

    name: str
    title: str
    description: str
    metadata: MetaData
    outbox: Outbox
    migrations: Path | None  # None: the schema is not managed by Alembic (tests only)
    routers: Sequence[APIRouter] = ()
    consumers: Callable[[Runtime], list[ConsumerSpec]] = field(default=lambda _runtime: [])
    publishes: bool = True
    on_startup: Callable[[Runtime], Awaitable[None]] | None = None
    # What the service holds about the caller, for ``GET /me/data`` (CONTRACT.md, "privacy").
    own_data: OwnDataCollector | None = None
    # How personal data is anonymised when its retention ends (run by the housekeeping).
    retention: Callable[[Runtime], list[RetentionTask]] = field(default=lambda _runtime: [])

    @property
    def tables(self) -> PlatformTables:
        """The outbox, inbox, dead-letter and idempotency tables of this service."""
        return platform_tables(self.metadata)

    @property
    def audit(self) -> Table:
        """The service's audit log (``schulerfolg.privacy.audit``)."""
        return audit_table(self.metadata)

    @property
    def all_routers(self) -> list[APIRouter]:
        """The service's routers and the shared privacy endpoints (audit, own data)."""
        routers = [*self.routers, audit_router()]
        if self.own_data is not None:
            routers.append(own_data_router(self.own_data))
        return routers


class Runtime:
    """What a running service holds; lives on ``app.state.runtime``."""

    def __init__(self, definition: ServiceDefinition, settings: ServiceSettings) -> None:
        self.definition = definition
        self.settings = settings
        self.tables = definition.tables
        self.audit = definition.audit
        self.db = Database(settings.database_url, pool_size=settings.database_pool_size)
        self.outbox = definition.outbox
        self.stream = (
            StreamSpec.for_service(
                definition.name,
                max_age_days=settings.stream_max_age_days,
                replicas=settings.stream_replicas,
            )
            if definition.publishes
            else None
        )
        self.messaging = Messaging(
            service=definition.name,
            nats_url=settings.nats_url,
            db=self.db,
            tables=self.tables,
            stream=self.stream,
            consumers=definition.consumers(self),
            retry=RetryPolicy(
                max_attempts=settings.consumer_max_attempts,
                backoff_base=settings.consumer_backoff_base,
                backoff_max=settings.consumer_backoff_max,
            ),
            ack_wait=settings.consumer_ack_wait,
            consumer_batch=settings.consumer_batch,
        )
        self.relay = OutboxRelay(
            self.db,
            self.tables,
            self.messaging.publish,
            poll_interval=settings.outbox_poll_interval,
            batch_size=settings.outbox_batch_size,
        )
        self.housekeeping = Housekeeping(
            self.db,
            self.tables,
            Retention(
                outbox=timedelta(days=settings.outbox_retention_days),
                idempotency_keys=timedelta(hours=settings.idempotency_key_ttl_hours),
                inbox=timedelta(days=settings.inbox_retention_days),
                dead_letters=timedelta(days=settings.dead_letter_retention_days),
                clock_offset=timedelta(days=settings.retention_clock_offset_days),
            ),
            interval=settings.housekeeping_interval,
            tasks=definition.retention(self),
        )
        self.verifier = TokenVerifier.from_settings(settings)
        self.metrics = ServiceMetrics(definition.name)

    async def start(self) -> None:
        """Start the relay and bring up messaging (in the background; NATS may come later)."""
        if await self.schema_behind():
            raise RuntimeError(
                f"the {self.definition.name} database schema is not up to date; "
                f"run `python -m {self.definition.name} migrate` first"
            )
        self.outbox.subscribe(self.relay.wake)
        if self.definition.on_startup is not None:
            await self.definition.on_startup(self)
        self.messaging.start()
        if self.stream is not None:
            self.relay.start()
        self.housekeeping.start()
        log.info("service.started", port=self.settings.port)

    async def schema_behind(self) -> bool:
        """Whether the database lacks migrations the code expects."""
        if self.definition.migrations is None:
            return False
        return await migrations.pending(self.db.read_engine, self.definition.migrations)

    async def stop(self) -> None:
        """Stop consuming and relaying, close connections."""
        self.outbox.unsubscribe(self.relay.wake)
        await self.housekeeping.stop()
        await flush_reads(self.db)
        await self.relay.stop()
        await self.messaging.stop()
        await self.db.dispose()
        log.info("service.stopped")


def create_app(definition: ServiceDefinition, settings: ServiceSettings) -> FastAPI:
    """The FastAPI application of a service, with every shared concern wired in."""
    configure_logging(definition.name, level=settings.log_level, json=settings.log_json)
    tracer_provider = configure_tracing(definition.name)
    runtime = Runtime(definition, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    # /docs is Swagger UI with its assets served from here (no CDN: it works offline).
    app = FastAPIOffline(
        title=definition.title,
        description=definition.description,
        version="1.0.0",
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        static_url="/docs/assets",
        generate_unique_id_function=operation_id,
    )
    install_openapi(app)
    app.state.runtime = runtime
    app.state.token_verifier = runtime.verifier
    install_problem_handlers(app)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Any:
        problem = roleless_refusal(request) or exc
        return problem_response(problem.to_details(request.url.path), problem.headers)

    # Pure ASGI: authenticates before a body is read and caps every body (413). Added first, so
    # it sits innermost: the problems it raises from receive() reach the route unwrapped (a
    # ``BaseHTTPMiddleware`` outside it would run the app in a task group and wrap them).
    app.add_middleware(BodyGuard, max_body_bytes=settings.max_body_bytes)
    if settings.cors_allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allowed_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=CORS_REQUEST_HEADERS,
            expose_headers=CORS_RESPONSE_HEADERS,
        )

    # Metrics are labelled with the route template (bounded), never the raw path.
    routers = definition.all_routers
    templates = {
        id(r): API_PREFIX + r.path
        for router in routers
        for r in router.routes
        if isinstance(r, APIRoute)
    }
    templates |= {id(r): r.path for r in ops_router.routes if isinstance(r, APIRoute)}

    # Pure ASGI (no task group per request, unlike ``@app.middleware("http")``): the outer one
    # measures every request, the inner one refuses control characters in path and query.
    app.add_middleware(RefuseControlCharacters)
    app.add_middleware(MeasureRequests, metrics=runtime.metrics, templates=templates)

    for router in routers:
        document_body_problems(router)
        document_security(router)
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(ops_router)

    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    # One server span per request; the per-message "http send"/"http receive" spans add
    # nothing a reader of a trace needs and cost a span each per request.
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=tracer_provider,
        excluded_urls="healthz,readyz,metrics",
        exclude_spans=["receive", "send"],
    )
    # Outside the tracing middleware (which wraps the stack the same way): a request's trace
    # starts from its own traceparent header or nothing, never from an earlier request.
    build_stack = app.build_middleware_stack
    # method-assign: Starlette has no hook around the built stack, so its builder is wrapped.
    app.build_middleware_stack = lambda: FreshContext(build_stack())  # type: ignore[method-assign]
    return app


class RefuseControlCharacters:
    """ASGI middleware: a path or query with control characters never reaches a route (400);
    PostgreSQL cannot store NUL. Request bodies are checked by ``RequestModel``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope)
            if has_control_characters(unquote(request.url.path)) or any(
                has_control_characters(k) or has_control_characters(v)
                for k, v in request.query_params.multi_items()
            ):
                problem = BadRequest("The path or query string contains control characters.")
                response = problem_response(problem.to_details(request.url.path))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class MeasureRequests:
    """ASGI middleware: each HTTP request's latency by method, route template (bounded, never
    the raw path; ``unmatched`` without a route) and status. An exception escaping the app
    counts as 500 (it is answered so further out)."""

    def __init__(self, app: ASGIApp, *, metrics: ServiceMetrics, templates: dict[int, str]) -> None:
        self.app = app
        self.metrics = metrics
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            self.metrics.observe_request(
                scope["method"],
                self.templates.get(id(scope.get("route")), "unmatched"),
                status,
                time.perf_counter() - start,
            )


BODY_PROBLEMS = problem_responses(400, 413)


def document_body_problems(router: APIRouter) -> None:
    """Declare in OpenAPI what every operation taking a body may answer about it: 400 (not
    UTF-8) and 413 (too large)."""
    for route in router.routes:
        if isinstance(route, APIRoute) and (
            route.body_field is not None or "requestBody" in (route.openapi_extra or {})
        ):
            for status, response in BODY_PROBLEMS.items():
                route.responses.setdefault(status, response)


def get_runtime(request: Request) -> Runtime:
    """The running service (FastAPI dependency)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One unit of work per request: committed before the response is sent, or rolled back.

    GET, HEAD and OPTIONS only read, so they never wait for SQLite's write lock.
    """
    readonly = request.method in READ_METHODS
    async with get_runtime(request).db.transaction(readonly=readonly) as session:
        yield session


# ``scope="function"`` commits when the route returns, before the response goes out: a failed
# commit becomes an error response instead of a success the client was already told about.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
