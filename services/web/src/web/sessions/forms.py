"""The committee and session forms read back: what a posted form says, what meetings is sent,
and the German errors beside the fields (dates as „10.03.2027“, times as „14:30“, amounts in
euros as people type them).

Field names (the ids after ``feld-``): the session form ``committee_id``, ``title``, ``day``,
``starts``, ``ends``, ``location``; the committee form ``name``, ``kind``, ``region``,
``quorum``; a member ``person_id``, ``role``, ``voting``; attendance ``person_ids``; a decision
on item ``<item>`` ``outcome-<item>``, ``approved-<item>``, ``conditions-<item>``,
``reason-<item>``, ``yes-<item>``, ``no-<item>``, ``abstain-<item>``; the minutes ``minutes``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from starlette.datastructures import FormData

from schulerfolg.local_time import BERLIN
from web.applications.forms import read_date
from web.site.formatting import euro, parse_euro

Errors = list[dict[str, Any]]

MAX_CENTS = 1_000_000_000  # 10,000,000 EUR
MAX_VOTES = 1000

COMMITTEE_KINDS = {
    "steering_group": "Steuergruppe",
    "working_group": "Arbeitsgruppe",
    "youth_jury": "Jugendjury",
    "youth_welfare_committee": "Jugendhilfeausschuss",
    "regional_group": "Regionalgruppe",
    "other": "Sonstiges Gremium",
}
ROLES = {
    "chair": "Vorsitz",
    "member": "Mitglied",
    "deputy": "Stellvertretung",
    "secretary": "Schriftführung",
    "guest": "Gast",
}
RECOMMENDATIONS = {"approve": "Bewilligen", "reject": "Ablehnen", "return": "Zurückgeben"}
OUTCOMES = {"approved": "Bewilligt", "rejected": "Abgelehnt", "returned": "Zurückgegeben"}
OUTCOMES_LOWER = {"approved": "bewilligt", "rejected": "abgelehnt", "returned": "zurückgegeben"}
ITEM_KINDS = {"decision": "Beschluss", "discussion": "Beratung", "information": "Information"}

_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:\s*Uhr)?$")


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def values_of(form: FormData) -> dict[str, Any]:
    """A posted form's text values, to show again as typed."""
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _time(typed: str) -> tuple[int, int] | None:
    found = _TIME.match(typed)
    if not found:
        return None
    hour, minute = int(found.group(1)), int(found.group(2))
    return (hour, minute) if hour < 24 and minute < 60 else None


# --------------------------------------------------------------------------- a session


def session_body(
    form: FormData, committees: dict[str, dict[str, Any]]
) -> tuple[dict[str, Any], Errors]:
    """„Sitzung planen“: the committee, title, day, start and end time (Europe/Berlin), place."""
    errors: Errors = []
    committee = committees.get(text(form, "committee_id"))
    if committee is None:
        errors.append({"field": "committee_id", "message": "Bitte wählen Sie ein Gremium."})
    title = text(form, "title")
    if not title:
        errors.append({"field": "title", "message": "Bitte geben Sie einen Titel ein."})
    elif len(title) > 300:
        errors.append({"field": "title", "message": "Der Titel darf höchstens 300 Zeichen haben."})
    try:
        day = read_date(text(form, "day"))
    except ValueError:
        day = None
    if day is None:
        errors.append(
            {"field": "day", "message": "Bitte geben Sie das Datum an, z. B. 10.03.2027."}
        )
    starts, ends = _time(text(form, "starts")), _time(text(form, "ends"))
    for name, found in (("starts", starts), ("ends", ends)):
        if found is None:
            errors.append(
                {"field": name, "message": "Bitte geben Sie die Uhrzeit an, z. B. 14:30."}
            )
    location = text(form, "location")
    if len(location) > 500:
        errors.append({"field": "location", "message": "Der Ort darf höchstens 500 Zeichen haben."})
    if errors or committee is None or day is None or starts is None or ends is None:
        return {}, errors
    base = datetime.fromisoformat(day).replace(tzinfo=BERLIN)
    start_at = base.replace(hour=starts[0], minute=starts[1])
    end_at = base.replace(hour=ends[0], minute=ends[1])
    if end_at <= start_at:
        return {}, [{"field": "ends", "message": "Das Ende muss nach dem Beginn liegen."}]
    if start_at <= datetime.now(BERLIN):
        return {}, [{"field": "day", "message": "Die Sitzung muss in der Zukunft liegen."}]
    kind = "jury_session" if committee["kind"] == "youth_jury" else "committee_session"
    return {
        "kind": kind,
        "committee_id": committee["id"],
        "title": title,
        "region": committee["region"],
        "starts_at": start_at.isoformat(),
        "ends_at": end_at.isoformat(),
        "location": location or None,
    }, []


# --------------------------------------------------------------------------- a committee


