"""A fund's deciding committee must exist (offers knows it from meetings' committee events,
published here to a real NATS server) and belong to the fund's region; on PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

from offers_support import World, committee_event, feed_directory

from schulerfolg.events.meetings import CommitteeUpdated
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import publish_events, wrap

BODY = {
    "name": "Bildungsbezogene Angebote 2027",
    "kind": "school_project",
    "period_start": "2027-01-01",
    "period_end": "2027-12-31",
    "budget_cents": 5_000_000,
}


async def _create(world: World, region: str | None, committee_id: str) -> Any:
    return await world.client.post(
        "/api/v1/funds",
        json=BODY | {"region": region, "deciding_committee_id": committee_id},
        headers=world.state(),
    )


def _refused(response: Any, rule: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["rule"] == rule
    assert [(e["field"], e["type"]) for e in problem["errors"]] == [("deciding_committee_id", rule)]


async def test_a_boerde_fund_naming_halles_committee_is_refused(world: World):
    """The reproduction: a Börde fund would put Börde's applications on Halle's non-public
    agenda and let Halle's committee decide Börde's money."""
    halle = committee_event("halle", name="Steuergruppe Halle")
    await feed_directory(world.service, world.nats_url, [halle])
    response = await world.client.post(
        "/api/v1/funds",
        json=BODY | {"region": "boerde", "deciding_committee_id": str(halle.data.id)},
        headers=world.office("boerde"),
    )
    _refused(response, "committee-other-region")
    assert "halle" in response.json()["detail"]
    funds = await world.client.get("/api/v1/funds", headers=world.state())
    assert funds.json()["items"] == []
    assert (await world.fund("boerde"))["deciding_committee_id"] == world.committees["boerde"]


async def test_a_committee_nobody_created_is_refused(world: World):
    response = await _create(world, "boerde", str(uuid.uuid4()))
    _refused(response, "committee-unknown")
    assert "try again" in response.json()["detail"]


async def test_state_wide_and_regional_funds_need_a_committee_of_their_own_level(world: World):
    state, boerde = world.committees[None], world.committees["boerde"]
    created = await _create(world, None, state)
    assert created.status_code == 201, created.text
    assert created.json()["deciding_committee_id"] == state
    # A regional committee does not decide state-wide money (nor see other regions' schools).
    _refused(await _create(world, None, boerde), "committee-other-region")
    # A regional fund is decided in its region, not by the state coordination's committee.
    _refused(await _create(world, "boerde", state), "committee-other-region")
    # Without a deciding committee the office decides by hand: allowed at both levels.
    assert (await _create(world, None, None)).status_code == 201  # type: ignore[arg-type]


async def test_changing_a_fund_keeps_its_committee_in_its_region(world: World):
    fund = await world.fund("boerde")
    url = f"/api/v1/funds/{fund['id']}"
    harz = world.committees["harz"]
    response = await world.client.patch(
        url, json={"deciding_committee_id": harz}, headers=world.office("boerde")
    )
    _refused(response, "committee-other-region")
    response = await world.client.patch(
        url, json={"deciding_committee_id": str(uuid.uuid4())}, headers=world.office("boerde")
    )
    _refused(response, "committee-unknown")
    # Moving the fund to Harz while it keeps Börde's committee is the same mistake.
    response = await world.client.patch(url, json={"region": "harz"}, headers=world.state())
    _refused(response, "committee-other-region")
    # Moving it together with a Harz committee is fine; so is a fund decided by its office.
    response = await world.client.patch(
        url, json={"region": "harz", "deciding_committee_id": harz}, headers=world.state()
    )
    assert response.status_code == 200, response.text
    response = await world.client.patch(
        url, json={"deciding_committee_id": None}, headers=world.office("harz")
    )
    assert response.status_code == 200, response.text
    assert response.json()["deciding_committee_id"] is None
    unchanged = await world.client.get(url, headers=world.state())
    assert unchanged.json()["region"] == "harz"


async def test_a_fund_named_before_its_committee_arrives_is_refused_then_accepted(world: World):
    """Ordering: meetings created the committee, but its event has not reached offers yet."""
    later = committee_event("boerde", name="Jugendjury Börde")
    _refused(await _create(world, "boerde", str(later.data.id)), "committee-unknown")
    await feed_directory(world.service, world.nats_url, [later])
    assert (await _create(world, "boerde", str(later.data.id))).status_code == 201


async def test_the_newest_committee_event_wins(world: World):
    """A committee moved to Harz (version 2); the older ``created`` (version 1, Börde)
    delivered afterwards does not move it back."""
    committee_id = str(uuid.uuid4())
    moved = CommitteeUpdated(
        version=2, id=committee_id, name="AK Harz", kind="working_group", region="harz", quorum=0
    )
    await publish_events(world.nats_url, [wrap(moved, entity_id=committee_id, region="harz")])

    async def harz_accepts() -> bool:
        return (await _create(world, "harz", committee_id)).status_code == 201

    await eventually(harz_accepts, timeout=20)
    old = committee_event("boerde", committee_id=committee_id, version=1)
    await publish_events(world.nats_url, [old])
    inbox = world.service.runtime.tables.inbox

    async def processed() -> bool:
        async with world.service.runtime.db.transaction(readonly=True) as session:
            rows = await session.execute(inbox.select().where(inbox.c.event_id == old.id))
            return rows.first() is not None

    await eventually(processed, timeout=20)
    _refused(await _create(world, "boerde", committee_id), "committee-other-region")
