"""Response bodies of the ESF+ indicators: participant figures per group and for the programme,
small counts suppressed."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from schulerfolg.participants import AgeGroup, Sex

HIDDEN = "x"  # a suppressed count in the CSV (and on the pages)
SUPPRESSED_DOC = "Hidden to protect small numbers (1–4, or to keep such a count from showing)."


class Period(BaseModel):
    """The days the figures cover (both included)."""

    start: date
    end: date


class Figure(BaseModel):
    """A count of participants, or null where it is suppressed."""

    count: int | None
    suppressed: bool = Field(description=SUPPRESSED_DOC)


class Cell(BaseModel):
    """Participants of one sex and one age group."""

    sex: Sex
    sex_label: str
    age_group: AgeGroup
    age_group_label: str
    count: int | None
    suppressed: bool = Field(description=SUPPRESSED_DOC)


class SexFigure(BaseModel):
    """Participants of one sex (every age group)."""

    sex: Sex
    label: str
    count: int | None
    suppressed: bool = Field(description=SUPPRESSED_DOC)


class AgeGroupFigure(BaseModel):
    """Participants of one age group (every sex)."""

    age_group: AgeGroup
    label: str
    count: int | None
    suppressed: bool = Field(description=SUPPRESSED_DOC)


class Group(BaseModel):
    """The projects of one fund, or the events of one kind, in one region."""

    region: str | None = Field(description="Region slug, or null for the state level.")
    source: Literal["project", "meeting"] = Field(
        description="`project`: accepted proofs of use; `meeting`: events' recorded attendance."
    )
    fund_id: uuid.UUID | None = None
    fund_name: str | None = None
    meeting_kind: str | None = None
    records: int = Field(description="Projects or events counted.")
    participants: Figure = Field(description="Participants with ESF+ figures (the cells' sum).")
    participants_without_figures: Figure = Field(
        description="Participants of events that recorded only a head count (no breakdown)."
    )
    cells: list[Cell]


class Programme(BaseModel):
    """The whole selection: by sex, by age group, in total."""

    participants: Figure
    participants_without_figures: Figure
    by_sex: list[SexFigure]
    by_age_group: list[AgeGroupFigure]


class Indicators(BaseModel):
    """ESF+ participant figures for a period: aggregates only, small counts suppressed."""

    period: Period
    region: str | None = Field(
        description="The region selected (`state`: state-level events), or null for all."
    )
    fund_id: uuid.UUID | None = None
    suppressed_below: int = Field(description="Counts from 1 up to this value minus 1 are hidden.")
    groups: list[Group]
    programme: Programme

    def csv_rows(self) -> tuple[list[str], list[list[object]]]:
        """One row per group and cell, German headings; a suppressed count reads ``x`` (the
        sign official statistics use for a cell kept secret)."""
        header = [
            "Region",
            "Quelle",
            "Förderfonds",
            "Veranstaltungsart",
            "Geschlecht",
            "Altersgruppe",
            "Anzahl",
        ]
        hidden = HIDDEN
        rows: list[list[object]] = [
            [
                group.region or "landesweit",
                "Projekt" if group.source == "project" else "Veranstaltung",
                group.fund_name or group.fund_id or "",
                group.meeting_kind or "",
                cell.sex_label,
                cell.age_group_label,
                hidden if cell.suppressed else cell.count,
            ]
            for group in self.groups
            for cell in group.cells
        ]
        return header, rows
