"""The youth micro-projects' pages talk to offers: the form's options and ticket, sending a
project, and the sponsor's view, confirmation and refusal. Refusals become German messages
beside the fields, in plain words for young people."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from web.public.service import PageNotFound
from web.site.client import Api, ApiError
from web.site.formatting import parse_euro

Errors = list[dict[str, str | None]]

FIELDS = (
    "fund_id",
    "school_id",
    "title",
    "idea",
    "group_size",
    "amount",
    "start_date",
    "end_date",
    "group_name",
    "sponsor_name",
    "sponsor_email",
    "ticket",
    "website",
)

MESSAGES = {
    "fund_id": "Wähle den Jugendfonds aus.",
    "school_id": "Wähle deine Schule aus.",
    "title": "Gib deinem Projekt einen Namen (höchstens 200 Zeichen).",
    "idea": "Beschreibe deine Idee in ein paar Sätzen (höchstens 4.000 Zeichen).",
    "group_size": "Schreib, wie viele ihr seid – als Zahl zwischen 1 und 500.",
    "amount": "Schreib den Betrag in Euro, zum Beispiel 250 oder 250,50.",
    "start_date": "Gib an, wann das Projekt anfängt.",
    "end_date": "Gib an, wann das Projekt fertig ist.",
    "group_name": "Der Name darf höchstens 100 Zeichen lang sein.",
    "sponsor_name": "Schreib den Namen deiner erwachsenen Begleitperson.",
    "sponsor_email": "Schreib die E-Mail-Adresse deiner Begleitperson, zum Beispiel name@schule.de.",
}

RULES = {
    "form-sent-too-fast": (
        "ticket",
        "Das ging sehr schnell. Bitte lies alles noch einmal durch und schick es dann ab.",
    ),
    "form-ticket-expired": (
        "ticket",
        "Das Formular war zu lange offen. Bitte schick es noch einmal ab.",
    ),
    "form-ticket-invalid": ("ticket", "Bitte schick das Formular noch einmal ab."),
    "honeypot": ("website", "Das Formular konnte nicht gesendet werden."),
    "max-per-application": ("amount", "Der Betrag ist höher, als der Jugendfonds gibt."),
    "outside-fund-period": ("start_date", "Das Projekt muss in der Laufzeit des Fonds liegen."),
    "end-before-start": ("end_date", "Das Ende darf nicht vor dem Anfang liegen."),
    "school-outside-fund-region": ("school_id", "Diese Schule gehört nicht zu diesem Fonds."),
    "unknown-school": ("school_id", MESSAGES["school_id"]),
    "not-a-youth-fund": ("fund_id", MESSAGES["fund_id"]),
    "unknown-fund": ("fund_id", MESSAGES["fund_id"]),
    "max-per-school-per-year": (
        "amount",
        "Deine Schule hat in diesem Jahr schon so viel bekommen, wie der Fonds erlaubt.",
    ),
}

RATE_LIMITED = (
    "Von hier oder für diese Begleitperson kamen gerade sehr viele Projekte. "
    "Bitte versuch es später noch einmal."
)


async def options(api: Api) -> dict[str, Any]:
    """The open youth funds and their schools."""
    result: dict[str, Any] = await api.get("offers", "/youth-projects/form")
    return result


async def ticket(api: Api) -> str:
    reply = await api.call("POST", "offers", "/youth-projects/form")
    return str(reply.body["ticket"])


def values_of(form: Any) -> dict[str, str]:
    return {name: str(form.get(name) or "").strip() for name in FIELDS}


def _day(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def body_of(values: dict[str, str]) -> tuple[dict[str, Any], Errors]:
    """The request body for offers, or German errors for what is missing or malformed."""
    errors: Errors = []

    def refuse(name: str) -> None:
        errors.append({"field": name, "message": MESSAGES[name]})

    for name in ("fund_id", "school_id", "title", "idea", "sponsor_name"):
        if not values[name]:
            refuse(name)
    size = values["group_size"]
    if not size.isdigit() or not 1 <= int(size) <= 500:
        refuse("group_size")
    try:
        cents = parse_euro(values["amount"])
        if cents <= 0:
            raise ValueError(values["amount"])
    except ValueError:
        cents = 0
        refuse("amount")
    start, end = _day(values["start_date"]), _day(values["end_date"])
    if start is None:
        refuse("start_date")
    if end is None:
        refuse("end_date")
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", values["sponsor_email"]):
        refuse("sponsor_email")
    if len(values["group_name"]) > 100:
        refuse("group_name")
    body = {
        "ticket": values["ticket"],
        "website": values["website"],
        "fund_id": values["fund_id"],
        "school_id": values["school_id"],
        "title": values["title"],
        "idea": values["idea"],
        "group_size": int(size) if size.isdigit() else 0,
        "amount_cents": cents,
        "start_date": start.isoformat() if start else None,
        "end_date": end.isoformat() if end else None,
        "group_name": values["group_name"] or None,
        "sponsor_name": values["sponsor_name"],
        "sponsor_email": values["sponsor_email"],
    }
    return body, errors


def _field(name: str) -> str:
    return {"amount_cents": "amount"}.get(name, name)


def refusal_errors(exc: ApiError) -> Errors:
    """German messages for offers' refusal of a project."""
    if exc.status == 429:
        return [{"field": None, "message": RATE_LIMITED}]
    rule = exc.rule or ""
    if rule in RULES:
        field, message = RULES[rule]
        if rule == "outside-fund-period" and exc.field_errors:
            field = _field(str(exc.field_errors[0].get("field") or field))
        shown = None if field in ("ticket", "website") else field  # no field to show
        return [{"field": shown, "message": message}]
    errors: Errors = []
    for error in exc.field_errors:
        name = _field(str(error.get("field") or "").split(".")[0])
        if name in MESSAGES:
            errors.append({"field": name, "message": MESSAGES[name]})
    return errors or [
        {"field": None, "message": "Das hat nicht geklappt. Prüf bitte deine Angaben."}
    ]


async def send(api: Api, body: dict[str, Any], client: str) -> Errors | None:
    """Send the project; None when offers took it, otherwise the German errors. ``client`` is
    the young person's address, passed on as X-Forwarded-For (offers trusts it from the web
    frontend on the same machine) for the rate limit per address."""
    try:
        await api.call(
            "POST", "offers", "/youth-projects", json=body, headers={"X-Forwarded-For": client}
        )
    except ApiError as exc:
        if exc.status in (422, 429):
            return refusal_errors(exc)
        raise
    return None


async def for_sponsor(api: Api, token: str) -> dict[str, Any]:
    try:
        reply = await api.call("POST", "offers", "/youth-projects/view", json={"token": token})
    except ApiError as exc:
        if exc.status in (404, 422):
            raise PageNotFound() from exc
        raise
    project: dict[str, Any] = reply.body
    return project


async def answer(api: Api, token: str, decision: str) -> bool:
    """Confirm (True) or decline (False) the project; 404 page when it waits no longer."""
    path = "/youth-projects/confirm" if decision == "bestaetigen" else "/youth-projects/decline"
    try:
        await api.call("POST", "offers", path, json={"token": token})
    except ApiError as exc:
        if exc.status in (404, 422):
            raise PageNotFound() from exc
        raise
    return decision == "bestaetigen"
