"""An application goes only on its fund's deciding committee's agenda: by hand (POST
/meetings/{id}/agenda with an ``application_id``) and from ``offers.application.submitted``.
Funds and submissions arrive as offers' events on a real NATS server; PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

from meetings_support import (
    OFFICE,
    agenda,
    create_committee,
    create_session,
    fund_event,
    pending,
    submitted_event,
)

from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import ServiceUnderTest, publish_events

STATE = ("state_coordinator",)


async def _add(
    meetings: ServiceUnderTest,
    session: dict[str, Any],
    application_id: str,
    role: tuple[str, ...] = OFFICE,
) -> Any:
    return await meetings.client.post(
        f"/api/v1/meetings/{session['id']}/agenda",
        json={"kind": "decision", "title": "Antrag", "application_id": application_id},
        headers=meetings.auth(*role),
    )


def _refused(response: Any, rule: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["rule"] == rule
    assert [(e["field"], e["type"]) for e in response.json()["errors"]] == [
        ("application_id", rule)
    ]


async def _known(
    meetings: ServiceUnderTest,
    session: dict[str, Any],
    application_id: str,
    role: tuple[str, ...] = OFFICE,
) -> Any:
    """Wait until meetings has the submission and its fund: adding it stops answering
    ``application-unknown``; answers that response."""

    async def answer() -> Any:
        response = await _add(meetings, session, application_id, role)
        unknown = response.status_code == 422 and response.json()["rule"] == "application-unknown"
        return None if unknown else response

    return await eventually(answer, timeout=20)


async def test_a_hand_added_application_only_goes_on_its_deciding_committees_session(
    meetings, nats_url
):
    boerde = await create_committee(meetings)
    boerde_session = await create_session(meetings, boerde["id"], days=40)
    working_group = await create_committee(meetings, name="AK Prävention", kind="working_group")
    working_session = await create_session(meetings, working_group["id"], days=40)
    halle = await create_committee(meetings, STATE, name="Steuergruppe Halle", region="halle")
    halle_session = await create_session(meetings, halle["id"], days=40, role=STATE, region="halle")

    fund = fund_event(boerde["id"])
    app = submitted_event(boerde["id"], fund_id=str(fund.data.id))
    unknown = str(uuid.uuid4())
    _refused(await _add(meetings, halle_session, unknown, STATE), "application-unknown")
    await publish_events(nats_url, [fund, app])

    # Halle's committee must not see nor decide a Börde application: refused.
    response = await _known(meetings, halle_session, str(app.data.id), STATE)
    _refused(response, "not-the-deciding-committee")
    _refused(await _add(meetings, working_session, str(app.data.id)), "not-the-deciding-committee")
    assert await agenda(meetings, halle_session["id"], STATE) == []
    assert await agenda(meetings, working_session["id"]) == []
    # Its own committee's session takes it (besides the item the submission put there).
    added = await _add(meetings, boerde_session, str(app.data.id))
    assert added.status_code == 201, added.text

    # The fund hands its decisions to the working group: now that one decides, not the other.
    await publish_events(
        nats_url, [fund_event(working_group["id"], fund_id=str(fund.data.id), version=2)]
    )

    async def moved() -> bool:
        return (await _add(meetings, working_session, str(app.data.id))).status_code == 201

    await eventually(moved, timeout=20)
    _refused(await _add(meetings, boerde_session, str(app.data.id)), "not-the-deciding-committee")


async def test_a_fund_without_a_deciding_committee_goes_on_no_session(meetings, nats_url):
    committee = await create_committee(meetings)
    session = await create_session(meetings, committee["id"])
    fund = fund_event(None)
    app = submitted_event(None, fund_id=str(fund.data.id))  # type: ignore[arg-type]
    await publish_events(nats_url, [fund, app])
    _refused(await _known(meetings, session, str(app.data.id)), "no-deciding-committee")


async def test_a_submission_naming_another_regions_committee_is_not_filed(meetings, nats_url):
    """The automatic path: a Börde application whose (bad) fund names Halle's committee goes to
    the dead letters instead of Halle's non-public agenda."""
    halle = await create_committee(meetings, STATE, name="Steuergruppe Halle", region="halle")
    halle_session = await create_session(meetings, halle["id"], role=STATE, region="halle")
    event = submitted_event(halle["id"], region="boerde")
    await publish_events(nats_url, [event])
    table = meetings.runtime.tables.dead_letters

    async def parked() -> Any:
        async with meetings.runtime.db.transaction(readonly=True) as session:
            return (
                await session.execute(table.select().where(table.c.event_id == str(event.id)))
            ).all()

    rows = await eventually(parked, timeout=20)
    assert "committee-other-region" in rows[0].reason
    assert await agenda(meetings, halle_session["id"], STATE) == []
    assert await pending(meetings, halle["id"], STATE) == []

    # A state-level committee (region null) takes the applications of every region.
    state = await create_committee(meetings, STATE, name="Landesjury", region=None)
    state_session = await create_session(meetings, state["id"], role=STATE, region=None)
    from_halle = submitted_event(state["id"], region="halle")
    await publish_events(nats_url, [from_halle])
    items = await eventually(lambda: agenda(meetings, state_session["id"], STATE), timeout=20)
    assert [i["application_id"] for i in items] == [str(from_halle.data.id)]
