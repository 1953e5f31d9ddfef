"""The housekeeping drops anonymous survey tickets nobody needs: unused ones after
``survey_ticket_hours``, all of a closed survey; a used ticket of an open survey stays and still
refuses the same form sent again."""

from __future__ import annotations

from typing import Any

from planning_support import OFFICE, SURVEYS, Planning, open_survey
from sqlalchemy import text

ANSWERS = {"themen": ["medien"]}


async def _tickets(planning: Planning) -> dict[str, int]:
    async with planning.runtime.db.transaction(readonly=True) as session:
        rows = await session.execute(
            text("SELECT used_at IS NULL AS unused, count(*) FROM survey_passes GROUP BY 1")
        )
        return {("unused" if unused else "used"): n for unused, n in rows.all()}


async def _ticket(planning: Planning, survey_id: str) -> str:
    issued = await planning.client.post(f"{SURVEYS}/{survey_id}/tickets")
    assert issued.status_code == 201, issued.text
    ticket: str = issued.json()["ticket"]
    return ticket


async def _answer(planning: Planning, survey_id: str, ticket: str) -> Any:
    return await planning.client.post(
        f"{SURVEYS}/{survey_id}/responses", json={"answers": ANSWERS, "ticket": ticket}
    )


async def test_fresh_tickets_stay(planning: Planning) -> None:
    survey_id = await open_survey(planning, anonymous=True)
    for _ in range(3):
        await _ticket(planning, survey_id)
    assert planning.settings.survey_ticket_hours == 48
    assert (await planning.runtime.housekeeping.purge()).duties == {"survey_tickets": 0}
    assert await _tickets(planning) == {"unused": 3}


async def test_stale_unused_tickets_go_and_a_closed_survey_keeps_none(planning_on: Any) -> None:
    # the housekeeping runs as if three days had passed: every ticket issued now is stale
    planning: Planning = await planning_on("postgresql", retention_clock_offset_days=3)
    survey_id = await open_survey(planning, anonymous=True)
    used, stale = await _ticket(planning, survey_id), await _ticket(planning, survey_id)
    for _ in range(4):
        await _ticket(planning, survey_id)
    assert (await _answer(planning, survey_id, used)).status_code == 201

    assert (await planning.runtime.housekeeping.purge()).duties == {"survey_tickets": 5}
    assert await _tickets(planning) == {"used": 1}
    again = await _answer(planning, survey_id, used)
    assert again.status_code == 409, again.text  # the used ticket still refuses a repeat
    expired = await _answer(planning, survey_id, stale)
    assert expired.status_code == 422, expired.text
    assert expired.json()["errors"][0]["field"] == "ticket"

    closed = await planning.client.post(
        f"{SURVEYS}/{survey_id}/close", headers=planning.auth(*OFFICE)
    )
    assert closed.status_code == 200, closed.text
    assert (await planning.runtime.housekeeping.purge()).duties == {"survey_tickets": 1}
    assert await _tickets(planning) == {}
    survey = await planning.client.get(f"{SURVEYS}/{survey_id}", headers=planning.auth(*OFFICE))
    assert survey.json()["responses"] == 1  # the count of answers is untouched
