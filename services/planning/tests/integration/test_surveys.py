"""Needs surveys against PostgreSQL and a real NATS server: prepared, opened, answered by
invited and anonymous respondents (a repeated answer refused), closed, and their results
against a plain count of what was sent."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

from planning_support import OFFICE, QUESTIONS, SURVEYS, Planning, open_survey, survey_body
from sqlalchemy import text

from schulerfolg_dev.testing.events import about, collect_events


def _answers(rng: random.Random) -> dict[str, Any]:
    """One respondent's answers, drawn from the questions (some optional ones left out)."""
    answers: dict[str, Any] = {
        "themen": rng.sample(["mobbing", "medien", "absentismus", "anderes"], rng.randint(1, 3))
    }
    if rng.random() < 0.8:
        answers["vorrang"] = rng.choice(["mobbing", "uebergaenge"])
    if rng.random() < 0.7:
        answers["bedarf"] = rng.randint(1, 5)
    if rng.random() < 0.3:
        answers["hinweise"] = rng.choice(["Mehr Elternarbeit", "Fortbildung für Lehrkräfte"])
    return answers


def _plain_count(sent: list[dict[str, Any]]) -> dict[str, Any]:
    """What the results must say, counted plainly from the answers sent."""
    topic_of = {("themen", c["key"]): c.get("topic") for c in QUESTIONS[0]["choices"]} | {
        ("vorrang", c["key"]): c.get("topic") for c in QUESTIONS[1]["choices"]
    }
    choices: Counter[tuple[str, str]] = Counter()
    topics: Counter[str] = Counter()
    for answers in sent:
        picked = [("themen", k) for k in answers["themen"]]
        if "vorrang" in answers:
            picked.append(("vorrang", answers["vorrang"]))
        for pick in picked:
            choices[pick] += 1
            if topic_of[pick]:
                topics[topic_of[pick]] += 1
    scale = Counter(a["bedarf"] for a in sent if "bedarf" in a)
    return {"choices": choices, "topics": topics, "scale": scale}


