"""The answers to erasure requests: one durable consumer per answering service's stream.

Each service reports ``<service>.erasure.completed`` on its own stream (a consumer reads the
events of exactly one producer), so there is one consumer per service in
``REGISTRY_ERASURE_SERVICES``. Each is inbox-guarded and idempotent; the request row is locked
while an answer is recorded, so exactly one of several simultaneous last answers completes it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from registry.config import settings_of
from registry.erasure import service
from schulerfolg.events.base import CloudEvent
from schulerfolg.events.privacy import ERASURE_COMPLETED
from schulerfolg.messaging.consumer import ConsumerSpec


def answer_consumers(runtime: Any) -> list[ConsumerSpec]:
    """A consumer of ``<service>.erasure.completed`` for each service a request waits for."""

    async def handle(session: AsyncSession, event: CloudEvent[Any]) -> None:
        await service.record_answer(session, runtime, event)

    return [
        ConsumerSpec(
            name=f"registry-erasure-answers-{name}",
            events=(ERASURE_COMPLETED[name],),
            handler=handle,
            description=f"Records that {name} has erased what it held for an erasure request.",
        )
        for name in settings_of(runtime).erasure_services
    ]
