"""The pull loop of one durable consumer: fetch a batch, decide each message in order, settle it.

Our own loop on nats-py rather than a FastStream subscriber, because a subscriber either handles
the messages of one pull concurrently (breaking the order per entity) or, in batch mode, waits
for a full batch before handing any over (latency); and because its decoder runs before any
handler, so a malformed body never reached our dead letters. Here a fetch returns what is
there at once (up to ``batch``), the messages are handled one after another in stream order —
up to ``max_batch`` of them in one transaction with one commit (``InboxConsumer.handle_batch``;
``max_batch=1`` is one transaction per message) — and every message is settled explicitly: ack,
or nak with a delay.

Messages that can never become events are parked together in one transaction, so a flood of
them costs one commit per fetch and holds up nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import structlog
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError

from schulerfolg.messaging.consumer import (
    Decision,
    Delivery,
    InboxConsumer,
    Outcome,
    Undecodable,
    decode_delivery,
)

log = structlog.get_logger("schulerfolg.consumer")


def delivery_of(msg: Msg) -> Delivery:
    """The raw delivery of a JetStream message."""
    return Delivery(
        body=msg.data,
        subject=msg.subject,
        headers=msg.headers,
        delivered=msg.metadata.num_delivered or 1,
    )


async def settle(msg: Msg, decision: Decision) -> None:
    """Tell JetStream the outcome of one message. If the connection is gone, the message
    comes back after ``ack_wait`` and the inbox makes the redelivery harmless."""
    try:
        if decision.outcome is Outcome.ACK:
            await msg.ack()
        else:
            await msg.nak(delay=decision.delay)
    except Exception as exc:
        log.info("consumer.settle_failed", subject=msg.subject, error=repr(exc)[:200])


class PullConsumer:
    """Runs one ``InboxConsumer`` against its durable JetStream consumer until stopped."""

    def __init__(
        self,
        js: Any,
        consumer: InboxConsumer,
        *,
        batch: int = 100,
        max_batch: int = 100,
        fetch_timeout: float = 2.0,
    ) -> None:
        self.js = js
        self.consumer = consumer
        self.batch = batch
        self.max_batch = max(1, max_batch)
        self.fetch_timeout = fetch_timeout
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._subscription: Any = None

    async def start(self) -> None:
        """Bind to the durable consumer (it must exist) and start pulling in the background."""
        spec = self.consumer.spec
        subscription = await self.js.pull_subscribe_bind(durable=spec.name, stream=spec.stream)
        self._subscription = subscription
        self._task = asyncio.create_task(self._run(subscription), name=f"pull-{spec.name}")

    async def stop(self, grace: float = 10.0) -> None:
        """Finish the message (or batch) in hand (within ``grace`` seconds), hand the rest of
        the fetch back, then stop pulling."""
        if self._task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except (TimeoutError, asyncio.CancelledError):
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        # Messages a last fetch brought but nobody took go back after ack_wait; unsubscribing
        # drops them here, so closing the connection does not wait for them (drain timeout).
        with contextlib.suppress(Exception):
            await self._subscription.unsubscribe()

    async def _run(self, subscription: Any) -> None:
        spec = self.consumer.spec
        delay = 0.5
        while not self._stopping.is_set():
            fetch = asyncio.ensure_future(
                subscription.fetch(batch=self.batch, timeout=self.fetch_timeout)
            )
            stopping = asyncio.ensure_future(self._stopping.wait())
            done, _ = await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if fetch not in done:  # stopping while waiting for messages: nothing in hand
                fetch.cancel()
                await asyncio.gather(fetch, return_exceptions=True)
                return
            stopping.cancel()
            try:
                messages = fetch.result()
            except (NatsTimeoutError, TimeoutError):
                continue
            except Exception as exc:  # disconnected, server restarting: keep trying
                log.info("consumer.fetch_failed", consumer=spec.name, error=repr(exc)[:200])
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            delay = 0.5
            await self._handle(messages)

    async def _handle(self, messages: list[Msg]) -> None:
        """Park what cannot be decoded in one go, then handle the rest in stream order, up to
        ``max_batch`` events per transaction (``InboxConsumer.handle_batch``)."""
        decoded = []
        for msg in messages:
            delivery = delivery_of(msg)
            decoded.append((msg, delivery, decode_delivery(delivery)))
        undecodable = [(msg, item) for msg, _, item in decoded if isinstance(item, Undecodable)]
        if undecodable:
            decision = await self.consumer.dead_letter([item for _, item in undecodable])
            for msg, _ in undecodable:
                await settle(msg, decision)
        events = [(m, d, e) for m, d, e in decoded if not isinstance(e, Undecodable)]
        for start in range(0, len(events), self.max_batch):
            chunk = events[start : start + self.max_batch]
            decisions = await self.consumer.handle_batch(
                [(delivery, event) for _, delivery, event in chunk], self._stopping.is_set
            )
            for (msg, _, _), decision in zip(chunk, decisions, strict=True):
                await settle(msg, decision)