def committee_body(form: FormData, regions: dict[str, str]) -> tuple[dict[str, Any], Errors]:
    """„Gremium anlegen“: name, kind, region (one of ``regions``: slug → name), quorum."""
    errors: Errors = []
    name = text(form, "name")
    if not name:
        errors.append({"field": "name", "message": "Bitte geben Sie den Namen des Gremiums ein."})
    elif len(name) > 300:
        errors.append({"field": "name", "message": "Der Name darf höchstens 300 Zeichen haben."})
    kind = text(form, "kind")
    if kind not in COMMITTEE_KINDS:
        errors.append({"field": "kind", "message": "Bitte wählen Sie die Art des Gremiums."})
    region = text(form, "region") or (next(iter(regions)) if len(regions) == 1 else "")
    if region not in regions:
        errors.append({"field": "region", "message": "Bitte wählen Sie die Region."})
    quorum, error = quorum_of(form)
    errors += error
    body: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "region": None if region == "state" else region,
    }
    if quorum is not None:
        body["quorum"] = quorum
    return ({} if errors else body), errors


def quorum_of(form: FormData) -> tuple[int | None, Errors]:
    """The quorum typed (empty: the default, more than half of the voting members)."""
    typed = text(form, "quorum")
    if not typed:
        return None, []
    if not typed.isdigit() or not 1 <= int(typed) <= 1000:
        return None, [
            {
                "field": "quorum",
                "message": "Bitte geben Sie eine ganze Zahl von 1 bis 1000 an, oder lassen Sie "
                "das Feld leer (dann mehr als die Hälfte der stimmberechtigten Mitglieder).",
            }
        ]
    return int(typed), []


def member_body(form: FormData, persons: dict[str, str]) -> tuple[dict[str, Any], Errors]:
    """A member: a person of the region (``persons``: id → name), role, vote."""
    errors: Errors = []
    person_id = text(form, "person_id")
    if person_id not in persons:
        errors.append({"field": "person_id", "message": "Bitte wählen Sie eine Person."})
    role = text(form, "role")
    if role not in ROLES:
        errors.append({"field": "role", "message": "Bitte wählen Sie eine Rolle."})
    body = {"person_id": person_id, "role": role, "voting": text(form, "voting") == "ja"}
    return ({} if errors else body), errors


# --------------------------------------------------------------------------- a session's work


def attendance_body(form: FormData, members: set[str]) -> dict[str, Any]:
    """Who attended: the ticked members (anything else is ignored)."""
    ticked = [v for v in form.getlist("person_ids") if isinstance(v, str) and v in members]
    return {"person_ids": list(dict.fromkeys(ticked))}


def minutes_body(form: FormData) -> tuple[dict[str, Any], Errors]:
    """The minutes' Markdown text (not empty)."""
    typed = form.get("minutes")
    written = typed.strip() if isinstance(typed, str) else ""
    if not written:
        return {}, [{"field": "minutes", "message": "Bitte schreiben Sie das Protokoll."}]
    return {"text": written}, []


def decision_field(name: str, item_id: str) -> str:
    """A field of one item's decision form (each decision item has its own form)."""
    return f"{name}-{item_id}"


def _count(form: FormData, name: str, label: str) -> tuple[int, Errors]:
    typed = text(form, name)
    if not typed:
        return 0, []
    if not typed.isdigit() or int(typed) > MAX_VOTES:
        return 0, [
            {"field": name, "message": f"Bitte geben Sie die {label} als ganze Zahl ab 0 an."}
        ]
    return int(typed), []


def decision_body(form: FormData, item: dict[str, Any]) -> tuple[dict[str, Any], Errors]:
    """„Beschluss erfassen“: outcome, approved amount (≤ requested), conditions or reason, votes."""
    item_id = str(item["id"])
    field = {n: decision_field(n, item_id) for n in ("outcome", "approved", "conditions", "reason")}
    errors: Errors = []
    outcome = text(form, field["outcome"])
    if outcome not in OUTCOMES:
        errors.append({"field": field["outcome"], "message": "Bitte wählen Sie den Beschluss."})
    body: dict[str, Any] = {"outcome": outcome}
    requested = item.get("requested_cents")
    if outcome == "approved":
        typed = text(form, field["approved"])
        cents: int | None = None
        try:
            cents = parse_euro(typed) if typed else requested
        except ValueError:
            errors.append(
                {
                    "field": field["approved"],
                    "message": "Bitte geben Sie einen Betrag wie „1.234,50“ an.",
                }
            )
        if cents is not None and cents <= 0:
            errors.append(
                {"field": field["approved"], "message": "Der Betrag muss größer als 0 € sein."}
            )
        elif cents is not None and cents > (requested if requested is not None else MAX_CENTS):
            limit = requested if requested is not None else MAX_CENTS
            errors.append(
                {
                    "field": field["approved"],
                    "message": f"Bewilligt werden kann höchstens {euro(limit)}"
                    + (" (die beantragte Summe)." if requested is not None else "."),
                }
            )
        if cents is not None:
            body["approved_cents"] = cents
        body["conditions"] = text(form, field["conditions"]) or None
    elif outcome in OUTCOMES:
        body["reason"] = text(form, field["reason"]) or None
    votes: dict[str, int] = {}
    for name, label in (("yes", "Ja-Stimmen"), ("no", "Nein-Stimmen"), ("abstain", "Enthaltungen")):
        votes[name], error = _count(form, decision_field(name, item_id), label)
        errors += error
    body["votes"] = votes
    return ({} if errors else body), errors
