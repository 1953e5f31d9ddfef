"""Read the events a service published from the real NATS server, in tests.

``collect_events`` reads a stream from its start after the action under test (select what the
test is about with ``where``); ``EventTap`` is opened before the action and sees only what is
published after it. Both read with a fresh durable pull consumer that is deleted afterwards, ack
every message, decode it with ``decode_event`` and check that the ``Nats-Msg-Id`` header of each
event they answer is the event's id (JetStream de-duplicates by it).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.client import JetStreamContext

from schulerfolg.events import decode_event
from schulerfolg.events.base import CloudEvent

Received = tuple[CloudEvent[Any], Msg]
"""An event as decoded, with the message that carried it (subject, headers, raw ``data``)."""

FETCH_TIMEOUT = 0.3  # one fetch's wait; a deadline is checked between fetches
STREAM_WAIT = 10.0  # how long to wait for the stream: a service declares it while it starts


class EventTap:
    """A durable pull consumer on ``subject`` of ``stream`` for the duration of an ``async with``.

    By default it sees the events published after it started (``DeliverPolicy.NEW``); pass
    ``deliver_policy=DeliverPolicy.ALL`` to read the stream from its start. ``seen`` holds every
    event fetched so far, in stream order::

        async with EventTap(nats_url, stream="REGISTRY", subject="sfs.*.registry.school.>") as tap:
            ...  # the action under test
            events = await tap.wait_for(lambda e: e.data.id == school_id, count=3)
    """

    def __init__(
        self,
        nats_url: str,
        *,
        stream: str,
        subject: str,
        deliver_policy: DeliverPolicy = DeliverPolicy.NEW,
    ) -> None:
        self.nats_url = nats_url
        self.stream = stream
        self.subject = subject
        self.deliver_policy = deliver_policy
        self.durable = f"test-{uuid.uuid4().hex[:8]}"
        self.seen: list[Received] = []
        self._connection: Client | None = None
        self._js: JetStreamContext | None = None
        self._subscription: JetStreamContext.PullSubscription | None = None

    async def __aenter__(self) -> EventTap:
        self._connection = await nats.connect(self.nats_url)
        try:
            self._js = self._connection.jetstream()
            self._subscription = await self._subscribe(self._js)
        except BaseException:
            await self._connection.close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._connection is not None and self._js is not None
        try:
            await self._js.delete_consumer(self.stream, self.durable)
        except Exception:
            if exc is None:  # a failing test keeps its own error, not the clean-up's
                raise
        finally:
            await self._connection.close()

    async def _subscribe(self, js: JetStreamContext) -> JetStreamContext.PullSubscription:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STREAM_WAIT
        while True:
            try:
                return await js.pull_subscribe(
                    self.subject,
                    durable=self.durable,
                    stream=self.stream,
                    config=ConsumerConfig(deliver_policy=self.deliver_policy),
                )
            except nats.js.errors.NotFoundError:
                if loop.time() >= deadline:
                    raise AssertionError(f"the {self.stream} stream never appeared") from None
                await asyncio.sleep(0.1)

    async def _fetch(self) -> None:
        """Fetch, ack and decode what has arrived (nothing when nothing arrives in time)."""
        assert self._subscription is not None, "use the tap in `async with`"
        try:
            messages = await self._subscription.fetch(50, timeout=FETCH_TIMEOUT)
        except (TimeoutError, nats.errors.TimeoutError):
            return
        for message in messages:
            await message.ack()
            self.seen.append((decode_event(message.data), message))

    def matching(self, where: Callable[[CloudEvent[Any]], bool] | None = None) -> list[Received]:
        """The events seen so far that satisfy ``where`` (all without it), in stream order."""
        found = [(event, message) for event, message in self.seen if where is None or where(event)]
        for event, message in found:
            assert (message.headers or {}).get("Nats-Msg-Id") == str(event.id), (
                f"the Nats-Msg-Id of {event.type} is not its id {event.id}"
            )
        return found

    async def collect(
        self,
        *,
        count: int = 1,
        where: Callable[[CloudEvent[Any]], bool] | None = None,
        timeout: float = 15.0,
        settle: float = 0.0,
    ) -> list[Received]:
        """The events that satisfy ``where``, once there are ``count`` of them and ``settle``
        seconds more have passed (to catch any that should not be there); after ``timeout``
        seconds whatever has come, which may be fewer."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        settled_at: float | None = None
        while loop.time() < deadline:
            if len(self.matching(where)) >= count:
                settled_at = settled_at or loop.time() + settle
                if loop.time() >= settled_at:
                    break
            await self._fetch()
        return self.matching(where)

    async def wait_for(
        self,
        where: Callable[[CloudEvent[Any]], bool] | None = None,
        *,
        count: int = 1,
        timeout: float = 15.0,
        settle: float = 0.0,
    ) -> list[Received]:
        """Like ``collect``, but fewer than ``count`` events after ``timeout`` fail the test."""
        found = await self.collect(count=count, where=where, timeout=timeout, settle=settle)
        if len(found) < count:
            raise AssertionError(
                f"fewer than {count} matching events arrived on {self.subject}; "
                f"saw {len(self.seen)} events"
            )
        return found


def about(subject: str) -> Callable[[CloudEvent[Any]], bool]:
    """A ``where`` that selects the events about one entity, e.g. ``about(f"persons/{id}")``."""
    return lambda event: event.subject == subject


async def collect_events(
    nats_url: str,
    *,
    stream: str,
    subject: str,
    count: int = 1,
    where: Callable[[CloudEvent[Any]], bool] | None = None,
    timeout: float = 15.0,
    settle: float = 0.0,
) -> list[Received]:
    """The events on ``subject`` in ``stream``, from its start, that satisfy ``where``.

    Waits for ``count`` of them, then ``settle`` seconds longer to catch any that should not be
    there; answers what has come after ``timeout`` seconds, which may be fewer than ``count``.
    The stream is shared by a test session, so select the test's own events with ``where``
    (e.g. ``where=about(f"persons/{person_id}")``).
    """
    async with EventTap(
        nats_url, stream=stream, subject=subject, deliver_policy=DeliverPolicy.ALL
    ) as tap:
        return await tap.collect(count=count, where=where, timeout=timeout, settle=settle)
