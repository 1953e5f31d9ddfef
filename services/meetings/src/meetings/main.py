"""The meetings service: committees, meetings and events, registrations with a waiting list, agendas that fill themselves from submitted applications, decisions with quorum, minutes and iCalendar feeds."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from meetings.agenda.api import router as agenda_router
from meetings.agenda.consumer import applications_consumer, assessments_consumer
from meetings.calendar.api import router as calendar_router
from meetings.circulars.api import router as circulars_router
from meetings.circulars.consumer import refusals_consumer
from meetings.circulars.service import circulars_task
from meetings.committees.api import router as committees_router
from meetings.config import MeetingsSettings
from meetings.funding.consumer import funds_consumer
from meetings.minutes.api import router as minutes_router
from meetings.models import metadata, outbox
from meetings.participation.api import router as participation_router
from meetings.persons.consumer import persons_consumer
from meetings.privacy.erasure import erase_by_email
from meetings.privacy.own_data import collect_own_data
from meetings.privacy.retention import retention_tasks
from meetings.registrations.api import router as registrations_router
from meetings.schedule.api import router as schedule_router
from schulerfolg.app import ServiceDefinition
from schulerfolg.app import create_app as create_service_app
from schulerfolg.privacy.erasure import erasure_consumer

MIGRATIONS = Path(__file__).parent / "migrations"

definition = ServiceDefinition(
    name="meetings",
    title="schulerfolg meetings",
    description="Committees, meetings and events, registrations with a waiting list, agendas that fill themselves from submitted applications, decisions with quorum, minutes and iCalendar feeds.",
    metadata=metadata,
    outbox=outbox,
    migrations=MIGRATIONS,
    # The calendar router comes first: `/meetings/{id}.ics` must win over `/meetings/{id}`.
    routers=[
        calendar_router,
        committees_router,
        schedule_router,
        registrations_router,
        agenda_router,
        minutes_router,
        participation_router,
        circulars_router,
    ],
    consumers=lambda runtime: [
        persons_consumer(runtime),
        funds_consumer(runtime),
        applications_consumer(runtime),
        assessments_consumer(runtime),
        erasure_consumer(runtime, erase_by_email(runtime)),
        refusals_consumer(runtime),
    ],
    own_data=collect_own_data,
    retention=lambda runtime: [*retention_tasks(runtime), circulars_task(runtime)],
)


def create_app(settings: MeetingsSettings | None = None) -> FastAPI:
    """The meetings service's FastAPI application."""
    return create_service_app(definition, settings or MeetingsSettings())
