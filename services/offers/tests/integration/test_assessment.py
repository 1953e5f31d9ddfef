"""The network office's assessment of a submitted application: criteria of the fund, the
weighted score, the recommendation, who may write and read it, its event and audit entry."""

from __future__ import annotations

from typing import Any

from offers_support import World

from schulerfolg_dev.testing.events import about, collect_events

CRITERIA = [
    {"name": "Bedarf", "weight": 3, "max_points": 5},
    {"name": "Qualität", "weight": 2, "max_points": 10},
    {"name": "Nachhaltigkeit", "weight": 1, "max_points": 4},
]


def _body(**fields: Any) -> dict[str, Any]:
    return {
        "scores": [
            {"criterion": "Bedarf", "points": 4},
            {"criterion": "Qualität", "points": 7},
            {"criterion": "Nachhaltigkeit", "points": 1},
        ],
        "recommendation": "approve",
        "recommended_cents": 80_000,
        "notes": "Gut begründet, Material kürzen.",
        **fields,
    }


async def _put(world: World, app: dict[str, Any], body: Any, headers: dict[str, str]) -> Any:
    return await world.client.put(
        f"/api/v1/applications/{app['id']}/assessment", json=body, headers=headers
    )


async def test_the_office_assesses_with_a_weighted_score_and_an_event(world: World):
    fund = await world.fund(requires_consultation=False, assessment_criteria=CRITERIA)
    assert fund["assessment_criteria"] == CRITERIA
    app = await world.submitted(fund)  # requests 100,000 cents
    url = f"/api/v1/applications/{app['id']}/assessment"
    assert (await world.client.get(url, headers=world.office())).status_code == 404

    response = await world.client.put(
        url, json=_body(), headers={**world.office(), "If-Match": f'"{app["version"]}"'}
    )
    assert response.status_code == 200, response.text
    assessed = response.json()
    # (3·4 + 2·7 + 1·1) / (3·5 + 2·10 + 1·4) · 100 = 27 / 39 · 100 = 69.23 → 69
    assert assessed["score"] == 69
    assert assessed["recommendation"] == "approve"
    assert assessed["recommended_cents"] == 80_000
    assert assessed["version"] == app["version"] + 1
    assert response.headers["etag"] == f'"{app["version"] + 1}"'
    assert [s["criterion"] for s in assessed["scores"]] == ["Bedarf", "Qualität", "Nachhaltigkeit"]
    assert assessed["scores"][1] == {
        "criterion": "Qualität",
        "weight": 2,
        "max_points": 10,
        "points": 7,
    }

    # a stale version is refused; the current one goes through and replaces the assessment
    stale = await world.client.put(
        url, json=_body(), headers={**world.office(), "If-Match": f'"{app["version"]}"'}
    )
    assert stale.status_code == 412
    again = await world.client.put(
        url,
        json=_body(recommendation="return", recommended_cents=50_000),
        headers={**world.office(), "If-Match": response.headers["etag"]},
    )
    assert again.status_code == 200, again.text
    assert again.json()["recommendation"] == "return"
    assert again.json()["recommended_cents"] is None

    # readers: the steering group sees notes, the applying school sees the result without them
    steering = (await world.client.get(url, headers=world.steering())).json()
    assert steering["notes"] == "Gut begründet, Material kürzen." and steering["score"] == 69
    school = await world.client.get(url, headers=world.school())
    assert school.status_code == 200 and school.json()["notes"] is None
    assert (await world.client.get(url, headers=world.office("harz"))).status_code == 404

    events = await collect_events(
        world.nats_url,
        stream="OFFERS",
        subject="sfs.*.offers.application.assessed",
        count=2,
        where=about(f"applications/{app['id']}"),
    )
    assert [e.data.recommendation for e, _ in events] == ["approve", "return"]
    first = events[0][0]
    assert first.region == "boerde"
    assert (first.data.score, first.data.recommended_cents) == (69, 80_000)
    assert first.data.version == app["version"] + 1
    payload = first.data.model_dump_json()
    assert "Anna" not in payload and "schule.example" not in payload and "Material" not in payload

    audit = await world.client.get(
        "/api/v1/audit", params={"resource": f"applications/{app['id']}"}, headers=world.state()
    )
    assert "application.assessed" in [e["action"] for e in audit.json()["items"]]


