"""The assessment form: what a posted form says, what offers is sent, and the German errors.

Fields: ``points-<n>`` for the fund's n-th criterion (from 1), ``recommendation``
(``approve``, ``reject``, ``return``), ``recommended`` (euros, „1.234,50“) and ``notes``.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData

from web.site.formatting import euro, parse_euro

RECOMMENDATIONS = {
    "approve": "Bewilligen",
    "reject": "Ablehnen",
    "return": "Zur Überarbeitung zurückgeben",
}
MAX_CENTS = 1_000_000_000
_SCORE_FIELD = re.compile(r"^scores\[(\d+)\]\.(points|criterion)$")


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _points_error(number: int, criterion: dict[str, Any]) -> dict[str, Any]:
    return {
        "field": f"points-{number}",
        "message": f"Bitte vergeben Sie für „{criterion['name']}“ eine ganze Zahl von 0 bis "
        f"{criterion['max_points']} Punkten.",
    }


def _amount_error(message: str) -> dict[str, Any]:
    return {"field": "recommended", "message": message}


def amount_above(requested_cents: int) -> dict[str, Any]:
    return _amount_error(
        f"Der empfohlene Betrag darf höchstens die beantragte Summe von "
        f"{euro(requested_cents)} sein."
    )


def body(
    form: FormData, criteria: list[dict[str, Any]], requested_cents: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The PUT body and the errors found before asking offers."""
    errors: list[dict[str, Any]] = []
    scores = []
    for number, criterion in enumerate(criteria, start=1):
        typed = _text(form, f"points-{number}")
        if not typed.isdigit() or int(typed) > int(criterion["max_points"]):
            errors.append(_points_error(number, criterion))
            continue
        scores.append({"criterion": criterion["name"], "points": int(typed)})
    recommendation = _text(form, "recommendation")
    if recommendation not in RECOMMENDATIONS:
        errors.append({"field": "recommendation", "message": "Bitte wählen Sie eine Empfehlung."})
    sent: dict[str, Any] = {
        "scores": scores,
        "recommendation": recommendation,
        "notes": _text(form, "notes") or None,
    }
    if recommendation == "approve":
        typed = _text(form, "recommended")
        try:
            cents = parse_euro(typed) if typed else None
        except ValueError:
            cents = -1
        if cents is None:
            errors.append(
                _amount_error(
                    "Bitte geben Sie den empfohlenen Betrag in Euro an, z. B. „1.234,50“."
                )
            )
        elif cents < 0:
            errors.append(
                _amount_error("Bitte geben Sie den Betrag in Euro mit Komma an, z. B. „1.234,50“.")
            )
        elif cents == 0:
            errors.append(_amount_error("Der empfohlene Betrag muss größer als 0 € sein."))
        elif cents > MAX_CENTS:
            errors.append(_amount_error("Der Betrag darf höchstens 10.000.000,00 € sein."))
        elif cents > requested_cents:
            errors.append(amount_above(requested_cents))
        else:
            sent["recommended_cents"] = cents
    return sent, errors


def refusal_errors(
    problem_errors: list[dict[str, Any]], criteria: list[dict[str, Any]], requested_cents: int
) -> list[dict[str, Any]]:
    """offers' field errors as German errors beside the form's fields."""
    errors: list[dict[str, Any]] = []
    for item in problem_errors:
        field, kind = str(item.get("field") or ""), str(item.get("type") or "")
        found = _SCORE_FIELD.match(field)
        if found and int(found.group(1)) < len(criteria):
            number = int(found.group(1)) + 1
            errors.append(_points_error(number, criteria[number - 1]))
        elif field.startswith("scores") and criteria:
            errors.append(_points_error(1, criteria[0]))
        elif kind == "amount_above_requested":
            errors.append(amount_above(requested_cents))
        elif field == "recommended_cents":
            errors.append(
                _amount_error(
                    "Bitte geben Sie den empfohlenen Betrag in Euro an, z. B. „1.234,50“."
                )
            )
        elif field == "recommendation":
            errors.append(
                {"field": "recommendation", "message": "Bitte wählen Sie eine Empfehlung."}
            )
        else:
            errors.append({"field": None, "message": "Bitte prüfen Sie die Bewertung."})
    return errors
