"""What the fund pages ask offers and meetings (with the signed-in person's token), and offers'
refusals of a fund as German errors beside the form's fields."""

from __future__ import annotations

import re
from typing import Any

from web.applications.forms import version_header
from web.auth.schemas import User
from web.office.service import Budget
from web.registry.service import may_manage
from web.site.catalogue import match_location, rule_error
from web.site.client import Api, ApiError

Errors = list[dict[str, Any]]

CHANGED = (
    "Der Förderfonds wurde inzwischen von jemand anderem geändert. Ihre Eingaben sind erhalten; "
    "bitte prüfen Sie sie und speichern Sie noch einmal."
)

# offers' field location → (form field, German sentence); the first full match wins.
FIELDS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(p), f, s)
    for p, f, s in [
        (r"name", "name", "Bitte geben Sie einen Namen an (höchstens 300 Zeichen)."),
        (r"kind", "kind", "Bitte wählen Sie die Art des Fonds."),
        (r"region", "region", "Bitte wählen Sie eine Region."),
        (r"period_start", "period_start", "Bitte geben Sie den Beginn als Datum an."),
        (r"period_end|body", "period_end", "Das Ende darf nicht vor dem Beginn liegen."),
        (r"budget_cents", "budget", "Bitte geben Sie ein Budget ab 0 Euro an."),
        (r"deciding_committee_id", "deciding_committee_id", "Bitte wählen Sie ein Gremium."),
        (
            r"payment_rule(\.advance_percent)?",
            "advance_percent",
            "Der Vorschuss muss zwischen 0 und 100 Prozent liegen.",
        ),
        (
            r"proof_of_use_weeks",
            "proof_of_use_weeks",
            "Die Frist muss zwischen 0 und 104 Wochen liegen.",
        ),
        (
            r"assessment_criteria\.(\d+)\.name",
            "criteria-{0}-name",
            "Bitte benennen Sie das Kriterium (höchstens 300 Zeichen).",
        ),
        (
            r"assessment_criteria\.(\d+)\.weight",
            "criteria-{0}-weight",
            "Das Gewicht muss eine ganze Zahl von 1 bis 1000 sein.",
        ),
        (
            r"assessment_criteria\.(\d+)\.max_points",
            "criteria-{0}-max_points",
            "Die Höchstpunktzahl muss zwischen 1 und 100 liegen.",
        ),
        (
            r"assessment_criteria.*",
            "criteria",
            "Jedes Kriterium braucht einen eigenen Namen (höchstens 30 Kriterien).",
        ),
        (
            r"funding_sources\.(\d+)\.name",
            "sources-{0}-name",
            "Bitte nennen Sie den Mittelgeber (höchstens 300 Zeichen).",
        ),
        (
            r"funding_sources\.(\d+)\.share_percent",
            "sources-{0}-share",
            "Der Anteil muss zwischen 1 und 100 Prozent liegen.",
        ),
        (
            r"funding_sources.*",
            "sources",
            "Jeder Mittelgeber braucht einen eigenen Namen, und die Anteile müssen zusammen "
            "100 Prozent ergeben.",
        ),
    ]
]
RULE_FIELDS = {
    "budget-below-approved": "budget",
    "committee-unknown": "deciding_committee_id",
    "committee-other-region": "deciding_committee_id",
}


def errors_of(exc: ApiError) -> Errors:
    """offers' refusal of a fund as page errors beside the form's fields."""
    if exc.status == 412:
        return [{"field": None, "message": CHANGED}]
    errors: Errors = []
    for item in exc.field_errors:
        location, kind = str(item.get("field") or ""), str(item.get("type") or "")
        found = _field_error(location, kind)
        if found and found not in errors:
            errors.append(found)
    if errors:
        return errors
    error = rule_error(exc.rule, exc.status)
    field = RULE_FIELDS.get(exc.rule or "")
    return [{**error, "field": field or error["field"]}]


def _field_error(location: str, kind: str) -> dict[str, Any] | None:
    if kind == "funding_sources_sum":
        return {
            "field": "sources",
            "message": "Die Anteile der Mittelgeber müssen zusammen 100 Prozent ergeben.",
        }
    matched = match_location(FIELDS, location)
    return {"field": matched[0], "message": matched[1]} if matched else None


def visible(user: User, fund: dict[str, Any]) -> bool:
    """Whether the fund is one of the person's: the state coordination sees all, an office its
    regions' and the state-level ones."""
    region = fund.get("region")
    return user.has_role("state_coordinator") or region in (None, "state", *user.regions)


def editable(user: User, fund: dict[str, Any]) -> bool:
    region = fund.get("region")
    return may_manage(user, None if region in (None, "state") else region)


def budget(fund: dict[str, Any]) -> Budget:
    return Budget(fund, int(fund["approved_cents"]), int(fund["budget_cents"]))


async def funds(api: Api, user: User) -> list[dict[str, Any]]:
    found = await api.all_items("offers", "/funds", token=user.token)
    return sorted(
        (f for f in found if visible(user, f)),
        key=lambda f: (str(f.get("region") or ""), str(f["period_start"]), f["name"]),
    )


async def fund(api: Api, user: User, fund_id: str) -> dict[str, Any]:
    return await api.get("offers", f"/funds/{fund_id}", token=user.token)  # type: ignore[no-any-return]


async def committees(api: Api, user: User) -> list[dict[str, Any]]:
    """The committees the person may let decide on a fund (those of the regions they manage)."""
    found = await api.all_items("meetings", "/committees", token=user.token)
    return [c for c in found if may_manage(user, c.get("region"))]


async def create(api: Api, user: User, body: dict[str, Any], key: str) -> dict[str, Any]:
    reply = await api.call(
        "POST", "offers", "/funds", token=user.token, json=body, headers={"Idempotency-Key": key}
    )
    return reply.body  # type: ignore[no-any-return]


async def change(
    api: Api, user: User, fund_id: str, body: dict[str, Any], version: str
) -> dict[str, Any]:
    reply = await api.call(
        "PATCH",
        "offers",
        f"/funds/{fund_id}",
        token=user.token,
        json=body,
        headers=version_header(version),
    )
    return reply.body  # type: ignore[no-any-return]
