"""ESF+ participant figures in a form (issue 19): the table of the partial
``partials/participant_figures.html`` read back (``esf_<sex>_<age group>``, whole numbers), shown
again as typed, and API refusals of it as German errors. Used by the proof of use and the
events' attendance."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from schulerfolg.participants import AGE_GROUP_LABELS, AGE_GROUPS, MAX_CELL, SEX_LABELS, SEXES
from web.applications.forms import read_count

Errors = list[dict[str, Any]]
CELLS = [(sex, age) for sex in SEXES for age in AGE_GROUPS]
LABELS = {"sexes": SEX_LABELS, "age_groups": AGE_GROUP_LABELS}
WHOLE_NUMBER = "Bitte geben Sie eine ganze Zahl ab 0 an."
TOO_MANY = f"Höchstens {MAX_CELL:,} Personen je Feld.".replace(",", ".")
MISSING = "Bitte geben Sie die Teilnehmenden nach Geschlecht und Altersgruppe an."
NOT_COLLECTED = "Für dieses Angebot werden keine ESF+-Teilnehmendendaten erfasst."


def read(form: FormData) -> dict[str, str]:
    """The cells as typed: ``<sex>_<age group>`` → text."""
    values = {}
    for sex, age in CELLS:
        value = form.get(f"esf_{sex}_{age}")
        values[f"{sex}_{age}"] = value.strip() if isinstance(value, str) else ""
    return values


def of_figures(figures: dict[str, dict[str, int]] | None) -> dict[str, str]:
    """The stored figures as the table shows them (zeros and missing cells empty)."""
    figures = figures or {}
    return {f"{sex}_{age}": str((figures.get(sex) or {}).get(age) or "") for sex, age in CELLS}


def body(values: dict[str, str]) -> tuple[dict[str, dict[str, int]] | None, Errors]:
    """The API's ParticipantFigures (only the cells above 0; None when nothing was typed), or
    German errors beside the cells."""
    errors: Errors = []
    figures: dict[str, dict[str, int]] = {}
    typed = False
    for sex, age in CELLS:
        name = f"esf_{sex}_{age}"
        try:
            count = read_count(values.get(f"{sex}_{age}", ""))
        except ValueError:
            errors.append({"field": name, "message": WHOLE_NUMBER})
            continue
        if count is None:
            continue
        typed = True
        if count > MAX_CELL:
            errors.append({"field": name, "message": TOO_MANY})
        elif count:
            figures.setdefault(sex, {})[age] = count
    return (figures if typed else None), errors


def page_error(location: str, rule: str) -> dict[str, Any]:
    """An API error about ``participants`` (or a cell of it) as a German error beside the
    table or the cell."""
    parts = location.split(".")
    if len(parts) >= 2 and parts[-2] in SEX_LABELS and parts[-1] in AGE_GROUP_LABELS:
        return {"field": f"esf_{parts[-2]}_{parts[-1]}", "message": WHOLE_NUMBER}
    if rule == "participant-figures-not-collected":
        return {"field": "esf", "message": NOT_COLLECTED}
    return {"field": "esf", "message": MISSING}
