"""Which committee session decides an application: offers learns it from meetings' events
(``meetings.meeting.*``, ``meetings.agenda.item_added``, published here to a real NATS server)
and shows it on the application — to the school too; on PostgreSQL.

The consumer handles a stream's events in order, so a marker published after an event has been
applied once the marker shows: that is how the tests see that a stale event changed nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from offers_support import World

from schulerfolg.events.meetings import (
    AgendaItemAdded,
    MeetingCancelled,
    MeetingScheduled,
    MeetingUpdated,
)
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import publish_events, wrap

DAY = datetime(2027, 2, 10, 16, tzinfo=UTC)


def meeting(
    world: World,
    kind: type[MeetingScheduled] = MeetingScheduled,
    starts_at: datetime = DAY,
    **fields: Any,
) -> Any:
    """A meeting event of the Börde steering group as meetings sends it (two hours long)."""
    values = {
        "version": 1,
        "id": str(uuid.uuid4()),
        "kind": "committee_session",
        "committee_id": world.committee_id,
        "title": "Sitzung der Steuergruppe",
        "region": "boerde",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=2),
        "location": "Haldensleben, Landratsamt",
        "status": "scheduled",
        **fields,
    }
    payload = kind(**values)
    return wrap(payload, entity_id=str(payload.id), region="boerde")


def item(world: World, meeting_id: Any, app: dict[str, Any], **fields: Any) -> Any:
    """``meetings.agenda.item_added`` for an application's decision."""
    payload = AgendaItemAdded(
        **{
            "id": str(uuid.uuid4()),
            "meeting_id": str(meeting_id),
            "committee_id": world.committee_id,
            "region": "boerde",
            "kind": "decision",
            "title": app["title"],
            "position": 1,
            "application_id": app["id"],
            **fields,
        }
    )
    return wrap(payload, entity_id=str(payload.id), region="boerde")


async def deciding(world: World, app: dict[str, Any], headers: Any = None) -> Any:
    response = await world.client.get(
        f"/api/v1/applications/{app['id']}", headers=headers or world.office()
    )
    assert response.status_code == 200, response.text
    return response.json()["deciding_session"]


async def shows(world: World, app: dict[str, Any], **expected: Any) -> dict[str, Any]:
    """Wait until the application's deciding session has the ``expected`` fields."""

    async def check() -> Any:
        session = await deciding(world, app)
        if session and all(session[k] == v for k, v in expected.items()):
            return session
        return None

    found: dict[str, Any] = await eventually(check, timeout=20)
    return found


async def test_the_school_sees_the_session_that_decides_and_follows_it(world: World):
    fund = await world.fund()
    app = await world.submitted(fund)
    marker_app = await world.submitted(fund, title="Schulgarten anlegen")
    assert app["deciding_session"] is None

    first = meeting(world)
    await publish_events(world.nats_url, [first, item(world, first.data.id, app)])
    session = await shows(world, app, meeting_id=str(first.data.id))
    assert session == {
        "meeting_id": str(first.data.id),
        "title": "Sitzung der Steuergruppe",
        "starts_at": "2027-02-10T16:00:00Z",
        "ends_at": "2027-02-10T18:00:00Z",
        "location": "Haldensleben, Landratsamt",
        "status": "scheduled",
    }
    # the applicant side reads it with the application, in the list as on its own
    assert await deciding(world, app, world.school()) == session
    listed = await world.client.get("/api/v1/applications", headers=world.school())
    assert {a["id"]: a["deciding_session"] for a in listed.json()["items"]}[app["id"]] == session

    # rescheduled (version 2); then version 1 replayed (a fresh event): the later date stays
    later = DAY + timedelta(days=7)
    place = "Oschersleben, Bürgerhaus"
    changed = ["starts_at", "ends_at", "location"]
    moved = meeting(
        world, MeetingUpdated, later, id=first.data.id, version=2, location=place, changed=changed
    )
    await publish_events(world.nats_url, [moved])
    await shows(world, app, starts_at="2027-02-17T16:00:00Z")
    marker = meeting(world, title="Sondersitzung")
    await publish_events(
        world.nats_url,
        [meeting(world, id=first.data.id), marker, item(world, marker.data.id, marker_app)],
    )
    await shows(world, marker_app, title="Sondersitzung")
    session = await deciding(world, app)
    assert (session["starts_at"], session["location"]) == ("2027-02-17T16:00:00Z", place)

    # cancelled: the session stays on the application, marked so the page can say it
    cancelled = meeting(
        world, MeetingCancelled, later, id=first.data.id, version=3, status="cancelled"
    )
    await publish_events(world.nats_url, [cancelled])
    session = await shows(world, app, status="cancelled")
    assert session["starts_at"] == "2027-02-17T16:00:00Z"


async def test_the_latest_placement_wins(world: World):
    """Meetings moves an application on from a cancelled session (a new item_added); an older
    placement arriving late does not move it back."""
    fund = await world.fund()
    app = await world.submitted(fund)
    marker_app = await world.submitted(fund, title="Schulgarten anlegen")
    later = DAY + timedelta(days=30)
    first, second = meeting(world), meeting(world, starts_at=later)
    placed_first = item(world, first.data.id, app)
    placed_second = item(world, second.data.id, app)
    assert placed_first.time < placed_second.time
    await publish_events(world.nats_url, [first, second, placed_first, placed_second])
    await shows(world, app, meeting_id=str(second.data.id))

    stale = placed_first.model_copy(update={"id": uuid.uuid4()})  # the same placement again
    await publish_events(world.nats_url, [stale, item(world, second.data.id, marker_app)])
    await shows(world, marker_app, meeting_id=str(second.data.id))
    assert (await deciding(world, app))["meeting_id"] == str(second.data.id)


async def test_other_items_and_withdrawn_applications_show_no_session(world: World):
    fund = await world.fund()
    app = await world.submitted(fund)
    other = await world.submitted(fund, title="Schulgarten anlegen")
    session = meeting(world)
    await publish_events(
        world.nats_url,
        [
            session,
            item(world, session.data.id, app, kind="information"),
            item(world, session.data.id, other),
        ],
    )
    await shows(world, other, meeting_id=str(session.data.id))
    assert await deciding(world, app) is None  # an information item decides nothing

    withdrawn = await world.act(other, "withdraw", world.school())
    assert withdrawn["status"] == "withdrawn"
    assert withdrawn["deciding_session"] is None
