"""The NATS side of a service: broker, its stream, durable consumers and their supervision.

``Messaging`` owns one FastStream ``NatsBroker`` (with the OpenTelemetry middleware), declares
the producer's stream, creates or updates the durable pull consumers explicitly (a changed
consumer config in code does not update an existing consumer by itself), and starts them. It
keeps retrying in the background until NATS is there, so a service starts without NATS and
becomes ready once NATS answers; the outbox keeps every event meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, cast

import structlog
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from nats.js import api
from nats.js.errors import NotFoundError
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind

from schulerfolg.db import Database
from schulerfolg.events.base import SUBJECT_PREFIX, envelope_class, registered_events
from schulerfolg.messaging.consumer import ConsumerSpec, InboxConsumer, RetryPolicy
from schulerfolg.messaging.pull import PullConsumer
from schulerfolg.tables import PlatformTables
from schulerfolg.tasks import cancel_and_wait

log = structlog.get_logger("schulerfolg.messaging")
tracer = trace.get_tracer("schulerfolg.messaging")

# FastStream logs every message at INFO; that costs ~27 % of a hop. Ours are enough.
logging.getLogger("faststream").setLevel(logging.WARNING)


@dataclass(frozen=True)
class StreamSpec:
    """A producer's stream: ``REGISTRY`` on ``sfs.*.registry.>``."""

    name: str
    subjects: tuple[str, ...]
    max_age_days: float = 30
    replicas: int = 1
    duplicate_window: float = 300.0

    @classmethod
    def for_service(
        cls, service: str, *, max_age_days: float = 30, replicas: int = 1
    ) -> StreamSpec:
        """The stream a service publishes to, named after it."""
        return cls(
            name=service.upper(),
            subjects=(f"{SUBJECT_PREFIX}.*.{service}.>",),
            max_age_days=max_age_days,
            replicas=replicas,
        )

    def config(self) -> api.StreamConfig:
        """The JetStream configuration: file storage, limits by age, a dedup window."""
        return api.StreamConfig(
            name=self.name,
            subjects=list(self.subjects),
            retention=api.RetentionPolicy.LIMITS,
            storage=api.StorageType.FILE,
            max_age=self.max_age_days * 86400,
            num_replicas=self.replicas,
            duplicate_window=self.duplicate_window,
            discard=api.DiscardPolicy.OLD,
        )


def make_broker(nats_url: str, *, service: str) -> NatsBroker:
    """A FastStream NATS broker that reconnects forever and traces every message."""
    return NatsBroker(
        [u.strip() for u in nats_url.split(",") if u.strip()],
        name=service,
        allow_reconnect=True,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        connect_timeout=2,
        middlewares=(NatsTelemetryMiddleware(),),
        log_level=logging.DEBUG,
        graceful_timeout=10.0,
    )


def consumer_config(
    spec: ConsumerSpec, *, ack_wait: float, max_attempts: int
) -> api.ConsumerConfig:
    """Durable, explicit ack, no inactivity threshold (an outage must never delete a service's
    consumer), and deliveries bounded on the server as a second guard.

    We dead-letter a failing event ourselves after ``max_attempts``; the server allows one
    delivery more, which parks the event without running the handler (see
    ``InboxConsumer.process``), so even a handler that never finishes (or a process that dies
    in it every time) cannot hold a message forever, and nothing leaves unrecorded.
    """
    return api.ConsumerConfig(
        durable_name=spec.name,
        description=spec.description or None,
        deliver_policy=api.DeliverPolicy.ALL,
        ack_policy=api.AckPolicy.EXPLICIT,
        ack_wait=ack_wait,
        max_deliver=max_attempts + 1,
        filter_subject=spec.subject,
        max_ack_pending=1000,
        replay_policy=api.ReplayPolicy.INSTANT,
    )


