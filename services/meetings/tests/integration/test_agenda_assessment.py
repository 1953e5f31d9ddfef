"""The network office's assessment (``offers.application.assessed``) shows on the application's
agenda item: recommendation, recommended amount and score; a newer assessment wins, an older
one delivered late does not roll it back."""

from __future__ import annotations

from typing import Any

from meetings_support import agenda, create_committee, create_session, submitted_event

from schulerfolg.events import CloudEvent
from schulerfolg.events.offers import ApplicationAssessed
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import publish_events, wrap


def assessed_event(
    application: CloudEvent[Any],
    *,
    version: int,
    recommendation: str,
    cents: int | None,
    score: int,
) -> CloudEvent[Any]:
    payload = ApplicationAssessed(
        version=version,
        id=application.data.id,
        fund_id=application.data.fund_id,
        region="boerde",
        recommendation=recommendation,
        recommended_cents=cents,
        score=score,
    )
    return wrap(payload, entity_id=str(payload.id), region="boerde")


async def test_the_agenda_item_shows_the_latest_assessment(meetings, nats_url):
    committee = await create_committee(meetings)
    session = await create_session(meetings, committee["id"], days=10)
    submitted = submitted_event(committee["id"], version=2)
    other = submitted_event(committee["id"], version=2)
    await publish_events(nats_url, [submitted, other])

    async def items() -> list[dict[str, Any]] | None:
        found = await agenda(meetings, session["id"])
        return found if len(found) == 2 else None

    listed = await eventually(items)
    assert all(i["recommendation"] is None and i["assessment_score"] is None for i in listed)

    first = assessed_event(submitted, version=3, recommendation="approve", cents=200_000, score=69)
    second = assessed_event(submitted, version=4, recommendation="return", cents=None, score=40)
    await publish_events(nats_url, [first, second])

    async def assessed() -> dict[str, Any] | None:
        for item in await agenda(meetings, session["id"]):
            if item["application_id"] == str(submitted.data.id) and item["assessment_score"] == 40:
                return item
        return None

    item = await eventually(assessed)
    assert (item["recommendation"], item["recommended_cents"]) == ("return", None)

    # the older assessment delivered again (before another application's) does not roll it back
    replay = wrap(first.data, entity_id=str(submitted.data.id), region="boerde")
    marker = assessed_event(other, version=3, recommendation="reject", cents=None, score=10)
    await publish_events(nats_url, [replay, marker])

    async def marked() -> list[dict[str, Any]] | None:
        found = await agenda(meetings, session["id"])
        return found if any(i["assessment_score"] == 10 for i in found) else None

    by_id = {i["application_id"]: i for i in await eventually(marked)}
    kept = by_id[str(submitted.data.id)]
    assert (kept["recommendation"], kept["assessment_score"]) == ("return", 40)
    assert by_id[str(other.data.id)]["recommendation"] == "reject"
