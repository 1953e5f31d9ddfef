"""Topic demand from the needs surveys set against the funded projects that offers' events
report and the events meetings announces, against a plain count; later events move them,
redeliveries change nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from planning_support import OFFICE, SURVEYS, Planning, meeting_event, open_survey

from schulerfolg.events.meetings import MeetingCancelled, MeetingScheduled
from schulerfolg.events.offers import (
    ApplicationApproved,
    ApplicationCompleted,
    ApplicationRejected,
    ApplicationSubmitted,
)
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import publish_events, wrap

FUND = uuid.uuid4()


def _event(kind: type, app_id: uuid.UUID, version: int, region: str, topics: list[str]) -> Any:
    data: dict[str, Any] = {
        "version": version,
        "id": app_id,
        "fund_id": FUND,
        "fund_name": "Schulprojekte Börde 2026",
        "fund_kind": "school_project",
        "region": region,
        "school_ids": [uuid.uuid4()],
        "title": "Projekt",
        "topics": topics,
        "status": {
            ApplicationSubmitted: "submitted",
            ApplicationApproved: "approved",
            ApplicationRejected: "rejected",
            ApplicationCompleted: "completed",
        }[kind],
        "requested_cents": 100_000,
        "start_date": date(2026, 9, 1),
        "end_date": date(2026, 12, 31),
        "contact": {"name": "Frau Beispiel", "email": "kontakt@schule.test"},
    }
    if kind in (ApplicationApproved, ApplicationRejected):
        data["decided_by"] = "office"
    if kind is ApplicationApproved:
        data |= {"approved_cents": 90_000, "report_due": date(2027, 1, 28)}
    return wrap(kind(**data), entity_id=str(app_id), region=region)


async def _demand(planning: Planning, **params: str) -> dict[str, Any]:
    response = await planning.client.get(
        "/api/v1/topic-demand", params=params, headers=planning.auth(*OFFICE)
    )
    assert response.status_code == 200, response.text
    return {row["slug"]: row for row in response.json()["topics"]}


async def test_topic_demand_sets_survey_answers_against_funded_projects(
    planning: Planning, nats_url: str
) -> None:
    # offers' events: three funded projects in Börde, one rejected, one in Harz
    approved = [uuid.uuid4() for _ in range(3)]
    rejected, elsewhere = uuid.uuid4(), uuid.uuid4()
    events = [
        _event(ApplicationSubmitted, approved[0], 2, "boerde", ["bullying", "media-literacy"]),
        _event(ApplicationApproved, approved[0], 3, "boerde", ["bullying", "media-literacy"]),
        _event(ApplicationApproved, approved[1], 3, "boerde", ["bullying"]),
        _event(ApplicationApproved, approved[2], 3, "boerde", ["transition"]),
        _event(ApplicationCompleted, approved[2], 6, "boerde", ["transition"]),
        _event(ApplicationRejected, rejected, 3, "boerde", ["school-absenteeism"]),
        _event(ApplicationApproved, elsewhere, 3, "harz", ["bullying"]),
    ]
    # each event twice (a redelivery), and an older one after a newer one
    await publish_events(nats_url, [*events, events[0]], times=2)
    # meetings' events: two Börde trainings on bullying (one later cancelled, its older
    # scheduling event arriving after the cancellation), a network meeting on transition, a
    # committee session (no event in this sense) and a Harz training
    start = datetime(2026, 10, 5, 14, tzinfo=UTC)
    kept, cancelled = uuid.uuid4(), uuid.uuid4()
    meetings = [
        meeting_event(
            MeetingScheduled,
            kept,
            1,
            starts_at=start,
            meeting_kind="training",
            topics=("bullying", "mediation"),
        ),
        meeting_event(
            MeetingCancelled,
            cancelled,
            2,
            starts_at=start,
            meeting_kind="training",
            topics=("bullying",),
        ),
        meeting_event(
            MeetingScheduled,
            cancelled,
            1,
            starts_at=start,
            meeting_kind="training",
            topics=("bullying",),
        ),
        meeting_event(MeetingScheduled, uuid.uuid4(), 1, starts_at=start, topics=("transition",)),
        meeting_event(
            MeetingScheduled,
            uuid.uuid4(),
            1,
            starts_at=start,
            meeting_kind="committee_session",
            topics=("transition",),
        ),
        meeting_event(
            MeetingScheduled,
            uuid.uuid4(),
            1,
            starts_at=start,
            meeting_kind="training",
            region="harz",
            topics=("bullying",),
        ),
    ]
    await publish_events(nats_url, meetings, times=2)

    survey_id = await open_survey(planning, anonymous=True)
    sent = [["mobbing", "medien"], ["mobbing"], ["absentismus"], ["anderes"]]
    for themen in sent:
        ticket = (await planning.client.post(f"{SURVEYS}/{survey_id}/tickets")).json()["ticket"]
        answered = await planning.client.post(
            f"{SURVEYS}/{survey_id}/responses",
            json={"answers": {"themen": themen, "vorrang": "uebergaenge"}, "ticket": ticket},
        )
        assert answered.status_code == 201, answered.text

    async def funded_arrived() -> dict[str, Any] | None:
        rows = await _demand(planning, region="boerde")
        arrived = rows.get("transition", {}).get("funded_projects") == 1
        return rows if arrived and rows.get("mediation", {}).get("events") == 1 else None

    rows = await eventually(funded_arrived)
    # plain counts: choices per topic in the answers; funded (approved/reported/completed)
    # Börde projects per topic; surveys offering the topic
    assert {slug: row["demand"] for slug, row in rows.items()} == {
        "bullying": 2,
        "media-literacy": 1,
        "mediation": 0,
        "school-absenteeism": 1,
        "transition": 4,
    }
    assert {slug: row["funded_projects"] for slug, row in rows.items()} == {
        "bullying": 2,
        "media-literacy": 1,
        "mediation": 0,
        "school-absenteeism": 0,
        "transition": 1,
    }
    assert {slug: row["events"] for slug, row in rows.items()} == {
        "bullying": 1,
        "media-literacy": 0,
        "mediation": 1,
        "school-absenteeism": 0,
        "transition": 1,
    }
    assert all(row["surveys"] == 1 for row in rows.values() if row["slug"] != "mediation")

    # the state sees every region; an office only its own
    state = await planning.client.get(
        "/api/v1/topic-demand", headers=planning.auth("state_coordinator")
    )
    assert {r["slug"]: r["funded_projects"] for r in state.json()["topics"]}["bullying"] == 3
    harz = await planning.client.get(
        "/api/v1/topic-demand", params={"region": "harz"}, headers=planning.auth(*OFFICE)
    )
    assert harz.status_code == 403
    csv = await planning.client.get(
        "/api/v1/topic-demand", headers={**planning.auth(*OFFICE), "Accept": "text/csv"}
    )
    assert "bullying;Mobbing und Cybermobbing;2;1;2;1" in csv.text
