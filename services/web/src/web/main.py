"""The web service: German pages for everyone in the network, rendered on the server over the
four services' public APIs (a backend-for-frontend). The browser holds only a session cookie; the
access token stays here."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.exceptions import HTTPException as StarletteHTTPException

from schulerfolg import migrations
from schulerfolg.db import Database
from schulerfolg.http.body import BodyGuard
from schulerfolg.http.metrics import ServiceMetrics
from schulerfolg.observability import FreshContext, configure_logging, configure_tracing
from web.agreements.api import router as agreements_router
from web.applications.api import router as applications_router
from web.assessment.api import router as assessment_router
from web.assets.service import dist_dir
from web.attachments.api import router as attachments_router
from web.auth.api import router as auth_router
from web.auth.service import Sessions
from web.circulars.api import router as circulars_router
from web.common import SignInRequired
from web.config import WebSettings
from web.dashboards.api import router as dashboards_router
from web.documents.api import router as documents_router
from web.events.api import router as events_router
from web.funds.api import router as funds_router
from web.inbox.api import router as inbox_router
from web.indicators.api import router as indicators_router
from web.office.api import router as office_router
from web.operations.api import router as operations_router
from web.overview.api import router as overview_router
from web.payments.api import router as payments_router
from web.privacy.api import router as privacy_router
from web.proof_of_use.api import router as proof_of_use_router
from web.public.api import router as public_router
from web.registry.api import router as registry_router
from web.sessions.api import router as sessions_router
from web.site.api import router as links_router
from web.site.client import Api, ApiError, ServiceUnavailable
from web.site.security import SESSION_COOKIE, CsrfRefused, SecurityHeaders
from web.site.templates import render
from web.surveys.api import router as surveys_router
from web.youth.api import router as youth_router

log = structlog.get_logger("web")

MIGRATIONS = Path(__file__).parent / "migrations"
SESSION_CLEANUP_SECONDS = 600.0

# Every page router, in one place.
ROUTERS: list[APIRouter] = [
    auth_router,
    links_router,
    inbox_router,
    events_router,  # before public_router: /veranstaltungen/verwalten is no event id
    public_router,
    applications_router,
    privacy_router,
    payments_router,
    assessment_router,
    documents_router,
    attachments_router,
    proof_of_use_router,
    office_router,
    sessions_router,
    circulars_router,
    registry_router,
    dashboards_router,
    operations_router,
    funds_router,
    surveys_router,
    agreements_router,
    indicators_router,
    overview_router,
    youth_router,
]


def _error_page(request: Request, status: int, title: str, message: str, **extra: Any) -> Response:
    return render(
        request,
        "site/error.html",
        {"title": title, "message": message, **extra},
        status_code=status,
    )


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """The web service's FastAPI application."""
    settings = settings or WebSettings()
    configure_logging("web", level=settings.log_level, json=settings.log_json)
    tracer_provider = configure_tracing("web")
    db = Database(settings.database_url, pool_size=settings.database_pool_size)
    secret = settings.secret_key.get_secret_value().encode() if settings.secret_key else None
    if secret is None:
        log.warning("web.random_secret_key", hint="set WEB_SECRET_KEY (the same on every replica)")
        secret = secrets.token_bytes(32)
    sessions = Sessions(settings, db, secret)
    api = Api(settings)
    metrics = ServiceMetrics("web")

    async def clean_sessions() -> None:
        while True:
            await asyncio.sleep(SESSION_CLEANUP_SECONDS)
            with contextlib.suppress(Exception):
                await sessions.remove_expired()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if await migrations.pending(db.read_engine, MIGRATIONS):
            raise RuntimeError(
                "the web database schema is not up to date; run `python -m web migrate` first"
            )
        cleaner = asyncio.create_task(clean_sessions())
        log.info("service.started", port=settings.port)
        try:
            yield
        finally:
            cleaner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await cleaner
            await api.close()
            await db.dispose()
            log.info("service.stopped")

    app = FastAPI(
        title="schulerfolg web",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.secret_key = secret
    app.state.sessions = sessions
    app.state.api = api
    app.state.db = db
    app.state.metrics = metrics

    # ------------------------------------------------------------------ refusals as pages

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/anmelden?weiter={quote(target, safe='')}", status_code=303)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        return _error_page(
            request,
            403,
            "Formular abgelaufen",
            "Das Formular war zu alt oder kam nicht von dieser Seite. Bitte öffnen Sie die Seite neu und senden Sie es noch einmal.",
        )

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        if isinstance(exc, ServiceUnavailable) or exc.status >= 500:
            return _error_page(
                request,
                503,
                "Dienst gerade nicht erreichbar",
                "Ein Teil des Angebots antwortet gerade nicht. Ihre Eingaben sind nicht verloren, wenn Sie die Seite gleich noch einmal senden. Bitte versuchen Sie es in einigen Minuten noch einmal.",
            )
        if exc.status == 401:
            cookie = request.cookies.get(SESSION_COOKIE)
            if cookie:
                await sessions.end(cookie)
            response = await _sign_in(request, SignInRequired())
            response.delete_cookie(SESSION_COOKIE, path="/")
            return response
        if exc.status == 403:
            return _error_page(
                request,
                403,
                "Kein Zugriff",
                "Diese Seite ist für Ihre Rolle oder Region nicht freigegeben.",
            )
        if exc.status == 404:
            return _error_page(
                request, 404, "Seite nicht gefunden", "Das Gesuchte gibt es nicht (mehr)."
            )
        return _error_page(
            request,
            exc.status if 400 <= exc.status < 500 else 400,
            "Das hat nicht geklappt",
            "Der Dienst hat die Anfrage abgelehnt. Bitte prüfen Sie Ihre Angaben.",
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _error_page(
                request,
                404,
                "Seite nicht gefunden",
                "Diese Seite gibt es nicht. Prüfen Sie die Adresse oder beginnen Sie auf der Startseite.",
            )
        if exc.status_code == 403:
            return _error_page(
                request,
                403,
                "Kein Zugriff",
                "Diese Seite ist für Ihre Rolle oder Region nicht freigegeben.",
            )
        if exc.status_code == 405:
            return _error_page(
                request, 405, "Nicht möglich", "Diese Seite kann so nicht aufgerufen werden."
            )
        return _error_page(
            request,
            exc.status_code,
            "Das hat nicht geklappt",
            "Die Anfrage konnte nicht bearbeitet werden.",
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # A malformed id in the address is a page that does not exist; a malformed query is
        # a bad link.
        if any(error.get("loc", ("",))[0] == "path" for error in exc.errors()):
            return _error_page(
                request,
                404,
                "Seite nicht gefunden",
                "Diese Seite gibt es nicht. Prüfen Sie die Adresse oder beginnen Sie auf der Startseite.",
            )
        return _error_page(
            request,
            400,
            "Ungültige Adresse",
            "Die Adresse enthält Angaben, die so nicht gehen. Bitte folgen Sie einem Link auf den Seiten.",
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("web.unexpected", path=request.url.path)
        return _error_page(
            request,
            500,
            "Ein Fehler ist aufgetreten",
            "Das hätte nicht passieren dürfen. Bitte versuchen Sie es noch einmal; bleibt der Fehler, melden Sie sich bei Ihrer Netzwerkstelle.",
        )

    # ------------------------------------------------------------------ every request

    @app.middleware("http")
    async def load_session(request: Request, call_next: Any) -> Any:
        request.state.user = None
        request.state.session_valid = False
        path = request.url.path
        if path.startswith("/static/") or path in ("/healthz", "/readyz", "/metrics"):
            return await call_next(request)
        cookie = request.cookies.get(SESSION_COOKIE)
        user = await sessions.find(cookie) if cookie else None
        request.state.user = user
        request.state.session_valid = user is not None
        response = await call_next(request)
        if cookie and user is None and SESSION_COOKIE not in response.headers.get("set-cookie", ""):
            response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.middleware("http")
    async def measure(request: Request, call_next: Any) -> Any:
        start = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            # the matched route's template (e.g. /antraege/{application_id}), never the raw path
            route = getattr(request.scope.get("route"), "path", None) or "unmatched"
            metrics.observe_request(
                request.method,
                route,
                status,
                time.perf_counter() - start,
            )

    app.add_middleware(BodyGuard, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, issuer=settings.auth_issuer)

    # ------------------------------------------------------------------ operations and pages

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            await asyncio.wait_for(db.ping(), 3)
            checks["database"] = "ok"
            behind = await asyncio.wait_for(migrations.pending(db.read_engine, MIGRATIONS), 3)
            checks["migrations"] = "pending" if behind else "ok"
        except Exception as exc:
            checks["database"] = f"unavailable: {type(exc).__name__}"
            checks.setdefault("migrations", "unknown")
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status_code=200 if ready else 503,
        )

    @app.get("/metrics", include_in_schema=False)
    async def metrics_endpoint() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    app.mount("/static", StaticFiles(directory=dist_dir(), check_dir=False), name="static")
    for router in ROUTERS:
        app.include_router(router)

    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=tracer_provider, excluded_urls="healthz,readyz,metrics,static"
    )
    build_stack = app.build_middleware_stack
    # method-assign: Starlette has no hook around the built stack, so its builder is wrapped.
    app.build_middleware_stack = lambda: FreshContext(build_stack())  # type: ignore[method-assign]
    return app
