"""Helpers for the planning service's tests: the service as the shared tests see it, survey
bodies, answering."""

from __future__ import annotations

from typing import Any

import nats

from planning.config import PlanningSettings
from planning.main import definition
from schulerfolg.messaging.broker import StreamSpec, declare_stream
from schulerfolg_dev.testing.service import ServiceUnderTest
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
