"""The application status machine and the request schemas, without a database."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from offers.applications.rules import MOVES, ensure_move
from offers.applications.schemas import ApplicationCreate
from offers.common import TOPICS
from offers.models import Application
from schulerfolg.http.problems import Conflict

STATUSES = (
    "draft",
    "submitted",
    "returned",
    "approved",
    "rejected",
    "reported",
    "completed",
    "withdrawn",
)


@pytest.mark.parametrize("action", sorted(MOVES))
@pytest.mark.parametrize("status", STATUSES)
def test_a_move_is_allowed_exactly_from_its_statuses_and_a_refusal_names_the_rule(action, status):
    allowed, _ = MOVES[action]
    application = Application(status=status)

    if status in allowed:
        ensure_move(application, action)
    else:
        with pytest.raises(Conflict) as refused:
            ensure_move(application, action)
        assert refused.value.status == 409
        assert refused.value.rule == f"{action}-only-when-{'-or-'.join(sorted(allowed))}"
        assert status in str(refused.value.detail)


def _draft(**changes):
    return {
        "fund_id": str(uuid.uuid4()),
        "school_ids": [str(uuid.uuid4())],
        "title": "Projekt",
    } | changes


def test_a_draft_needs_only_fund_school_and_title():
    assert ApplicationCreate.model_validate(_draft()).topics == []


@pytest.mark.parametrize(
    "changes",
    [
        {"school_ids": []},
        {"school_ids": [str(uuid.UUID(int=1))] * 2},
        {"topics": ["kein-thema"]},
        {"topics": [next(iter(TOPICS))] * 2},
        {"target_groups": ["pupils", "pupils"]},
        {"budget_lines": [{"category": "snacks", "description": "x", "amount_cents": 1}]},
        {"surprise": 1},
    ],
    ids=[
        "no-school",
        "school-twice",
        "unknown-topic",
        "topic-twice",
        "group-twice",
        "bad-category",
        "unknown-field",
    ],
)
def test_a_draft_with_bad_content_is_refused_by_the_schema(changes):
    with pytest.raises(ValidationError):
        ApplicationCreate.model_validate(_draft(**changes))