async def test_an_invited_survey_counts_each_invitation_once_and_its_results_match_a_plain_count(
    planning: Planning, nats_url: str
) -> None:
    office = planning.auth(*OFFICE)
    survey_id = await open_survey(planning)
    issued = await planning.client.post(
        f"{SURVEYS}/{survey_id}/invitations", json={"count": 12}, headers=office
    )
    assert issued.status_code == 201, issued.text
    assert issued.headers["cache-control"] == "no-store"
    codes = issued.json()["codes"]
    assert len(set(codes)) == 12

    rng = random.Random(7)
    sent = [_answers(rng) for _ in range(10)]
    for code, answers in zip(codes, sent, strict=False):
        answered = await planning.client.post(
            f"{SURVEYS}/{survey_id}/responses", json={"answers": answers, "invitation": code}
        )
        assert answered.status_code == 201, answered.text

    # the same invitation again: refused, and nothing is counted twice
    again = await planning.client.post(
        f"{SURVEYS}/{survey_id}/responses", json={"answers": sent[0], "invitation": codes[0]}
    )
    assert again.status_code == 409 and again.json()["rule"] == "survey-already-answered"
    # a made-up code and no code at all: 422 naming the field
    for body in ({"answers": sent[0], "invitation": "x" * 22}, {"answers": sent[0]}):
        refused = await planning.client.post(f"{SURVEYS}/{survey_id}/responses", json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "invitation"

    counts = await planning.client.get(f"{SURVEYS}/{survey_id}/invitations", headers=office)
    assert counts.json() == {"survey_id": survey_id, "issued": 12, "used": 10}

    results = (await planning.client.get(f"{SURVEYS}/{survey_id}/results", headers=office)).json()
    plain = _plain_count(sent)
    assert results["responses"] == 10
    by_key = {q["key"]: q for q in results["questions"]}
    for key in ("themen", "vorrang"):
        for choice in by_key[key]["choices"]:
            assert choice["count"] == plain["choices"][(key, choice["key"])], (key, choice)
    assert {s["value"]: s["count"] for s in by_key["bedarf"]["scale"]} == {
        v: plain["scale"][v] for v in range(1, 6)
    }
    assert by_key["themen"]["answered"] == 10
    assert {t["slug"]: t["count"] for t in results["topics"]} == dict(plain["topics"])
    assert sorted(by_key["hinweise"]["texts"]) == sorted(
        a["hinweise"] for a in sent if "hinweise" in a
    )

    csv = await planning.client.get(
        f"{SURVEYS}/{survey_id}/results", headers={**office, "Accept": "text/csv"}
    )
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert f"themen;multiple;mobbing;bullying;{plain['choices'][('themen', 'mobbing')]}" in csv.text

    # closed: the event carries the demand per topic; no more answers
    closed = await planning.client.post(f"{SURVEYS}/{survey_id}/close", headers=office)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    late = await planning.client.post(
        f"{SURVEYS}/{survey_id}/responses", json={"answers": sent[0], "invitation": codes[11]}
    )
    assert late.status_code == 409 and late.json()["type"].endswith("survey-not-open")
    events = await collect_events(
        nats_url,
        stream="PLANNING",
        subject="sfs.boerde.planning.survey.>",
        count=2,
        where=about(f"surveys/{survey_id}"),
    )
    (opened, _), (closing, _) = events
    assert opened.type == "de.schulerfolg.planning.survey.opened.v1"
    assert closing.data.responses == 10
    assert closing.data.topic_demand == dict(plain["topics"])
    assert sorted(closing.data.topics) == [
        "bullying",
        "media-literacy",
        "school-absenteeism",
        "transition",
    ]


async def test_an_anonymous_survey_refuses_a_repeated_answer_with_the_same_ticket(
    planning: Planning,
) -> None:
    survey_id = await open_survey(planning, anonymous=True)
    # a respondent reads the open survey without any token
    form = await planning.client.get(f"{SURVEYS}/{survey_id}")
    assert form.status_code == 200 and form.json()["questions"][0]["key"] == "themen"
    sent = [_answers(random.Random(seed)) for seed in range(5)]
    for answers in sent:
        ticket = await planning.client.post(f"{SURVEYS}/{survey_id}/tickets")
        assert ticket.status_code == 201, ticket.text
        body = {"answers": answers, "ticket": ticket.json()["ticket"]}
        first = await planning.client.post(f"{SURVEYS}/{survey_id}/responses", json=body)
        assert first.status_code == 201, first.text
        repeated = await planning.client.post(f"{SURVEYS}/{survey_id}/responses", json=body)
        assert repeated.status_code == 409, repeated.text
    results = await planning.client.get(
        f"{SURVEYS}/{survey_id}/results", headers=planning.auth(*OFFICE)
    )
    assert results.json()["responses"] == 5
    # an anonymous survey has no invitations; an invited one hands out no tickets
    invitations = await planning.client.post(
        f"{SURVEYS}/{survey_id}/invitations", json={"count": 1}, headers=planning.auth(*OFFICE)
    )
    assert invitations.status_code == 409
    invited = await open_survey(planning)
    assert (await planning.client.post(f"{SURVEYS}/{invited}/tickets")).status_code == 409


async def test_concurrent_answers_with_one_code_count_once(planning: Planning) -> None:
    survey_id = await open_survey(planning)
    (code,) = (
        await planning.client.post(
            f"{SURVEYS}/{survey_id}/invitations", json={"count": 1}, headers=planning.auth(*OFFICE)
        )
    ).json()["codes"]
    body = {"answers": {"themen": ["medien"]}, "invitation": code}
    replies = await asyncio.gather(
        *(planning.client.post(f"{SURVEYS}/{survey_id}/responses", json=body) for _ in range(8))
    )
    assert sorted(r.status_code for r in replies) == [201] + [409] * 7
    results = await planning.client.get(
        f"{SURVEYS}/{survey_id}/results", headers=planning.auth(*OFFICE)
    )
    assert results.json()["responses"] == 1


async def test_answers_that_do_not_fit_the_questions_are_refused_field_by_field(
    planning: Planning,
) -> None:
    survey_id = await open_survey(planning, anonymous=True)
    ticket = (await planning.client.post(f"{SURVEYS}/{survey_id}/tickets")).json()["ticket"]
    wrong = {
        "themen": ["mobbing", "mobbing"],
        "vorrang": "sport",
        "bedarf": 9,
        "unbekannt": "x",
    }
    refused = await planning.client.post(
        f"{SURVEYS}/{survey_id}/responses", json={"answers": wrong, "ticket": ticket}
    )
    assert refused.status_code == 422
    fields = {e["field"] for e in refused.json()["errors"]}
    assert fields == {"answers.themen", "answers.vorrang", "answers.bedarf", "answers.unbekannt"}
    missing = await planning.client.post(
        f"{SURVEYS}/{survey_id}/responses", json={"answers": {}, "ticket": ticket}
    )
    assert [e["field"] for e in missing.json()["errors"]] == ["answers.themen"]
    # the ticket was not spent by the refused answers
    ok = await planning.client.post(
        f"{SURVEYS}/{survey_id}/responses",
        json={"answers": {"themen": ["anderes"]}, "ticket": ticket},
    )
    assert ok.status_code == 201, ok.text


async def test_survey_definitions_are_checked(planning: Planning) -> None:
    office = planning.auth(*OFFICE)
    one_choice = [
        {"key": "a", "text": "?", "kind": "single", "choices": [{"key": "x", "label": "X"}]}
    ]
    cases = [
        survey_body(questions=one_choice),
        survey_body(
            questions=[
                {**QUESTIONS[0], "choices": [{"key": "x", "label": "X", "topic": "fussball"}] * 2}
            ]
        ),
        survey_body(questions=[QUESTIONS[2], QUESTIONS[2]]),
        survey_body(audience=["aliens"]),
        survey_body(opens_on="2027-02-01", closes_on="2027-01-01"),
        survey_body(region="atlantis"),
    ]
    for body in cases:
        refused = await planning.client.post(SURVEYS, json=body, headers=office)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["errors"], refused.text


async def test_offices_see_their_own_region_and_the_state_sees_all(planning: Planning) -> None:
    boerde = await open_survey(planning)
    harz_office = planning.auth("network_office", "harz")
    created = await planning.client.post(
        SURVEYS, json=survey_body(region="harz"), headers=harz_office
    )
    harz = created.json()["id"]
    # another region's office cannot create there, nor read a draft, results or counts
    assert (
        await planning.client.post(SURVEYS, json=survey_body(), headers=harz_office)
    ).status_code == 403
    assert (
        await planning.client.get(f"{SURVEYS}/{harz}", headers=planning.auth(*OFFICE))
    ).status_code == 404
    for path in ("results", "invitations"):
        denied = await planning.client.get(f"{SURVEYS}/{boerde}/{path}", headers=harz_office)
        assert denied.status_code == 403, (path, denied.text)
    listed = await planning.client.get(SURVEYS, headers=harz_office, params={"limit": 100})
    ids = {s["id"] for s in listed.json()["items"]}
    assert harz in ids and boerde not in ids
    state = await planning.client.get(
        SURVEYS, headers=planning.auth("state_coordinator"), params={"limit": 100}
    )
    assert {harz, boerde} <= {s["id"] for s in state.json()["items"]}
    # a school's account may answer but not manage
    assert (
        await planning.client.get(SURVEYS, headers=planning.auth("school", "boerde"))
    ).status_code == 403


async def test_planning_keeps_only_hashes_of_codes_and_no_respondent(planning: Planning) -> None:
    survey_id = await open_survey(planning)
    (code,) = (
        await planning.client.post(
            f"{SURVEYS}/{survey_id}/invitations", json={"count": 1}, headers=planning.auth(*OFFICE)
        )
    ).json()["codes"]
    await planning.client.post(
        f"{SURVEYS}/{survey_id}/responses",
        json={"answers": {"themen": ["medien"]}, "invitation": code},
        headers=planning.auth("school", "boerde", sub="schule-123"),
    )
    db = planning.app.state.runtime.db
    async with db.engine.connect() as connection:
        passes = (await connection.execute(text("SELECT * FROM survey_passes"))).all()
        responses = (await connection.execute(text("SELECT * FROM survey_responses"))).all()
    dumped = repr(passes) + repr(responses)
    assert code not in dumped and "schule-123" not in dumped
    assert responses and all(len(row._mapping) == 4 for row in responses)
