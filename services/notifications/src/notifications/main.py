"""The notifications service: german e-mails and an in-app inbox driven by the other services' events, with preferences, digests and reminders."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from notifications.config import NotificationsSettings
from notifications.models import metadata, outbox
from schulerfolg.app import ServiceDefinition
from schulerfolg.app import create_app as create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"

definition = ServiceDefinition(
    name="notifications",
    title="schulerfolg notifications",
    description="German e-mails and an in-app inbox driven by the other services' events, with preferences, digests and reminders.",
    metadata=metadata,
    outbox=outbox,
    migrations=MIGRATIONS,
    routers=[],
)


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    """The notifications service's FastAPI application."""
    return create_service_app(definition, settings or NotificationsSettings())
