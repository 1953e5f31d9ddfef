"""One trace spans an HTTP request, the outbox publish and the handler that consumes the event."""

from __future__ import annotations

import uuid
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from schulerfolg.db import Database, make_metadata
from schulerfolg.events.base import CloudEvent
from schulerfolg.events.registry import RegionUpdated
from schulerfolg.messaging.broker import Messaging
from schulerfolg.messaging.consumer import ConsumerSpec, RetryPolicy
from schulerfolg.observability import configure_tracing
from schulerfolg.tables import platform_tables
from schulerfolg_dev.testing.plugin import eventually


async def test_one_trace_id_spans_request_outbox_publish_and_consumer(registry, nats_url, tmp_path):
    exporter = InMemorySpanExporter()
    configure_tracing("registry").add_span_processor(SimpleSpanProcessor(exporter))

    seen: dict[str, Any] = {}

    async def handler(session, event: CloudEvent) -> None:
        if event.data.slug == "magdeburg":
            seen["trace_id"] = trace.get_current_span().get_span_context().trace_id
            seen["event_id"] = str(event.id)

    metadata = make_metadata()
    tables = platform_tables(metadata)
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'consumer.db'}")
    async with db.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    consumer = Messaging(
        service="tracecheck",
        nats_url=nats_url,
        db=db,
        tables=tables,
        stream=None,
        consumers=[
            ConsumerSpec(
                name=f"tracecheck-{uuid.uuid4().hex[:8]}",
                events=(RegionUpdated,),
                handler=handler,
            )
        ],
        retry=RetryPolicy(),
    )
    consumer.start()
    try:
        response = await registry.client.put(
            "/api/v1/regions/magdeburg/office",
            json={"name": "Netzwerkstelle Schulerfolg Magdeburg"},
            headers=registry.auth("network_office", "magdeburg"),
        )
        assert response.status_code == 200
        await eventually(lambda: _ready(seen))
    finally:
        await consumer.stop()
        await db.dispose()

    spans = exporter.get_finished_spans()
    server = [
        s
        for s in spans
        if s.kind is SpanKind.SERVER
        and s.attributes.get("http.route") == "/api/v1/regions/{slug}/office"
    ]
    publish = [s for s in spans if s.kind is SpanKind.PRODUCER and "region.updated" in s.name]
    assert len(server) == 1
    trace_id = server[0].context.trace_id
    assert any(s.context.trace_id == trace_id for s in publish), (
        "the publish is not in the request's trace"
    )
    assert seen["trace_id"] == trace_id, "the consumer's handler is not in the request's trace"


async def _ready(seen: dict[str, Any]) -> bool:
    return "trace_id" in seen