class Messaging:
    """Broker, stream, consumers and the background task that brings them up.

    Bring-up order: connect, declare the own stream (from then on the relay can publish), then
    start each consumer as soon as the stream it reads exists. A consumer waiting for another
    service's stream never holds up this service's own publishing (services that consume from
    each other may start in any order).
    """

    def __init__(
        self,
        *,
        service: str,
        nats_url: str,
        db: Database,
        tables: PlatformTables,
        stream: StreamSpec | None,
        consumers: list[ConsumerSpec],
        retry: RetryPolicy,
        ack_wait: float = 30.0,
        fetch_timeout: float = 2.0,
        fetch_batch: int = 100,
        consumer_batch: int = 100,
        publish_timeout: float = 3.0,
    ) -> None:
        self.service = service
        self.broker = make_broker(nats_url, service=service)
        self.stream = stream
        self.specs = consumers
        self.ack_wait = ack_wait
        self.fetch_timeout = fetch_timeout
        self.fetch_batch = fetch_batch
        self.consumer_batch = consumer_batch  # events per consumer transaction (1: one each)
        self.pullers: list[PullConsumer] = []
        self.publish_timeout = publish_timeout
        self.consumers = [
            InboxConsumer(db, tables, spec, retry, time_limit=ack_wait) for spec in consumers
        ]
        self.publishing = asyncio.Event()  # connected and the own stream declared
        self.started = asyncio.Event()  # … and every consumer running
        self.waiting: set[str] = {spec.name for spec in consumers}
        self._task: asyncio.Task[None] | None = None
        # What the AsyncAPI document shows: a broker that is never connected, so the document
        # is complete before NATS answers and its declarations never consume anything.
        self.documentation = make_broker(nats_url, service=service)
        self._document(stream, service)

    def _document(self, stream: StreamSpec | None, service: str) -> None:
        """Declare on the documentation broker the events this service publishes (the outbox
        relay publishes them) and the durable consumers it reads with (``pull.py``)."""
        if stream is not None:
            js_stream = JStream(stream.name, declare=False)
            for cls in registered_events():
                meta = cls.event_meta
                if meta.service != service:
                    continue
                self.documentation.publisher(
                    meta.subject_template,
                    stream=js_stream,
                    schema=envelope_class(cls),
                    title=meta.cloudevent_type,
                    description=(cls.__doc__ or "").strip(),
                )
        for spec in self.specs:
            self.documentation.subscriber(
                spec.subject,
                stream=JStream(spec.stream, declare=False),
                durable=spec.name,
                pull_sub=PullSub(batch_size=self.fetch_batch, timeout=self.fetch_timeout),
                title=spec.name,
                description=spec.description or None,
            )

    async def _start_consumer(self, consumer: InboxConsumer) -> None:
        """Start pulling from a durable consumer (it exists)."""
        puller = PullConsumer(
            self.broker.config.connection_state.stream,
            consumer,
            batch=self.fetch_batch,
            max_batch=self.consumer_batch,
            fetch_timeout=self.fetch_timeout,
        )
        await puller.start()
        self.pullers.append(puller)

    @property
    def connected(self) -> bool:
        """Whether the broker is connected to NATS right now."""
        try:
            connection = self.broker.config.connection_state.connection
        except Exception:  # not connected yet
            return False
        return bool(connection is not None and connection.is_connected)

    @property
    def jetstream(self) -> Any:
        """The JetStream context of the broker's connection (for stream maintenance)."""
        return self.broker.config.connection_state.stream

    async def publish(
        self, subject: str, body: bytes, headers: dict[str, str]
    ) -> Awaitable[object]:
        """Hand one message for the service's stream to the connection; return the awaitable of
        JetStream's ack, which raises when the stream refuses it or no ack comes within
        ``publish_timeout`` (used by the relay, which awaits the acks of a batch together).

        Order: nats-py's ``JetStreamContext.publish_async`` (nats-py 2.16) appends the PUB to the
        connection's pending buffer (``Client.publish`` → ``_send_publish`` → ``_send_command``,
        a list append) before it returns; the flusher task writes that buffer to the socket in
        order. So messages handed over one after another — each ``await publish(...)`` returned
        before the next — leave the connection, and are stored in the stream, in that order,
        whatever order their acks come back in. A wait inside ``publish_async`` (the first
        call's subscription to the ack inbox) delays the message it belongs to; it cannot let a
        later one pass, since the caller hands the next one over only after this call returned.
        """
        if not (self.publishing.is_set() and self.connected):
            raise ConnectionError("not connected to NATS")  # fail fast; the relay backs off
        assert self.stream is not None, "this service declares no stream"
        with tracer.start_as_current_span(
            f"{subject} publish",
            kind=SpanKind.PRODUCER,
            attributes={"messaging.system": "nats", "messaging.destination.name": subject},
        ):
            headers = dict(headers)
            propagate.inject(headers)  # the consumer's span joins this trace
            pending = await self.jetstream.publish_async(
                subject,
                body,
                stream=self.stream.name,
                headers=headers,
                # No stall wait: it would cost a task per message; the relay's batches stay far
                # below nats-py's 4,000 outstanding publishes and every ack wait is bounded.
                wait_stall=None,
            )
        # No ack in time: the pending future is cancelled (a timer, cheaper than a task per
        # message), which also frees its slot among nats-py's outstanding publishes.
        asyncio.get_running_loop().call_later(
            self.publish_timeout, pending.cancel, f"no ack within {self.publish_timeout} s"
        )
        return cast("Awaitable[object]", pending)

    def start(self) -> None:
        """Bring the broker up in the background, retrying until NATS answers."""
        if self._task is None:
            self._task = asyncio.create_task(self._bring_up(), name=f"{self.service}-messaging")

    async def _bring_up(self) -> None:
        delay = 0.5
        while not self.publishing.is_set():
            try:
                await self.broker.start()  # connects; no subscribers registered yet
                if self.stream is not None:
                    await declare_stream(self.broker.config.connection_state.stream, self.stream)
                self.publishing.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("messaging.not_ready", error=repr(exc)[:300], retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        pending = list(self.consumers)
        delay = 0.5
        while pending:
            js = self.broker.config.connection_state.stream
            for consumer in list(pending):
                try:
                    await js.add_consumer(
                        consumer.spec.stream,
                        config=consumer_config(
                            consumer.spec,
                            ack_wait=self.ack_wait,
                            max_attempts=consumer.retry.max_attempts,
                        ),
                    )
                    await self._start_consumer(consumer)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # typically: the producer has not declared its stream yet
                    log.info(
                        "messaging.consumer_waiting",
                        consumer=consumer.spec.name,
                        stream=consumer.spec.stream,
                        error=repr(exc)[:200],
                    )
                    continue
                pending.remove(consumer)
                self.waiting.discard(consumer.spec.name)
            if pending:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        self.started.set()
        log.info("messaging.started", consumers=[s.name for s in self.specs])

    async def stop(self) -> None:
        """Stop consuming (the message in hand is finished) and close the connection."""
        if self._task is not None:
            await cancel_and_wait(self._task)
        await asyncio.gather(*(puller.stop() for puller in self.pullers))
        with contextlib.suppress(Exception):
            await self.broker.stop()


async def declare_stream(js: Any, spec: StreamSpec) -> None:
    """Create the stream, or bring an existing one's configuration up to date."""
    config = spec.config()
    try:
        info = await js.stream_info(spec.name)
    except NotFoundError:
        await js.add_stream(config)
        log.info("messaging.stream_created", stream=spec.name)
        return
    # Sources an operator added (a region's stream federated into the state hub's, see
    # deploy/nats/federate.py) are not the service's to remove.
    config.sources = info.config.sources
    await js.update_stream(config)
