"""The payment forms read back: amounts in euros as people type them („1.234,50“), dates as
„10.03.2027“; German errors beside the field."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from web.applications.forms import read_date
from web.site.formatting import euro, parse_euro

MAX_CENTS = 1_000_000_000  # 10,000,000 EUR, the API's limit too

STATUSES = {
    "requested": "Beantragt",
    "approved": "Bewilligt",
    "rejected": "Abgelehnt",
    "paid": "Ausgezahlt",
}
BADGES = {"requested": "info", "approved": "success", "rejected": "danger", "paid": "success"}


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


Errors = list[dict[str, Any]]


def request_body(form: FormData, available_cents: int | None) -> tuple[dict[str, Any], Errors]:
    """A call for money: the amount (> 0, at most what is left) and the reason."""
    text = _text(form, "amount")
    reason = _text(form, "reason") or None
    if not text:
        return {}, [{"field": "amount", "message": "Bitte geben Sie den Betrag in Euro an."}]
    try:
        cents = parse_euro(text)
    except ValueError:
        return {}, [
            {"field": "amount", "message": "Bitte geben Sie einen Betrag wie „1.234,50“ an."}
        ]
    if cents <= 0:
        return {}, [{"field": "amount", "message": "Der Betrag muss größer als 0 € sein."}]
    if cents > MAX_CENTS:
        return {}, [
            {"field": "amount", "message": f"Der Betrag darf höchstens {euro(MAX_CENTS)} sein."}
        ]
    if available_cents is not None and cents > available_cents:
        return {}, [over_limit(available_cents)]
    return {"amount_cents": cents, "reason": reason}, []


def over_limit(available_cents: int) -> dict[str, Any]:
    """The error when more is asked for than the payment rule leaves."""
    if available_cents <= 0:
        message = "Derzeit kann kein Geld abgerufen werden: Der Rahmen ist ausgeschöpft."
    else:
        message = f"Sie können höchstens noch {euro(available_cents)} abrufen."
    return {"field": "amount", "message": message}


def field(name: str, payment_id: str) -> str:
    """A field of one payment's form (each payment has its own forms on the page)."""
    return f"{name}-{payment_id}"


def reject_body(form: FormData, payment_id: str) -> tuple[dict[str, Any], Errors]:
    name = field("rejection_reason", payment_id)
    reason = _text(form, name)
    if not reason:
        return {}, [{"field": name, "message": "Bitte begründen Sie die Ablehnung."}]
    return {"reason": reason}, []


def paid_body(form: FormData, payment_id: str) -> tuple[dict[str, Any], Errors]:
    errors: Errors = []
    day_field, reference_field = field("paid_on", payment_id), field("reference", payment_id)
    try:
        day = read_date(_text(form, day_field))
    except ValueError:
        day = None
    if day is None:
        errors.append(
            {
                "field": day_field,
                "message": "Bitte geben Sie das Datum der Auszahlung an, z. B. 10.03.2027.",
            }
        )
    reference = _text(form, reference_field)
    if not reference:
        errors.append(
            {"field": reference_field, "message": "Bitte geben Sie das Buchungszeichen an."}
        )
    elif len(reference) > 100:
        errors.append(
            {
                "field": reference_field,
                "message": "Das Buchungszeichen darf höchstens 100 Zeichen haben.",
            }
        )
    return ({"paid_on": day, "reference": reference} if not errors else {}), errors
