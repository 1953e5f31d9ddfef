"""What the agreement pages ask planning (with the office's token), and planning's refusals as
German errors beside the forms' fields."""

from __future__ import annotations

import re
from typing import Any

from web.applications.forms import version_header
from web.auth.schemas import User
from web.site.catalogue import rule_error, table_errors
from web.site.client import Api, ApiError

Errors = list[dict[str, Any]]

# planning's field location of an agreement → (form field, German sentence); the first full match
# wins.
FIELDS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(p), f, s)
    for p, f, s in [
        (r"title", "title", "Bitte geben Sie einen Titel an (höchstens 300 Zeichen)."),
        (r"region", "region", "Bitte wählen Sie eine Region."),
        (r"period_start", "period_start", "Bitte geben Sie den Beginn als Datum an."),
        (r"period_end|body", "period_end", "Das Ende darf nicht vor dem Beginn liegen."),
        (
            r"parties.*",
            "providers",
            "Bitte nennen Sie die Beteiligten mit Namen (je höchstens 300 Zeichen).",
        ),
        (
            r"goals\.(\d+)\.title",
            "goals-{0}-title",
            "Bitte geben Sie das Ziel an (höchstens 300 Zeichen).",
        ),
        (r"goals\.(\d+)\.indicator", "goals-{0}-indicator", "Bitte wählen Sie einen Indikator."),
        (
            r"goals\.(\d+)\.target",
            "goals-{0}-target",
            "Bitte geben Sie den Sollwert als ganze Zahl größer als 0 an.",
        ),
        (r"goals.*", "goals", "Bitte nennen Sie 1 bis 50 Ziele mit verschiedenem Titel."),
    ]
]
VALUE_MESSAGES = {
    "as_of": ("as_of", "Der Stichtag muss im Zeitraum der Vereinbarung liegen."),
    "value": ("value", "Bitte geben Sie den Wert als ganze Zahl ab 0 an."),
    "note": ("note", "Die Bemerkung ist zu lang (höchstens 1.000 Zeichen)."),
}
NOT_MANUAL = (
    "Dieses Ziel wird aus dem gezählt, was im Netzwerk geschieht; Werte von Hand nimmt es nicht."
)
CLOSED = "Die Zielvereinbarung ist abgeschlossen; es können keine Werte mehr erfasst werden."
UNCHANGEABLE = "Die Zielvereinbarung ist abgeschlossen und lässt sich nicht mehr ändern."
CHANGED = (
    "Die Zielvereinbarung wurde inzwischen geändert. Sie sehen jetzt den aktuellen Stand; bitte "
    "tragen Sie Ihre Änderung noch einmal ein."
)


def errors_of(exc: ApiError) -> Errors:
    """planning's refusal of an agreement as page errors beside the form's fields."""
    if exc.rule == "agreement-closed":
        return [{"field": None, "message": UNCHANGEABLE}]
    return table_errors(exc, FIELDS)


def value_errors(exc: ApiError, goal_key: str) -> Errors:
    """planning's refusal of a value entered by hand as errors beside that goal's fields."""
    errors: Errors = []
    for item in exc.field_errors:
        location = str(item.get("field") or "")
        if location == "goal_key":
            errors.append({"field": None, "message": NOT_MANUAL})
        elif location in VALUE_MESSAGES:
            part, message = VALUE_MESSAGES[location]
            errors.append({"field": f"wert-{goal_key}-{part}", "message": message})
    if errors:
        return errors
    if exc.status == 409:
        return [{"field": None, "message": CLOSED}]
    return [rule_error(exc.rule, exc.status)]


async def agreements(api: Api, user: User) -> list[dict[str, Any]]:
    found = await api.all_items("planning", "/agreements", token=user.token)
    return sorted(found, key=lambda a: (str(a["period_start"]), str(a["title"])), reverse=True)


async def agreement(api: Api, user: User, agreement_id: str) -> dict[str, Any]:
    return await api.get("planning", f"/agreements/{agreement_id}", token=user.token)  # type: ignore[no-any-return]


async def create(api: Api, user: User, body: dict[str, Any], key: str) -> dict[str, Any]:
    reply = await api.call(
        "POST",
        "planning",
        "/agreements",
        token=user.token,
        json=body,
        headers={"Idempotency-Key": key},
    )
    return reply.body  # type: ignore[no-any-return]


async def update(
    api: Api, user: User, agreement_id: str, body: dict[str, Any], version: str
) -> None:
    """Change an agreement (all fields but its region) as of ``version`` (``If-Match``: 412
    when someone changed it meanwhile)."""
    changes = {name: value for name, value in body.items() if name != "region"}
    await api.call(
        "PATCH",
        "planning",
        f"/agreements/{agreement_id}",
        token=user.token,
        json=changes,
        headers=version_header(version),
    )


async def close(api: Api, user: User, agreement_id: str) -> None:
    await api.call("POST", "planning", f"/agreements/{agreement_id}/close", token=user.token)


async def enter_value(api: Api, user: User, agreement_id: str, body: dict[str, Any]) -> None:
    await api.call(
        "POST", "planning", f"/agreements/{agreement_id}/values", token=user.token, json=body
    )


async def progress(api: Api, user: User, agreement_id: str, *, csv: bool = False) -> Any:
    accept = "text/csv" if csv else "application/json"
    return await api.get(
        "planning", f"/agreements/{agreement_id}/progress", token=user.token, accept=accept
    )
