"""Logging and tracing set-up shared by every service.

- structlog renders JSON lines with ``service``, ``trace_id`` and ``span_id``; the standard
  library's loggers (uvicorn, FastStream, SQLAlchemy) go through the same renderer.
- E-mail addresses and phone numbers are masked in every log line as a last line of defence;
  code must not log personal data in the first place.
- OpenTelemetry: a tracer provider per process; spans are exported over OTLP only when the
  standard ``OTEL_*`` variables ask for it (off by default).
- Every HTTP request starts with a clean context (``FreshContext``): no trace and no bound log
  fields of an earlier request on the same connection.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import Any

import structlog
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from starlette.types import ASGIApp, Receive, Scope, Send
from structlog.typing import EventDict

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Phone numbers as written in Germany: +49 …, 0049 …, 0391 / 123-456 …; at least 7 digits.
_PHONE = re.compile(r"(?<![\w.:/-])(?:\+|00|0)\d(?:[\d \t/().-]{5,}\d)(?![\w-])")
_SAFE_KEYS = frozenset(
    {"timestamp", "trace_id", "span_id", "event_id", "level", "service", "logger"}
)


def mask_personal_data(text: str) -> str:
    """Replace e-mail addresses and phone numbers in ``text``."""
    return _PHONE.sub("[phone]", _EMAIL.sub("[email]", text))


def _mask(value: Any) -> Any:
    """Mask strings anywhere in a value; objects (models, exceptions, sets) are rendered as text
    first, so nothing reaches the log line unmasked."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {_mask(str(k)): _mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v) for v in value]
    return mask_personal_data(value if isinstance(value, str) else str(value))


def _redact(_logger: Any, _name: str, event_dict: EventDict) -> EventDict:
    return {
        (key if key in _SAFE_KEYS else mask_personal_data(str(key))): (
            value if key in _SAFE_KEYS else _mask(value)
        )
        for key, value in event_dict.items()
    }


def _add_trace(_logger: Any, _name: str, event_dict: EventDict) -> EventDict:
    span = trace.get_current_span()
    ctx = span.get_span_context()
    if ctx.is_valid:
        event_dict["trace_id"] = format(ctx.trace_id, "032x")
        event_dict["span_id"] = format(ctx.span_id, "016x")
    return event_dict


def configure_logging(service: str, *, level: str = "INFO", json: bool = True) -> None:
    """Route structlog and standard logging through one renderer with trace ids and masking."""

    def add_service(_logger: Any, _name: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", service)
        return event_dict

    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_service,
        _add_trace,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _redact,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx and httpcore log every request's full URL at INFO: a query string may hold a secret
    # (a calendar feed link) or a search for a person's name, so only their warnings pass.
    for noisy in ("faststream", "sqlalchemy.engine", "aiosqlite", "asyncio", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # uvicorn's own logging config (if anything ran it) would write past the redaction: its
    # loggers go through the root handler like every other library's.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").setLevel(max(logging.WARNING, root.level))


def configure_tracing(service: str) -> TracerProvider:
    """The process's tracer provider; exports over OTLP when ``OTEL_*`` variables ask for it."""
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    provider = TracerProvider(
        resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service)})
    )
    if _otlp_requested():
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def _otlp_requested() -> bool:
    exporter = os.environ.get("OTEL_TRACES_EXPORTER", "").lower()
    if exporter == "none" or os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    return exporter == "otlp" or any(
        os.environ.get(v)
        for v in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


class FreshContext:
    """ASGI wrapper, outermost: each request runs with an empty OpenTelemetry context and no
    structlog context variables.

    asyncio may hand a request task the context of the previous request on a kept-alive
    connection (uvicorn resumes reading inside that request's task, CPython issue 140947);
    the tracing middleware would then make the new request a child of the old one's span,
    chaining unrelated requests into one trace.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        structlog.contextvars.clear_contextvars()
        token = otel_context.attach(otel_context.Context())
        try:
            await self.app(scope, receive, send)
        finally:
            otel_context.detach(token)
