"""Target agreements: the API (who may, what is refused, ETags, hand-entered figures, CSV) and
the progress of event-counted goals against a plain count of the events published — with
redelivered events and older events that arrive after newer ones."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from planning_support import OFFICE, Planning, application_event, meeting_event, school_event

from planning.models import ParticipantRecord
from schulerfolg.events.meetings import MeetingCancelled, MeetingScheduled, MeetingUpdated
from schulerfolg.events.offers import (
    ApplicationApproved,
    ApplicationCompleted,
    ApplicationSubmitted,
)
from schulerfolg.local_time import berlin_day
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import publish_events

AGREEMENTS = "/api/v1/agreements"
TODAY = berlin_day(datetime.now(UTC))
# the period began two months ago (on a month's first) and runs half a year on
PERIOD_START = (TODAY.replace(day=1) - timedelta(days=40)).replace(day=1)
PERIOD_END = TODAY + timedelta(days=180)

GOALS: list[dict[str, Any]] = [
    {
        "key": "abschluesse",
        "title": "Abgeschlossene Projekte",
        "indicator": "projects_completed",
        "target": 4,
    },
    {"key": "schulen", "title": "Erreichte Schulen", "indicator": "schools_reached", "target": 10},
    {
        "key": "ohne-ssa",
        "title": "Schulen ohne Schulsozialarbeit",
        "indicator": "schools_without_social_work_reached",
        "target": 2,
    },
    {
        "key": "netzwerk",
        "title": "Netzwerktreffen",
        "indicator": "network_meetings_held",
        "target": 6,
    },
    {
        "key": "teilnehmende",
        "title": "Teilnehmende",
        "indicator": "participants_reached",
        "target": 100,
    },
    {
        "key": "fortbildungen",
        "title": "Fortbildungen der Träger",
        "indicator": "manual",
        "target": 8,
    },
]


def agreement_body(**extra: Any) -> dict[str, Any]:
    """An agreement of the Börde office with the district and a provider."""
    return {
        "region": "boerde",
        "title": "Zielvereinbarung Netzwerk Börde",
        "period_start": PERIOD_START.isoformat(),
        "period_end": PERIOD_END.isoformat(),
        "parties": [
            {"kind": "office", "name": "Netzwerkstelle Börde"},
            {"kind": "district", "name": "Landkreis Börde"},
            {
                "kind": "provider",
                "name": "Jugendhilfe Börde e. V.",
                "organization_id": str(uuid.uuid4()),
            },
        ],
        "goals": GOALS,
        **extra,
    }


async def create(planning: Planning, **extra: Any) -> dict[str, Any]:
    """A new agreement of the Börde office; its body."""
    created = await planning.client.post(
        AGREEMENTS, json=agreement_body(**extra), headers=planning.auth(*OFFICE)
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def progress_of(planning: Planning, agreement_id: str) -> dict[str, dict[str, Any]]:
    """The goals' progress by key."""
    response = await planning.client.get(
        f"{AGREEMENTS}/{agreement_id}/progress", headers=planning.auth(*OFFICE)
    )
    assert response.status_code == 200, response.text
    assert response.json()["as_of"] == TODAY.isoformat()
    return {goal["key"]: goal for goal in response.json()["goals"]}


def _fields(response: Any) -> set[str]:
    assert response.status_code == 422, response.text
    return {error["field"] for error in response.json()["errors"]}


