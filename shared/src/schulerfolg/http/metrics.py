"""Prometheus metrics of a service: request latency, outbox backlog and age, consumer lag,
dead letters, and the process's own (CPU, memory, open files; Python version). One registry per
service instance (tests run several apps in one process)."""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)


class ServiceMetrics:
    """The metrics one service exposes on ``/metrics``."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        labels = {"service": service}
        self.requests = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "outbox_backlog", "Outbox rows not yet published.", registry=self.registry
        )
        self.outbox_oldest_age = Gauge(
            "outbox_oldest_age_seconds",
            "Age of the oldest unpublished outbox row.",
            registry=self.registry,
        )
        self.dead_letters = Gauge(
            "dead_letters", "Events parked in the dead-letter table.", registry=self.registry
        )
        self.consumer_pending = Gauge(
            "consumer_pending_messages",
            "Messages waiting for a durable consumer (lag).",
            ["consumer"],
            registry=self.registry,
        )
        self.consumer_ack_pending = Gauge(
            "consumer_ack_pending_messages",
            "Messages delivered to a consumer and not yet acknowledged.",
            ["consumer"],
            registry=self.registry,
        )
        self.nats_connected = Gauge(
            "nats_connected", "1 when connected to NATS.", registry=self.registry
        )
        self.service_info = Gauge(
            "service_info", "The service this process runs.", list(labels), registry=self.registry
        )
        self.service_info.labels(**labels).set(1)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Record one HTTP request."""
        self.requests.labels(method, route, str(status)).observe(seconds)

    def render(self) -> bytes:
        """The Prometheus text exposition."""
        return generate_latest(self.registry)
