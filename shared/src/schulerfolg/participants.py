"""ESF+ participant figures: how many took part, by sex and age group (Regulation (EU) 2021/1057,
Annex I). Aggregates only — a table of counts, never a record per person.

A fund (offers) or an event (meetings) that collects them says so
(``collects_participant_figures``); offers' proof of use and meetings' attendance then carry a
``ParticipantFigures`` table, and planning sums them. Cells left out count 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import Field, RootModel

Sex = Literal["female", "male", "diverse", "not_stated"]
AgeGroup = Literal["under_18", "18_29", "30_54", "55_plus"]
SEXES: tuple[Sex, ...] = ("female", "male", "diverse", "not_stated")
AGE_GROUPS: tuple[AgeGroup, ...] = ("under_18", "18_29", "30_54", "55_plus")

SEX_LABELS: dict[str, str] = {
    "female": "weiblich",
    "male": "männlich",
    "diverse": "divers",
    "not_stated": "keine Angabe",
}
AGE_GROUP_LABELS: dict[str, str] = {
    "under_18": "unter 18 Jahre",
    "18_29": "18 bis 29 Jahre",
    "30_54": "30 bis 54 Jahre",
    "55_plus": "55 Jahre und älter",
}

# The most participants one cell may name (one project or event; a guard against typos).
MAX_CELL = 100_000

Count = Annotated[int, Field(ge=0, le=MAX_CELL)]


class ParticipantFigures(RootModel[dict[Sex, dict[AgeGroup, Count]]]):
    """Participants by sex → age group → count, e.g.
    ``{"female": {"under_18": 12}, "male": {"under_18": 9, "30_54": 1}}``."""

    def cells(self) -> Iterator[tuple[Sex, AgeGroup, int]]:
        """Every cell of the table, zeros included, in the order of ``SEXES`` × ``AGE_GROUPS``."""
        for sex in SEXES:
            row = self.root.get(sex, {})
            for age in AGE_GROUPS:
                yield sex, age, row.get(age, 0)

    def total(self) -> int:
        """All participants counted in the table."""
        return sum(count for _sex, _age, count in self.cells())
