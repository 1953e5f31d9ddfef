"""ESF+ participant figures (issue 19) through the offers API on PostgreSQL with a real NATS
server: a fund says whether it collects them, a proof of use of such a fund cannot be submitted
without them, a fund that does not collect them refuses them, and every proof-of-use event
carries them."""

from __future__ import annotations

from typing import Any

from offers_support import World

from schulerfolg_dev.testing.events import about, collect_events

FIGURES = {"female": {"under_18": 24, "30_54": 3}, "male": {"under_18": 21, "30_54": 1}}
PROOF = {
    "narrative": "Die Klassen sind zusammengewachsen.",
    "actual_participants": {"pupils": 45, "teachers": 4},
    "receipts": [],
}


def path(app: dict[str, Any], tail: str = "") -> str:
    return f"/api/v1/applications/{app['id']}/proof-of-use{tail}"


async def approved(world: World, fund: dict[str, Any]) -> dict[str, Any]:
    app = await world.submitted(fund)
    return await world.act(
        app, "decision", world.office(), {"outcome": "approved", "approved_cents": 80_000}
    )


async def test_a_collecting_fund_needs_the_figures_and_its_events_carry_them(world: World):
    fund = await world.fund(requires_consultation=False, collects_participant_figures=True)
    assert fund["collects_participant_figures"] is True
    app = await approved(world, fund)

    # the plain report cannot carry the figures: such a fund takes the proof of use only
    report = {
        "actual_participants": {"pupils": 45, "teachers": 4},
        "actual_cost_cents": 80_000,
        "summary": "Gut gelaufen.",
    }
    refused = await world.act(app, "report", world.school(), report, expect=422)
    assert refused["errors"][0]["field"] == "participants"

    blank = await world.client.get(path(app), headers=world.school())
    assert blank.json()["collects_participant_figures"] is True
    assert blank.json()["participants"] is None
    saved = await world.client.put(path(app), json=PROOF, headers=world.school())
    assert saved.status_code == 200, saved.text
    missing = await world.client.post(path(app, "/submit"), headers=world.school())
    assert missing.status_code == 422, missing.text
    assert [e["field"] for e in missing.json()["errors"]] == ["participants"]

    bad = {**PROOF, "participants": {"female": {"under_18": -1}, "other": {"18_29": 2}}}
    refused = await world.client.put(path(app), json=bad, headers=world.school())
    assert refused.status_code == 422, refused.text
    fields = [e["field"] for e in refused.json()["errors"]]
    assert fields and all(f.startswith("participants") for f in fields), fields

    saved = await world.client.put(
        path(app), json={**PROOF, "participants": FIGURES}, headers=world.school()
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["participants"] == FIGURES
    submitted = await world.client.post(path(app, "/submit"), headers=world.school())
    assert submitted.status_code == 200, submitted.text
    accepted = await world.client.post(
        path(app, "/accept"), json={"accepted_cents": 80_000}, headers=world.office()
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["participants"] == FIGURES

    events = await collect_events(
        world.nats_url,
        stream="OFFERS",
        subject="sfs.*.offers.>",
        count=2,
        where=lambda e: about(f"applications/{app['id']}")(e) and ".proof_of_use." in e.type,
    )
    for event, _ in events:
        assert event.data.participants is not None
        assert event.data.participants.total() == 49
        assert event.data.participants.root == FIGURES
    fund_events = await collect_events(
        world.nats_url,
        stream="OFFERS",
        subject="sfs.*.offers.>",
        count=1,
        where=lambda e: about(f"funds/{fund['id']}")(e) and e.type.endswith("fund.created.v1"),
    )
    assert fund_events[0][0].data.collects_participant_figures is True


async def test_a_fund_that_does_not_collect_refuses_figures_and_may_start_collecting(
    world: World,
):
    fund = await world.fund(requires_consultation=False)
    assert fund["collects_participant_figures"] is False
    app = await approved(world, fund)
    refused = await world.client.put(
        path(app), json={**PROOF, "participants": FIGURES}, headers=world.school()
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "participants"

    changed = await world.client.patch(
        f"/api/v1/funds/{fund['id']}",
        json={"collects_participant_figures": True},
        headers=world.office(),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["collects_participant_figures"] is True
    null = await world.client.patch(
        f"/api/v1/funds/{fund['id']}",
        json={"collects_participant_figures": None},
        headers=world.office(),
    )
    assert null.status_code == 422
    saved = await world.client.put(
        path(app), json={**PROOF, "participants": FIGURES}, headers=world.school()
    )
    assert saved.status_code == 200, saved.text
    updated = await collect_events(
        world.nats_url,
        stream="OFFERS",
        subject="sfs.*.offers.>",
        count=1,
        where=lambda e: (
            about(f"funds/{fund['id']}")(e) and e.data.version == changed.json()["version"]
        ),
    )
    assert updated[0][0].data.collects_participant_figures is True
