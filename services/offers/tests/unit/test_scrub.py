"""Replacing a person's values in free texts: whole words, any case, nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

from offers.privacy.service import PLACEHOLDER, scrub, years_before


def test_every_value_is_replaced_in_any_case_but_not_inside_other_words():
    values = ["anna.mueller@schule.example", "Anna Müller", "03904 1234"]
    text = "Anna Müller (anna.mueller@schule.example, 03904 1234); ANNA MÜLLER; Annabell Müllerin"
    assert scrub(text, values) == (
        f"{PLACEHOLDER} ({PLACEHOLDER}, {PLACEHOLDER}); {PLACEHOLDER}; Annabell Müllerin"
    )
    assert scrub(None, values) is None
    assert scrub("Nichts davon", values) == "Nichts davon"


def test_five_years_before_a_leap_day_is_the_28th_of_february():
    assert years_before(datetime(2032, 2, 29, 12, tzinfo=UTC), 5) == datetime(
        2027, 2, 28, 12, tzinfo=UTC
    )
    assert years_before(datetime(2031, 12, 4, tzinfo=UTC), 5) == datetime(2026, 12, 4, tzinfo=UTC)
