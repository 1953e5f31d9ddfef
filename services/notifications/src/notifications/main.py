"""The notifications service: German e-mails and an in-app inbox driven by the other services'
events, with preferences, digests and reminders."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from notifications.applications.consumer import offers_consumer
from notifications.certificates.consumer import certificates_consumer
from notifications.circulars.consumer import circulars_consumer
from notifications.common import Loop
from notifications.config import NotificationsSettings
from notifications.deliveries.service import DeliveryGauges, DeliverySender, SmtpSender
from notifications.directory.consumer import registry_consumer
from notifications.dispatch.service import Notifier
from notifications.inbox.api import router as inbox_router
from notifications.meetings.consumer import meetings_consumer
from notifications.models import metadata, outbox
from notifications.operations.api import router as operations_router
from notifications.payments.consumer import payments_consumer
from notifications.preferences.api import router as preferences_router
from notifications.privacy.service import erase_address, own_data, retention_tasks
from notifications.proof_of_use.consumer import proof_of_use_consumer
from notifications.reminders.service import Scheduler
from notifications.youth_projects.consumer import youth_projects_consumer
from schulerfolg.app import Runtime, ServiceDefinition
from schulerfolg.app import create_app as create_service_app
from schulerfolg.messaging.consumer import ConsumerSpec
from schulerfolg.privacy.erasure import erasure_consumer

MIGRATIONS = Path(__file__).parent / "migrations"
SCHEDULER_BATCH = 100

definition = ServiceDefinition(
    name="notifications",
    title="schulerfolg notifications",
    description=(
        "German e-mails and an in-app inbox driven by the other services' events, with "
        "preferences, digests and reminders."
    ),
    metadata=metadata,
    outbox=outbox,
    migrations=MIGRATIONS,
    routers=[inbox_router, preferences_router, operations_router],
    # Its stream NOTIFICATIONS carries only the answers to erasure requests
    # (notifications.erasure.completed), without personal data.
    publishes=True,
    own_data=own_data,
    retention=retention_tasks,
)


@dataclass
class Background:
    """The service's own parts beside the shared runtime (``app.state.notifications``)."""

    notifier: Notifier
    sender: DeliverySender
    scheduler: Scheduler
    loops: list[Loop]


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    """The notifications service's FastAPI application."""
    settings = settings or NotificationsSettings()
    notifier = Notifier(settings)

    def consumers(runtime: Runtime) -> list[ConsumerSpec]:
        """One consumer per producing service's stream: persons from registry, applications
        from offers, committee members, meetings and registrations from meetings; and the
        answers to registry's erasure requests."""
        return [
            registry_consumer(runtime),
            offers_consumer(notifier),
            meetings_consumer(notifier),
            certificates_consumer(notifier),
            circulars_consumer(notifier),
            payments_consumer(notifier),
            proof_of_use_consumer(notifier),
            youth_projects_consumer(notifier),
            erasure_consumer(runtime, erase_address),
        ]

    app = create_service_app(dataclasses.replace(definition, consumers=consumers), settings)
    runtime = app.state.runtime
    sender = DeliverySender(runtime.db, notifier, SmtpSender(settings))
    scheduler = Scheduler(runtime.db, notifier, batch_size=SCHEDULER_BATCH)
    gauges = DeliveryGauges(runtime.db, runtime.metrics.registry)

    async def schedule() -> int:
        handled = await scheduler.run_due()
        await gauges.refresh()
        return handled

    loops = [
        Loop(
            "notifications.sender",
            sender.send_due,
            interval=settings.delivery_poll_interval,
            wait=notifier.signals.deliveries.wait,
            busy=settings.delivery_batch_size,
        ),
        Loop(
            "notifications.scheduler",
            schedule,
            interval=settings.reminder_poll_interval,
            wait=notifier.signals.scheduler.wait,
            busy=SCHEDULER_BATCH,
        ),
    ]
    app.state.notifications = Background(notifier, sender, scheduler, loops)

    # The shared lifespan starts the runtime (database, consumers); the sender and the
    # scheduler run inside it and stop before it.
    shared_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with shared_lifespan(app):
            for loop in loops:
                loop.start()
            try:
                yield
            finally:
                sender.stop_taking()  # the e-mail in flight is finished and marked, no new one
                for loop in loops:
                    await loop.stop(grace=settings.delivery_stop_grace)

    app.router.lifespan_context = lifespan
    return app
