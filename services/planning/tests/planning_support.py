"""Helpers for the planning service's tests: the service as the shared tests see it, survey
bodies, answering, and the other services' events planning consumes."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import nats

from planning.config import PlanningSettings
from planning.main import definition
from schulerfolg.events import CloudEvent
from schulerfolg.events.meetings import MeetingCancelled, MeetingData
from schulerfolg.events.offers import (
    ApplicationApproved,
    ApplicationCompleted,
    ApplicationData,
    ApplicationSubmitted,
)
from schulerfolg.events.registry import SchoolCreated, SchoolUpdated
from schulerfolg.messaging.broker import StreamSpec, declare_stream
from schulerfolg_dev.testing.service import ServiceUnderTest, wrap
from schulerfolg_dev.testing.service_suite import ServiceCase

Planning = ServiceUnderTest


async def declare_upstream_streams(nats_url: str) -> None:
    """Declare the streams planning consumes (REGISTRY, OFFERS, MEETINGS), as their producers
    would, so planning's consumers start."""
    connection = await nats.connect(nats_url)
    try:
        for producer in ("registry", "offers", "meetings"):
            await declare_stream(connection.jetstream(), StreamSpec.for_service(producer))
    finally:
        await connection.close()


PLANNING = ServiceCase(
    definition=definition,
    settings_cls=PlanningSettings,
    read_path="/api/v1/surveys",
    reader={"role": "state_coordinator"},
    callers=(
        {"role": "network_office", "regions": ["boerde"]},
        {"role": "state_coordinator"},
    ),
    max_examples=6,
    upstream=declare_upstream_streams,
    consumers_ready=True,
)

start_planning = PLANNING.start

SURVEYS = "/api/v1/surveys"
OFFICE = ("network_office", "boerde")

QUESTIONS: list[dict[str, Any]] = [
    {
        "key": "themen",
        "text": "Welche Themen brauchen Ihre Schülerinnen und Schüler am dringendsten?",
        "kind": "multiple",
        "required": True,
        "choices": [
            {"key": "mobbing", "label": "Mobbing", "topic": "bullying"},
            {"key": "medien", "label": "Medienkompetenz", "topic": "media-literacy"},
            {"key": "absentismus", "label": "Schulabsentismus", "topic": "school-absenteeism"},
            {"key": "anderes", "label": "Anderes"},
        ],
    },
    {
        "key": "vorrang",
        "text": "Was hat Vorrang?",
        "kind": "single",
        "choices": [
            {"key": "mobbing", "label": "Mobbing", "topic": "bullying"},
            {"key": "uebergaenge", "label": "Übergänge", "topic": "transition"},
        ],
    },
    {"key": "bedarf", "text": "Wie groß ist der Bedarf?", "kind": "scale", "scale_max": 5},
    {"key": "hinweise", "text": "Hinweise", "kind": "text"},
]


def survey_body(
    *, anonymous: bool = False, region: str | None = "boerde", **extra: Any
) -> dict[str, Any]:
    """A valid survey with a multiple choice, a single choice, a scale and a text question."""
    return {
        "title": "Bedarfsabfrage Schuljahr 2026/27",
        "description": "Was brauchen Ihre Schulen?",
        "region": region,
        "audience": ["schools", "school_social_work"],
        "anonymous": anonymous,
        "questions": QUESTIONS,
        **extra,
    }


async def open_survey(planning: Planning, *, anonymous: bool = False, **extra: Any) -> str:
    """A survey of the Börde office, created and opened; its id."""
    headers = planning.auth(*OFFICE)
    created = await planning.client.post(
        SURVEYS, json=survey_body(anonymous=anonymous, **extra), headers=headers
    )
    assert created.status_code == 201, created.text
    survey_id: str = created.json()["id"]
    opened = await planning.client.post(f"{SURVEYS}/{survey_id}/open", headers=headers)
    assert opened.status_code == 200, opened.text
    return survey_id


# --- events of the other services, as they would publish them ---------------------------------

STATUS_OF = {
    ApplicationSubmitted: "submitted",
    ApplicationApproved: "approved",
    ApplicationCompleted: "completed",
}


def application_event(
    kind: type[ApplicationData],
    app_id: uuid.UUID,
    version: int,
    *,
    region: str = "boerde",
    schools: list[uuid.UUID] | None = None,
    start: date = date(2026, 9, 1),
    end: date = date(2026, 12, 31),
    at: datetime | None = None,
) -> CloudEvent[Any]:
    """An ``offers.application.*`` event (``at``: the event's time, default now)."""
    data: dict[str, Any] = {
        "version": version,
        "id": app_id,
        "fund_id": uuid.UUID(int=1),
        "fund_name": "Schulprojekte Börde",
        "fund_kind": "school_project",
        "region": region,
        "school_ids": schools if schools is not None else [uuid.uuid4()],
        "title": "Projekt",
        "topics": ["bullying"],
        "status": STATUS_OF[kind],
        "requested_cents": 100_000,
        "start_date": start,
        "end_date": end,
        "contact": {"name": "Frau Beispiel", "email": "kontakt@schule.test"},
    }
    if kind is ApplicationApproved:
        data |= {"decided_by": "office", "approved_cents": 90_000, "report_due": end}
    event = wrap(kind(**data), entity_id=str(app_id), region=region)
    return event if at is None else event.model_copy(update={"time": at})


def school_event(
    school_id: uuid.UUID, version: int, *, social_work: bool, region: str = "boerde"
) -> CloudEvent[Any]:
    """A ``registry.school.created`` (version 1) or ``.updated`` event."""
    kind = SchoolCreated if version == 1 else SchoolUpdated
    payload = kind(
        version=version,
        id=school_id,
        school_number=str(school_id.int % 100_000),
        name="Schule",
        school_type="Sekundarschule",
        region=region,
        has_school_social_work=social_work,
    )
    return wrap(payload, entity_id=str(school_id), region=region)


def meeting_event(
    kind: type[MeetingData],
    meeting_id: uuid.UUID,
    version: int,
    *,
    starts_at: datetime,
    meeting_kind: str = "network_meeting",
    region: str = "boerde",
    topics: tuple[str, ...] = (),
) -> CloudEvent[Any]:
    """A ``meetings.meeting.*`` event of a two-hour meeting."""
    payload = kind(
        version=version,
        id=meeting_id,
        kind=meeting_kind,
        title="Netzwerktreffen",
        region=region,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        status="cancelled" if kind is MeetingCancelled else "scheduled",
        topics=list(topics),
    )
    return wrap(payload, entity_id=str(meeting_id), region=region)
