"""The proof-of-use form read back: the narrative, participants per target group, the optional
ESF+ breakdown (``breakdown_<sex|age_group>_<key>``, aggregates only), and the receipts
(Belegliste) as rows ``feld-receipts-<n>-<date|payee|purpose|category|amount|attachment>`` that
are added and removed by submit buttons (no JavaScript needed); German errors beside the field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from web.applications.forms import read_count, read_date
from web.proof_of_use import figures as esf_table
from web.site.formatting import datum_kurz, euro, euro_input, parse_euro

MAX_CENTS = 1_000_000_000  # 10,000,000 EUR, the API's limit too
PREFIX = "feld-receipts"
PARTS = ("date", "payee", "purpose", "category", "amount", "attachment")
_ROW = re.compile(rf"^{PREFIX}-(\d+)-({'|'.join(PARTS)})$")
_API_FIELD = re.compile(r"^receipts\.(\d+)\.(\w+)$")
API_PARTS = {"date": "date", "payee": "payee", "purpose": "purpose"}
API_PARTS |= {
    "budget_category": "category",
    "amount_cents": "amount",
    "attachment_id": "attachment",
}
MAX_COUNT = 1_000_000  # the API's limit of one breakdown figure
WHOLE_NUMBER = "Bitte geben Sie eine ganze Zahl ab 0 an."

# The ESF+ participant figures (CONTRACT: planning), as offers' proof of use takes them.
SEXES = {
    "female": "weiblich",
    "male": "männlich",
    "diverse": "divers",
    "not_stated": "keine Angabe",
}
AGE_GROUPS = {
    "under_18": "unter 18 Jahre",
    "18_29": "18 bis 29 Jahre",
    "30_54": "30 bis 54 Jahre",
    "55_plus": "55 Jahre und älter",
}
BREAKDOWN = {"sex": ("Geschlecht", SEXES), "age_group": ("Altersgruppe", AGE_GROUPS)}
BREAKDOWN_FIELDS = [(dim, key) for dim, (_, keys) in BREAKDOWN.items() for key in keys]

STATUSES = {
    "draft": "In Bearbeitung",
    "submitted": "Eingereicht – wird geprüft",
    "returned": "Zur Korrektur zurückgegeben",
    "accepted": "Anerkannt",
}
ASSESSMENTS = {"over": "überschritten", "under": "nicht ausgeschöpft", "exact": "eingehalten"}

Errors = list[dict[str, Any]]


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _empty() -> dict[str, str]:
    return dict.fromkeys(PARTS, "")


def in_words(line: dict[str, Any]) -> str:
    """„um 30,00 € überschritten“, „50,00 € nicht ausgeschöpft“, „genau eingehalten“."""
    difference = int(line["difference_cents"])
    if difference < 0:
        return f"um {euro(-difference)} überschritten"
    if difference > 0:
        return f"{euro(difference)} nicht ausgeschöpft"
    return "genau eingehalten"


def _breakdown_name(dim: str, key: str) -> str:
    return f"breakdown_{dim}_{key}"


@dataclass
class ProofForm:
    """The form as typed: narrative, participants (group → text), the ESF+ breakdown
    (``<dim>_<key>`` → text) and receipt rows."""

    narrative: str = ""
    participants: dict[str, str] = field(default_factory=dict)
    breakdown: dict[str, str] = field(default_factory=dict)
    receipts: list[dict[str, str]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    version: str = ""
    esf: dict[str, str] = field(default_factory=dict)  # ESF+ table: <sex>_<age group> → text

    @classmethod
    def read(cls, form: FormData, groups: list[str]) -> ProofForm:
        rows: dict[int, dict[str, str]] = {}
        for key in form:
            found = _ROW.match(key)
            if found:
                rows.setdefault(int(found.group(1)), {})[found.group(2)] = _text(form, key)
        numbers = [n for n in sorted(rows) if any(rows[n].values())]
        return cls(
            narrative=_text(form, "narrative"),
            participants={g: _text(form, f"participants_{g}") for g in groups},
            breakdown={
                f"{dim}_{key}": _text(form, _breakdown_name(dim, key))
                for dim, key in BREAKDOWN_FIELDS
            },
            receipts=[_empty() | rows[n] for n in numbers],
            numbers=numbers,
            version=_text(form, "version"),
            esf=esf_table.read(form),
        )

    @classmethod
    def of_proof(cls, proof: dict[str, Any], groups: list[str]) -> ProofForm:
        reached = proof.get("actual_participants") or {}
        figures = proof.get("participant_breakdown") or {}
        return cls(
            narrative=proof.get("narrative") or "",
            participants={g: str(reached[g]) if reached.get(g) is not None else "" for g in groups},
            breakdown={
                f"{dim}_{key}": str(figures[dim][key])
                if (figures.get(dim) or {}).get(key) is not None
                else ""
                for dim, key in BREAKDOWN_FIELDS
            },
            receipts=[
                {
                    "date": datum_kurz(r["date"]),
                    "payee": r["payee"],
                    "purpose": r["purpose"],
                    "category": r["budget_category"],
                    "amount": euro_input(r["amount_cents"]),
                    "attachment": str(r.get("attachment_id") or ""),
                }
                for r in proof.get("receipts") or []
            ],
            version=str(proof.get("version") or ""),
            esf=esf_table.of_figures(proof.get("participants")),
        )

    @property
    def shown_receipts(self) -> list[dict[str, str]]:
        return self.receipts or [_empty()]

    def add_receipt(self) -> None:
        self.receipts = [*self.shown_receipts, _empty()]

    def remove_receipt(self, number: str) -> None:
        numbers = self.numbers or list(range(len(self.receipts)))
        if number.isdigit() and int(number) in numbers:
            place = numbers.index(int(number))
            del self.receipts[place]
            self.numbers = numbers[:place] + numbers[place + 1 :]

    def body(
        self,
        app: dict[str, Any],
        receipt_ids: set[str] | None = None,
        *,
        collects_figures: bool = False,
    ) -> tuple[dict[str, Any], Errors]:
        """The API body, or German errors beside the fields (dates outside the project period,
        amounts that are no amount, not above 0 € or above 10 million euros, a chosen file that
        is not one of the application's receipts — ``receipt_ids``, None when unknown —,
        breakdown figures that add up to more than the participants, and cells of the ESF+
        table — sent only when the fund ``collects_figures`` — that are no whole number)."""
        errors: Errors = []
        reached: dict[str, int | None] = {}
        for group, text in self.participants.items():
            try:
                reached[group] = read_count(text)
            except ValueError:
                errors.append(
                    {
                        "field": f"participants_{group}",
                        "message": WHOLE_NUMBER,
                    }
                )
        breakdown, breakdown_errors = self._breakdown(sum(c or 0 for c in reached.values()))
        errors += breakdown_errors
        start, end = app.get("start_date"), app.get("end_date")
        receipts = []
        for i, row in enumerate(self.receipts):
            receipt, row_errors = _receipt(i, row, start, end, receipt_ids)
            errors += row_errors
            receipts.append(receipt)
        body = {
            "narrative": self.narrative or None,
            "actual_participants": reached,
            "participant_breakdown": breakdown,
            "receipts": receipts,
        }
        if collects_figures:
            body["participants"], esf_errors = esf_table.body(self.esf)
            errors += esf_errors
        return body, errors

    def _breakdown(self, total: int) -> tuple[dict[str, dict[str, int]] | None, Errors]:
        """The ESF+ figures typed (None when none was), each dimension at most ``total``."""
        errors: Errors = []
        figures: dict[str, dict[str, int]] = {dim: {} for dim in BREAKDOWN}
        for dim, key in BREAKDOWN_FIELDS:
            name = _breakdown_name(dim, key)
            try:
                count = read_count(self.breakdown.get(f"{dim}_{key}", ""))
            except ValueError:
                errors.append({"field": name, "message": WHOLE_NUMBER})
                continue
            if count is not None and count > MAX_COUNT:
                errors.append({"field": name, "message": "Höchstens 1.000.000 Personen."})
            elif count is not None:
                figures[dim][key] = count
        for dim, (label, _) in BREAKDOWN.items():
            counted = sum(figures[dim].values())
            if counted > total:
                errors.append(
                    {
                        "field": f"breakdown_{dim}",
                        "message": f"Nach {label} sind {counted} Personen angegeben, mehr als die "
                        f"{total} Teilnehmenden.",
                    }
                )
        return (figures if any(figures.values()) else None), errors


def _period(start: str | None, end: str | None) -> str:
    return f"{datum_kurz(start)} bis {datum_kurz(end)}"


def _receipt(
    i: int, row: dict[str, str], start: str | None, end: str | None, receipt_ids: set[str] | None
) -> tuple[dict[str, Any], Errors]:
    name = f"receipts-{i}-"
    errors: Errors = []
    day: str | None = None
    try:
        day = read_date(row["date"])
    except ValueError:
        pass
    if day is None:
        errors.append(
            {"field": name + "date", "message": "Bitte geben Sie das Datum wie 3.5.2027 an."}
        )
    elif start and end and not start <= day <= end:
        errors.append(
            {
                "field": name + "date",
                "message": "Das Datum liegt außerhalb des Projektzeitraums "
                f"({_period(start, end)}).",
            }
        )
    for part, label in (("payee", "den Zahlungsempfänger"), ("purpose", "den Zweck")):
        if not row[part]:
            errors.append({"field": name + part, "message": f"Bitte geben Sie {label} an."})
        elif len(row[part]) > 300:
            errors.append({"field": name + part, "message": "Höchstens 300 Zeichen."})
    if not row["category"]:
        errors.append(
            {"field": name + "category", "message": "Bitte wählen Sie die Kostenposition."}
        )
    cents: int | None = None
    try:
        cents = parse_euro(row["amount"]) if row["amount"] else None
    except ValueError:
        errors.append(
            {"field": name + "amount", "message": "Bitte geben Sie einen Betrag wie „1.234,50“ an."}
        )
    else:
        if cents is None:
            errors.append({"field": name + "amount", "message": "Bitte geben Sie den Betrag an."})
        elif cents <= 0:
            errors.append(
                {"field": name + "amount", "message": "Der Betrag muss größer als 0 € sein."}
            )
        elif cents > MAX_CENTS:
            errors.append(
                {
                    "field": name + "amount",
                    "message": f"Der Betrag darf höchstens {euro(MAX_CENTS)} sein.",
                }
            )
    chosen = row["attachment"] or None
    if chosen and receipt_ids is not None and chosen not in receipt_ids:
        errors.append({"field": name + "attachment", "message": RECEIPT_ONLY})
    receipt = {
        "date": day,
        "payee": row["payee"],
        "purpose": row["purpose"],
        "budget_category": row["category"] or None,
        "amount_cents": cents,
        "attachment_id": chosen,
    }
    return receipt, errors


RECEIPT_ONLY = "Bitte wählen Sie eine Anlage dieses Antrags der Art „Beleg“."
RULES = {
    "receipt-outside-project-period": "Das Datum liegt außerhalb des Projektzeitraums.",
    "unknown-budget-category": "Diese Kostenposition wurde nicht bewilligt.",
    "unknown-receipt-attachment": RECEIPT_ONLY,
    "not-a-target-group": "Diese Zielgruppe gehört nicht zum Antrag.",
    "breakdown-exceeds-participants": "Die Aufschlüsselung ergibt mehr als die Teilnehmenden.",
    "proof-of-use-only-when-approved": "Der Verwendungsnachweis kann jetzt nicht geändert werden.",
    "proof-of-use-not-submitted": "Der Verwendungsnachweis ist nicht eingereicht.",
    "accepted-exceeds-approved": "Es kann höchstens der bewilligte Betrag anerkannt werden.",
    "precondition-failed": "Der Verwendungsnachweis wurde inzwischen geändert. Bitte prüfen Sie "
    "den aktuellen Stand.",
}


def page_errors(api_errors: list[dict[str, Any]], rule: str | None, status: int) -> Errors:
    """An API refusal as German page errors beside the fields."""
    errors: Errors = []
    for item in api_errors:
        location = str(item.get("field") or "")
        message = RULES.get(str(item.get("type") or ""), "Bitte prüfen Sie diese Angabe.")
        found = _API_FIELD.match(location)
        if found:
            part = API_PARTS.get(found.group(2), "amount")
            errors.append({"field": f"receipts-{found.group(1)}-{part}", "message": message})
        elif location.startswith("actual_participants."):
            errors.append(
                {"field": "participants_" + location.split(".", 1)[1], "message": message}
            )
        elif location == "participants" or location.startswith("participants."):
            errors.append(esf_table.page_error(location, str(item.get("type") or "")))
        elif location.startswith("participant_breakdown."):
            parts = location.split(".")
            errors.append({"field": "_".join(["breakdown", *parts[1:3]]), "message": message})
        elif location == "narrative":
            errors.append({"field": "narrative", "message": "Bitte schreiben Sie den Sachbericht."})
        elif location == "accepted_cents":
            errors.append({"field": "accepted", "message": message})
        else:
            errors.append({"field": None, "message": message})
    if not errors:
        key = "precondition-failed" if status == 412 else rule or ""
        errors.append({"field": None, "message": RULES.get(key, "Das ging leider nicht.")})
    return errors


def accept_body(form: FormData, approved_cents: int) -> tuple[dict[str, Any], Errors]:
    text = _text(form, "accepted")
    try:
        cents = parse_euro(text) if text else None
    except ValueError:
        return {}, [
            {"field": "accepted", "message": "Bitte geben Sie einen Betrag wie „1.234,50“ an."}
        ]
    if cents is None:
        return {}, [{"field": "accepted", "message": "Bitte geben Sie den anerkannten Betrag an."}]
    if cents < 0:
        return {}, [{"field": "accepted", "message": "Der Betrag darf nicht negativ sein."}]
    if cents > approved_cents:
        return {}, [
            {
                "field": "accepted",
                "message": f"Es kann höchstens der bewilligte Betrag von {euro(approved_cents)} "
                "anerkannt werden.",
            }
        ]
    return {"accepted_cents": cents}, []


def return_body(form: FormData) -> tuple[dict[str, Any], Errors]:
    reasons = _text(form, "reasons")
    if not reasons:
        return {}, [
            {"field": "reasons", "message": "Bitte nennen Sie die Gründe für die Rückgabe."}
        ]
    return {"reasons": reasons[:4000]}, []