async def test_who_may_assess_and_when(world: World):
    fund = await world.fund(requires_consultation=False, assessment_criteria=CRITERIA)
    draft = await world.draft(fund)
    response = await _put(world, draft, _body(), world.office())
    assert response.status_code == 409
    assert response.json()["rule"] == "assess-only-when-submitted"

    app = await world.submitted(fund)
    assert (await _put(world, app, _body(), world.school())).status_code == 403
    assert (await _put(world, app, _body(), world.steering())).status_code == 403
    assert (await _put(world, app, _body(), world.office("harz"))).status_code == 404
    assert (await _put(world, app, _body(), world.state())).status_code == 200


async def test_scores_and_amounts_are_checked(world: World):
    fund = await world.fund(requires_consultation=False, assessment_criteria=CRITERIA)
    app = await world.submitted(fund)

    async def errors(body: dict[str, Any]) -> list[tuple[str, str]]:
        response = await _put(world, app, body, world.office())
        assert response.status_code == 422, response.text
        return [(e["field"], e["type"]) for e in response.json()["errors"]]

    scores = _body()["scores"]
    assert await errors(_body(scores=scores[:2])) == [("scores", "criterion_missing")]
    too_high = [scores[0], {"criterion": "Qualität", "points": 11}, scores[2]]
    assert await errors(_body(scores=too_high)) == [("scores[1].points", "points_out_of_scale")]
    unknown = [*scores, {"criterion": "Schönheit", "points": 1}]
    assert await errors(_body(scores=unknown)) == [("scores[3].criterion", "criterion_unknown")]
    assert await errors(_body(recommended_cents=None)) == [("recommended_cents", "amount_missing")]
    assert await errors(_body(recommended_cents=100_001)) == [
        ("recommended_cents", "amount_above_requested")
    ]
    assert (
        await _put(world, app, _body(recommendation="maybe"), world.office())
    ).status_code == 422
    assert (
        await _put(world, app, _body(recommended_cents=100_000), world.office())
    ).status_code == 200


async def test_a_fund_without_criteria_gives_no_score(world: World):
    fund = await world.fund(requires_consultation=False)
    app = await world.submitted(fund)
    response = await _put(
        world, app, {"recommendation": "reject", "notes": "Kein Schulbezug."}, world.office()
    )
    assert response.status_code == 200, response.text
    assert response.json()["score"] is None and response.json()["scores"] == []


async def test_criteria_are_validated_on_the_fund(world: World):
    async def refused(criteria: list[dict[str, Any]]) -> int:
        response = await world.client.post(
            "/api/v1/funds",
            json={
                "name": "Fonds",
                "region": "boerde",
                "period_start": "2027-01-01",
                "period_end": "2027-12-31",
                "budget_cents": 1000,
                "assessment_criteria": criteria,
            },
            headers=world.office(),
        )
        return response.status_code

    assert await refused([{"name": "Bedarf", "weight": 0, "max_points": 5}]) == 422
    assert await refused([{"name": "Bedarf", "weight": 1, "max_points": 0}]) == 422
    assert await refused([{"name": "Bedarf", "weight": 1, "max_points": 101}]) == 422
    twice = [{"name": "Bedarf", "weight": 1, "max_points": 5}] * 2
    assert await refused(twice) == 422
    fund = await world.fund()
    response = await world.client.patch(
        f"/api/v1/funds/{fund['id']}",
        json={"assessment_criteria": CRITERIA[:1]},
        headers=world.office(),
    )
    assert response.status_code == 200 and response.json()["assessment_criteria"] == CRITERIA[:1]