async def test_agreement_lifecycle_rights_and_refusals(planning: Planning) -> None:
    office = planning.auth(*OFFICE)
    agreement = await create(planning)
    assert agreement["status"] == "active"
    assert [g["key"] for g in agreement["goals"]] == [g["key"] for g in GOALS]
    url = f"{AGREEMENTS}/{agreement['id']}"

    # bad input is a 422 naming the field
    wrong_period = await planning.client.post(
        AGREEMENTS,
        json=agreement_body(period_end=(PERIOD_START - timedelta(days=1)).isoformat()),
        headers=office,
    )
    assert _fields(wrong_period) == {"period_end"}
    twice = agreement_body(goals=[GOALS[0], {**GOALS[1], "key": GOALS[0]["key"]}])
    assert "goals" in _fields(await planning.client.post(AGREEMENTS, json=twice, headers=office))
    for goal in ({**GOALS[0], "indicator": "happiness"}, {**GOALS[0], "target": 0}):
        bad = await planning.client.post(
            AGREEMENTS, json=agreement_body(goals=[goal]), headers=office
        )
        assert bad.status_code == 422, bad.text
    state_level = await planning.client.post(
        AGREEMENTS, json=agreement_body(region="state"), headers=planning.auth("state_coordinator")
    )
    assert _fields(state_level) == {"region"}

    # who may: the region's office and the state coordination; others 403
    harz = planning.auth("network_office", "harz")
    assert (await planning.client.get(url, headers=harz)).status_code == 403
    assert (await planning.client.get(f"{url}/progress", headers=harz)).status_code == 403
    provider = planning.auth("partner", "boerde")
    assert (await planning.client.get(AGREEMENTS, headers=provider)).status_code == 403
    refused = await planning.client.post(AGREEMENTS, json=agreement_body(), headers=harz)
    assert refused.status_code == 403
    assert (await planning.client.get(url)).status_code == 401
    state = await planning.client.get(url, headers=planning.auth("state_coordinator"))
    assert state.status_code == 200
    missing = await planning.client.get(f"{AGREEMENTS}/{uuid.uuid4()}", headers=office)
    assert missing.status_code == 404

    # PATCH with If-Match: a stale ETag is 412, the current one changes the agreement
    read = await planning.client.get(url, headers=office)
    assert read.headers["ETag"] == f'"{agreement["version"]}"'
    changed = await planning.client.patch(
        url,
        json={"title": "Zielvereinbarung 2026/27", "goals": [*GOALS, {**GOALS[0], "key": "neu"}]},
        headers={**office, "If-Match": read.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "Zielvereinbarung 2026/27"
    assert changed.headers["ETag"] == f'"{agreement["version"] + 1}"'
    stale = await planning.client.patch(
        url, json={"title": "Alt"}, headers={**office, "If-Match": read.headers["ETag"]}
    )
    assert stale.status_code == 412
    bad_period = await planning.client.patch(
        url, json={"period_end": (PERIOD_START - timedelta(days=1)).isoformat()}, headers=office
    )
    assert _fields(bad_period) == {"period_end"}
    assert _fields(await planning.client.patch(url, json={"title": None}, headers=office)) == {
        "title"
    }

    # figures by hand: only for a manual goal, within the period; the latest counts
    values = f"{url}/values"
    for as_of, value in ((PERIOD_START + timedelta(days=3), 3), (TODAY, 5)):
        entered = await planning.client.post(
            values,
            json={
                "goal_key": "fortbildungen",
                "as_of": as_of.isoformat(),
                "value": value,
                "note": "laut Bericht der Träger",
            },
            headers=office,
        )
        assert entered.status_code == 201, entered.text
    not_manual = await planning.client.post(
        values,
        json={"goal_key": "schulen", "as_of": TODAY.isoformat(), "value": 1},
        headers=office,
    )
    assert _fields(not_manual) == {"goal_key"}
    unknown = await planning.client.post(
        values,
        json={"goal_key": "gibt-es-nicht", "as_of": TODAY.isoformat(), "value": 1},
        headers=office,
    )
    assert _fields(unknown) == {"goal_key"}
    outside = await planning.client.post(
        values,
        json={
            "goal_key": "fortbildungen",
            "as_of": (PERIOD_END + timedelta(days=1)).isoformat(),
            "value": 1,
        },
        headers=office,
    )
    assert _fields(outside) == {"as_of"}
    negative = await planning.client.post(
        values,
        json={"goal_key": "fortbildungen", "as_of": TODAY.isoformat(), "value": -1},
        headers=office,
    )
    assert _fields(negative) == {"value"}

    goals = await progress_of(planning, agreement["id"])
    manual = goals["fortbildungen"]
    assert (manual["actual"], manual["target"], manual["percent"]) == (5, 8, 62.5)
    assert manual["series"][0] == {"month": PERIOD_START.strftime("%Y-%m"), "actual": 3}
    assert manual["series"][-1] == {"month": TODAY.strftime("%Y-%m"), "actual": 5}
    assert goals["schulen"]["actual"] == 0 and goals["schulen"]["trend"] == "behind"

    csv = await planning.client.get(f"{url}/progress", headers={**office, "Accept": "text/csv"})
    assert csv.status_code == 200
    assert (
        csv.text.lstrip("\ufeff").splitlines()[0]
        == "ziel;titel;indikator;zielwert;ist;prozent;erwartet;trend"
    )
    assert any(
        line.startswith("fortbildungen;Fortbildungen der Träger;manual;8;5;62.5;")
        for line in csv.text.splitlines()
    )

    listed = await planning.client.get(AGREEMENTS, params={"region": "boerde"}, headers=office)
    assert listed.status_code == 200
    (item,) = [a for a in listed.json()["items"] if a["id"] == agreement["id"]]
    assert item["summary"]["goals"] == len(GOALS) + 1
    assert sum(item["summary"][k] for k in ("reached", "on_track", "behind")) == len(GOALS) + 1
    other = await planning.client.get(AGREEMENTS, params={"region": "harz"}, headers=office)
    assert other.status_code == 403
    assert _fields(await planning.client.get(AGREEMENTS, params={"region": "x"}, headers=office))

    # closing: the figures stay readable, nothing changes any more
    closed = await planning.client.post(f"{url}/close", headers=office)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = await planning.client.post(f"{url}/close", headers=office)
    assert again.status_code == 409
    late = await planning.client.post(
        values,
        json={"goal_key": "fortbildungen", "as_of": TODAY.isoformat(), "value": 9},
        headers=office,
    )
    assert late.status_code == 409
    assert (
        await planning.client.patch(url, json={"title": "x"}, headers=office)
    ).status_code == 409
    assert (await progress_of(planning, agreement["id"]))["fortbildungen"]["actual"] == 5


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
async def test_progress_follows_the_events_exactly(
    planning_on: Any, nats_url: str, database: str
) -> None:
    planning: Planning = await planning_on(database)
    agreement = await create(planning)
    a = [uuid.uuid4() for _ in range(9)]
    s = [uuid.uuid4() for _ in range(10)]
    m = [uuid.uuid4() for _ in range(9)]
    early, later = PERIOD_START + timedelta(days=5), PERIOD_END - timedelta(days=5)

    first_round = [
        # schools: s1 with school social work, s2 and s3 without (s3 only since version 2);
        # s4 is never announced (planning does not count what it has not heard of)
        school_event(s[1], 1, social_work=True),
        school_event(s[2], 1, social_work=False),
        school_event(s[3], 1, social_work=True),
        school_event(s[3], 2, social_work=False),
        # a1 runs in the period at s1 and s2
        application_event(
            ApplicationApproved, a[1], 3, schools=[s[1], s[2]], start=early, end=later
        ),
        # a2 completed today at s3
        application_event(ApplicationApproved, a[2], 3, schools=[s[3]], start=early, end=TODAY),
        application_event(ApplicationCompleted, a[2], 6, schools=[s[3]], start=early, end=TODAY),
        # a3 ran and was completed before the period: neither counts
        application_event(
            ApplicationCompleted,
            a[3],
            6,
            schools=[s[5]],
            start=PERIOD_START - timedelta(days=90),
            end=PERIOD_START - timedelta(days=20),
            at=_at(PERIOD_START - timedelta(days=10)),
        ),
        # a4 only submitted; a5 approved to start late in the period at the unknown s4;
        # a6 in another region; a7 at s2 again (a school counts once)
        application_event(ApplicationSubmitted, a[4], 2, schools=[s[6]], start=early, end=later),
        application_event(
            ApplicationApproved, a[5], 3, schools=[s[4]], start=later, end=PERIOD_END
        ),
        application_event(
            ApplicationApproved, a[6], 3, region="harz", schools=[s[7]], start=early, end=later
        ),
        application_event(ApplicationApproved, a[7], 3, schools=[s[2]], start=early, end=later),
        # meetings: m1 held, m2 cancelled, m3 still to come, m4 a committee meeting, m5 held
        # (moved), m6 in another region, m7 before the period
        meeting_event(MeetingScheduled, m[1], 1, starts_at=_at(TODAY - timedelta(days=3))),
        meeting_event(
            MeetingScheduled,
            m[2],
            1,
            starts_at=_at(TODAY - timedelta(days=4)),
            meeting_kind="regional_group_meeting",
        ),
        meeting_event(
            MeetingCancelled,
            m[2],
            2,
            starts_at=_at(TODAY - timedelta(days=4)),
            meeting_kind="regional_group_meeting",
        ),
        meeting_event(MeetingScheduled, m[3], 1, starts_at=_at(TODAY + timedelta(days=7))),
        meeting_event(
            MeetingScheduled,
            m[4],
            1,
            starts_at=_at(TODAY - timedelta(days=2)),
            meeting_kind="committee_meeting",
        ),
        meeting_event(
            MeetingScheduled,
            m[5],
            1,
            starts_at=_at(TODAY + timedelta(days=2)),
            meeting_kind="regional_group_meeting",
        ),
        meeting_event(
            MeetingUpdated,
            m[5],
            2,
            starts_at=_at(PERIOD_START + timedelta(days=1)),
            meeting_kind="regional_group_meeting",
        ),
        meeting_event(
            MeetingScheduled, m[6], 1, starts_at=_at(TODAY - timedelta(days=3)), region="harz"
        ),
        meeting_event(MeetingScheduled, m[7], 1, starts_at=_at(PERIOD_START - timedelta(days=3))),
    ]
    await publish_events(nats_url, first_round, times=2)  # each one redelivered

    # participants: what helper records (proofs of use, attendance) hold, counts only
    async with planning.runtime.db.transaction() as session:
        for source, region, day, present in (
            ("project", "boerde", TODAY - timedelta(days=1), 12),
            ("meeting", "boerde", PERIOD_START, 8),
            ("meeting", "boerde", PERIOD_START - timedelta(days=1), 5),
            ("project", "harz", TODAY, 7),
        ):
            session.add(
                ParticipantRecord(
                    source=source,
                    source_id=uuid.uuid4(),
                    version=1,
                    region=region,
                    activity_on=day,
                    present=present,
                )
            )

    def figures(goals: dict[str, dict[str, Any]]) -> dict[str, int]:
        return {key: goal["actual"] for key, goal in goals.items()}

    # plain counts of what was published: completed in the period a2; schools of funded
    # projects running in the period s1, s2, s3, s4; of them without school social work s2,
    # s3; network meetings held m1, m5; participants 12 + 8
    expected = {
        "abschluesse": 1,
        "schulen": 4,
        "ohne-ssa": 2,
        "netzwerk": 2,
        "teilnehmende": 20,
        "fortbildungen": 0,
    }

    async def arrived(want: dict[str, int]) -> dict[str, dict[str, Any]] | None:
        goals = await progress_of(planning, agreement["id"])
        return goals if figures(goals) == want else None

    await eventually(lambda: arrived(expected))

    # second round: older events arriving after newer ones change nothing; then a last
    # project a8 completed today at s8 and the new school s9 without school social work, and
    # a last meeting m8 — once they show, every older event before them has been handled
    second_round = [
        school_event(s[3], 1, social_work=True),
        school_event(s[9], 1, social_work=False),
        application_event(ApplicationApproved, a[2], 3, schools=[s[3]], start=early, end=TODAY),
        application_event(
            ApplicationSubmitted, a[5], 2, schools=[s[4]], start=later, end=PERIOD_END
        ),
        application_event(
            ApplicationCompleted, a[8], 6, schools=[s[8], s[9]], start=early, end=TODAY
        ),
        meeting_event(
            MeetingScheduled,
            m[2],
            1,
            starts_at=_at(TODAY - timedelta(days=4)),
            meeting_kind="regional_group_meeting",
        ),
        meeting_event(MeetingScheduled, m[8], 1, starts_at=_at(TODAY - timedelta(days=1))),
    ]
    await publish_events(nats_url, second_round)
    final = {**expected, "abschluesse": 2, "schulen": 6, "ohne-ssa": 3, "netzwerk": 3}
    goals = await eventually(lambda: arrived(final))

    # expected by now and the trend
    share = ((TODAY - PERIOD_START).days + 1) / ((PERIOD_END - PERIOD_START).days + 1)
    for goal in goals.values():
        assert goal["expected"] == round(goal["target"] * share, 1)
        assert goal["percent"] == round(goal["actual"] * 100 / goal["target"], 1)
    assert goals["ohne-ssa"]["trend"] == "reached"
    assert goals["fortbildungen"]["trend"] == "behind"

    # the series: one cumulative figure per month of the period so far
    months = [row["month"] for row in goals["abschluesse"]["series"]]
    assert months[0] == PERIOD_START.strftime("%Y-%m") and months[-1] == TODAY.strftime("%Y-%m")
    assert len(months) == len(set(months)) >= 2
    assert goals["abschluesse"]["series"][-1]["actual"] == 2
    assert all(row["actual"] == 0 for row in goals["abschluesse"]["series"][:-1])
    # a5 starts late in the period: its school counts in the actual figure, not yet by month
    assert goals["schulen"]["series"][-1]["actual"] == 5
    assert goals["netzwerk"]["series"][0]["actual"] == 1  # m5, moved into the first month
    assert goals["netzwerk"]["series"][-1]["actual"] == 3
    assert goals["teilnehmende"]["series"][0]["actual"] == 8
