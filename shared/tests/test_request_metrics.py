"""The request metrics middleware: latency by method, route template and status; an exception
escaping the app counts as 500."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from schulerfolg.app import MeasureRequests
from schulerfolg.http.metrics import ServiceMetrics


async def _ok(request):
    return PlainTextResponse("ok", status_code=202)


async def _boom(request):
    raise RuntimeError("boom")


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

    def count(method: str, route: str, status: str) -> float | None:
        return metrics.registry.get_sample_value(
            "http_request_duration_seconds_count",
            {"method": method, "route": route, "status": status},
        )

    assert count("GET", "/things/{id}", "202") == 2
    assert count("POST", "unmatched", "404") == 1
    assert count("GET", "/boom", "500") == 1
    assert count("GET", "/things/1", "202") is None  # never the raw path
