"""The meetings service: committees, meetings and events, registrations with a waiting list, agendas that fill themselves from submitted applications, decisions with quorum, minutes and iCalendar feeds."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from meetings.config import MeetingsSettings
from meetings.models import metadata, outbox
from schulerfolg.app import ServiceDefinition
from schulerfolg.app import create_app as create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"

definition = ServiceDefinition(
    name="meetings",
    title="schulerfolg meetings",
    description="Committees, meetings and events, registrations with a waiting list, agendas that fill themselves from submitted applications, decisions with quorum, minutes and iCalendar feeds.",
    metadata=metadata,
    outbox=outbox,
    migrations=MIGRATIONS,
    routers=[],
)


def create_app(settings: MeetingsSettings | None = None) -> FastAPI:
    """The meetings service's FastAPI application."""
    return create_service_app(definition, settings or MeetingsSettings())
