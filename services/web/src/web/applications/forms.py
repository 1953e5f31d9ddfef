"""The application pages' forms: what a posted form says, what the API is sent, and what a form
shows again (typed values stay as typed; amounts in euros with a decimal comma).

Form field names are the ids after ``feld-`` (see ``web.site.catalogue``); the budget lines are
``feld-lines-<n>-<category|description|amount>`` so that ``site.js`` (``data-rows="feld-lines"``)
renumbers names and ids alike.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData

from web.site.formatting import datum_kurz, euro_input, parse_euro

GROUPS = ("pupils", "parents", "teachers")
LINE_PREFIX = "feld-lines"
_LINE = re.compile(rf"^{LINE_PREFIX}-(\d+)-(category|description|amount)$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")

TEXT_FIELDS = (
    "fund_id",
    "applicant_organization_id",
    "title",
    "summary",
    "goals",
    "start_date",
    "end_date",
    "contact_name",
    "contact_email",
    "contact_phone",
    "version",
    "key",
)
LIST_FIELDS = ("school_ids", "partner_organization_ids", "topics", "target_groups")


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _texts(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str) and v]


def read_date(text: str) -> str | None:
    """„2027-05-03“ or „3.5.2027“ → ISO; None when empty; ValueError when it is no date."""
    if not text:
        return None
    german = _GERMAN_DATE.match(text)
    if german:
        day, month, year = (int(g) for g in german.groups())
        return date(year, month, day).isoformat()
    return date.fromisoformat(text).isoformat()


def read_count(text: str) -> int | None:
    """A whole number ≥ 0 typed by a person; None when empty; ValueError otherwise."""
    if not text:
        return None
    value = int(text.replace(".", "").replace(" ", ""))
    if value < 0:
        raise ValueError(text)
    return value


def version_header(version: str | int | None) -> dict[str, str]:
    """The ``If-Match`` header for the version a form was shown with."""
    return {"If-Match": f'"{version}"'} if str(version or "").isdigit() else {}


@dataclass
class ApplicationForm:
    """The application form as typed: ``values`` (text fields and lists) and the budget lines."""

    values: dict[str, Any] = field(default_factory=dict)
    lines: list[dict[str, str]] = field(default_factory=list)
    # The row number each kept line was posted with (``lines-<n>-…``): a remove button names
    # that number, which differs from the line's place once an empty row was dropped.
    numbers: list[int] = field(default_factory=list)

    @classmethod
    def read(cls, form: FormData) -> ApplicationForm:
        """The posted form; entirely empty budget lines are dropped."""
        values: dict[str, Any] = {name: _text(form, name) for name in TEXT_FIELDS}
        values |= {name: _texts(form, name) for name in LIST_FIELDS}
        values |= {f"planned_{g}": _text(form, f"planned_{g}") for g in GROUPS}
        rows: dict[int, dict[str, str]] = {}
        for key in form:
            found = _LINE.match(key)
            if found:
                rows.setdefault(int(found.group(1)), {})[found.group(2)] = _text(form, key)
        numbers = [n for n in sorted(rows) if any(rows[n].values())]
        lines = [{"category": "", "description": "", "amount": ""} | rows[n] for n in numbers]
        return cls(values, lines, numbers)

    @classmethod
    def of_application(cls, app: dict[str, Any]) -> ApplicationForm:
        """An application as the API answers it, in the form's terms."""
        contact = app.get("contact") or {}
        planned = app.get("planned_participants") or {}
        values: dict[str, Any] = {
            "fund_id": str(app.get("fund_id") or ""),
            "applicant_organization_id": str(app.get("applicant_organization_id") or ""),
            "title": app.get("title") or "",
            "summary": app.get("summary") or "",
            "goals": app.get("goals") or "",
            "start_date": datum_kurz(app.get("start_date")),
            "end_date": datum_kurz(app.get("end_date")),
            "contact_name": contact.get("name") or "",
            "contact_email": contact.get("email") or "",
            "contact_phone": contact.get("phone") or "",
            "version": str(app.get("version") or ""),
            "key": "",
        }
        values |= {name: [str(v) for v in app.get(name) or []] for name in LIST_FIELDS}
        values |= {
            f"planned_{g}": str(planned[g]) if planned.get(g) is not None else "" for g in GROUPS
        }
        lines = [
            {
                "category": line.get("category") or "",
                "description": line.get("description") or "",
                "amount": euro_input(line.get("amount_cents")),
            }
            for line in app.get("budget_lines") or []
        ]
        return cls(values, lines)

    @property
    def shown_lines(self) -> list[dict[str, str]]:
        """The lines to show: the typed ones, or one empty line to start with."""
        return self.lines or [{"category": "", "description": "", "amount": ""}]

    @property
    def total(self) -> int:
        """The sum of the amounts typed so far, in cents (amounts that are none count 0)."""
        total = 0
        for line in self.lines:
            try:
                total += parse_euro(line["amount"])
            except ValueError:
                continue
        return total

    def add_line(self) -> None:
        self.lines = [*self.shown_lines, {"category": "", "description": "", "amount": ""}]

    def remove_line(self, number: str) -> None:
        """Remove the line posted as row ``number`` (nothing when no kept line has it)."""
        numbers = self.numbers or list(range(len(self.lines)))
        if number.isdigit() and int(number) in numbers:
            place = numbers.index(int(number))
            del self.lines[place]
            self.numbers = numbers[:place] + numbers[place + 1 :]

    def body(self, *, creating: bool) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The API body, and the errors found before asking the API (amounts, numbers, dates).

        A new draft leaves out what is empty (the API names what a draft must have); a change
        sends every field, empty ones as null, so that clearing a field clears it.
        """
        v = self.values
        errors: list[dict[str, Any]] = []
        dates: dict[str, str | None] = {}
        for name, label in (("start_date", "den Beginn"), ("end_date", "das Ende")):
            try:
                dates[name] = read_date(v[name])
            except ValueError:
                dates[name] = None
                errors.append(
                    {
                        "field": name,
                        "message": f"Bitte geben Sie {label} als Datum an, z. B. 3.5.2027.",
                    }
                )
        planned: dict[str, int] = {}
        for group in GROUPS:
            try:
                count = read_count(v[f"planned_{group}"])
            except ValueError:
                errors.append(
                    {
                        "field": f"planned_{group}",
                        "message": "Bitte geben Sie die geplanten Teilnehmenden als ganze Zahl an.",
                    }
                )
                continue
            if count is not None:
                planned[group] = count
        lines: list[dict[str, Any]] = []
        for index, line in enumerate(self.lines):
            try:
                cents: int | None = parse_euro(line["amount"]) if line["amount"] else None
            except ValueError:
                cents = None
                errors.append(
                    {
                        "field": f"lines-{index}-amount",
                        "message": "Bitte geben Sie den Betrag in Euro mit Komma an, z. B. 1.250,00.",
                    }
                )
            lines.append(
                {
                    "category": line["category"] or None,
                    "description": line["description"],
                    "amount_cents": cents,
                }
            )
        contact = {
            "name": v["contact_name"] or None,
            "email": v["contact_email"] or None,
            "phone": v["contact_phone"] or None,
        }
        body: dict[str, Any] = {
            "fund_id": v["fund_id"] or None,
            "school_ids": v["school_ids"],
            "applicant_organization_id": v["applicant_organization_id"] or None,
            "partner_organization_ids": v["partner_organization_ids"],
            "title": v["title"],
            "summary": v["summary"] or None,
            "goals": v["goals"] or None,
            "topics": v["topics"],
            "target_groups": v["target_groups"],
            "planned_participants": planned,
            "start_date": dates["start_date"],
            "end_date": dates["end_date"],
            "budget_lines": lines,
            "contact": contact if any(contact.values()) else None,
        }
        if creating:
            body = {k: value for k, value in body.items() if value is not None}
        return body, errors


def consultation_body(form: FormData) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The office's advice: its date and notes."""
    try:
        day = read_date(_text(form, "consultation_date"))
    except ValueError:
        day = None
    if day is None:
        return {}, [
            {"field": "consultation_date", "message": "Bitte geben Sie das Datum der Beratung an."}
        ]
    return {"date": day, "notes": _text(form, "consultation_notes") or None}, []


