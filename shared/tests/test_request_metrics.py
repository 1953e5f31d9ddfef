"""The request stack around every route: latency by method, route template and status (an
exception escaping the app counts as 500), control characters in path or query refused, and one
server span per request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from platform_support import http_only_definition
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from schulerfolg.app import MeasureRequests, create_app
from schulerfolg.http.metrics import ServiceMetrics
from schulerfolg.settings import ServiceSettings
from schulerfolg_dev.testing.plugin import running


async def _ok(request):
    return PlainTextResponse("ok", status_code=202)


async def _boom(request):
    raise RuntimeError("boom")


def _count(metrics: ServiceMetrics, method: str, route: str, status: str) -> float | None:
    return metrics.registry.get_sample_value(
        "http_request_duration_seconds_count",
        {"method": method, "route": route, "status": status},
    )


async def test_requests_are_counted_by_route_template_and_status():
    ok, boom = Route("/things/{id}", _ok), Route("/boom", _boom)
    metrics = ServiceMetrics("test")
    app = MeasureRequests(
        Starlette(routes=[ok, boom]),
        metrics=metrics,
        templates={id(ok): "/things/{id}", id(boom): "/boom"},
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/things/1")).status_code == 202
        assert (await client.get("/things/2")).status_code == 202
        assert (await client.post("/nowhere")).status_code == 404
        with pytest.raises(RuntimeError):
            await client.get("/boom")

    assert _count(metrics, "GET", "/things/{id}", "202") == 2
    assert _count(metrics, "POST", "unmatched", "404") == 1
    assert _count(metrics, "GET", "/boom", "500") == 1
    assert _count(metrics, "GET", "/things/1", "202") is None  # never the raw path


router = APIRouter()


@router.get("/items/{item_id}")
async def item(item_id: int) -> dict[str, int]:
    return {"id": item_id}


async def test_a_service_measures_refuses_control_characters_and_traces_once(
    new_database: Any, nats_url: str, tmp_path: Path
):
    definition = http_only_definition("stack", [router])
    settings = ServiceSettings(
        database_url=await new_database("sqlite"), nats_url=nats_url, log_level="WARNING"
    )
    app = create_app(definition, settings)
    exporter = InMemorySpanExporter()
    trace.get_tracer_provider().add_span_processor(SimpleSpanProcessor(exporter))  # type: ignore[attr-defined]
    async with running(app) as client:
        assert (await client.get("/api/v1/items/7")).json() == {"id": 7}
        refused = await client.get("/api/v1/items/7", params={"q": "a\x00b"})
        assert refused.status_code == 400
        assert refused.headers["content-type"] == "application/problem+json"
    metrics = app.state.runtime.metrics
    assert _count(metrics, "GET", "/api/v1/items/{item_id}", "200") == 1
    assert _count(metrics, "GET", "unmatched", "400") == 1  # refused before any route
    # One server span per request, no "http send"/"http receive" spans inside it.
    spans = [(s.name, s.kind) for s in exporter.get_finished_spans() if "/items" in s.name]
    assert spans == [("GET /api/v1/items/{item_id}", trace.SpanKind.SERVER)] * 2