def decision_body(form: FormData) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The office's decision: outcome, approved amount (approvals), conditions, reason."""
    outcome = _text(form, "decision_outcome")
    errors: list[dict[str, Any]] = []
    if outcome not in ("approved", "rejected", "returned"):
        errors.append({"field": "decision_outcome", "message": "Bitte wählen Sie ein Ergebnis."})
    body: dict[str, Any] = {
        "outcome": outcome,
        "conditions": _text(form, "decision_conditions") or None,
        "reason": _text(form, "decision_reason") or None,
    }
    amount = _text(form, "decision_approved")
    if outcome == "approved" and amount:
        try:
            body["approved_cents"] = parse_euro(amount)
        except ValueError:
            errors.append(
                {
                    "field": "decision_approved",
                    "message": "Bitte geben Sie den bewilligten Betrag in Euro mit Komma an, "
                    "z. B. 1.250,00.",
                }
            )
    return body, errors


# --------------------------------------------------------------------------- the list's filters

FILTER_PARAMS = ("fonds", "status", "schule", "thema", "suche", "region")
"""The office's list filters as they stand in the URL (German names, GET form)."""
MAX_SEARCH = 200  # offers' limit for ``q``


@dataclass
class ListFilters:
    """The office's list filters read from the URL: anything that is not a valid value is
    dropped (a hand-edited URL shows the unfiltered list, never an error)."""

    values: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(
        cls,
        query: dict[str, str],
        *,
        statuses: set[str],
        topics: set[str],
        regions: set[str],
    ) -> ListFilters:
        values: dict[str, str] = {}
        for name in FILTER_PARAMS:
            raw = (query.get(name) or "").strip()
            if not raw:
                continue
            if name in ("fonds", "schule"):
                if not is_id(raw):
                    continue
            elif name == "status" and raw not in statuses:
                continue
            elif name == "thema" and raw not in topics:
                continue
            elif name == "region" and raw not in regions:
                continue
            values[name] = raw[:MAX_SEARCH]
        return cls(values)

    def api_params(self) -> dict[str, str]:
        """The same filters as offers' ``/applications`` query parameters."""
        names = {
            "fonds": "fund_id",
            "status": "status",
            "schule": "school_id",
            "thema": "topic",
            "suche": "q",
            "region": "region",
        }
        return {names[k]: v for k, v in self.values.items()}

    def query(self, **more: str) -> str:
        """The URL query of these filters (and ``more``, e.g. the cursor), ``?`` included."""
        pairs = {**self.values, **{k: v for k, v in more.items() if v}}
        return "?" + urlencode(pairs) if pairs else ""


def is_id(value: str) -> bool:
    """Whether a path segment or query value is a UUID."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
