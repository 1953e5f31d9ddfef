"""The fund form read back: the fund's fields, its money settings, and two lists of rows —
assessment criteria (``feld-criteria-<n>-<name|weight|max_points>``) and funding sources
(``feld-sources-<n>-<name|share>``) — added and removed by submit buttons like the budget lines
of the application form (no JavaScript needed). Typed values stay as typed; errors are German
and sit beside their field (``criteria-<n>-<part>``, ``sources``, …)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from web.applications.forms import read_count, read_date
from web.site.formatting import datum_kurz, euro_input, parse_euro

KINDS = {"school_project": "Bildungsbezogene Angebote (Schulprojekte)", "youth_fund": "Jugendfonds"}
TEXT_FIELDS = (
    "name",
    "kind",
    "region",
    "period_start",
    "period_end",
    "budget",
    "deciding_committee_id",
    "advance_percent",
    "proof_of_use_weeks",
    "collects_participant_figures",
    "version",
    "key",
)
ROW_PARTS = {"criteria": ("name", "weight", "max_points"), "sources": ("name", "share")}
Errors = list[dict[str, Any]]


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


@dataclass
class Rows:
    """Rows of a form posted as ``feld-<prefix>-<n>-<part>``; entirely empty rows are dropped.
    ``numbers`` keeps the number each row was posted with (a remove button names it)."""

    prefix: str
    rows: list[dict[str, str]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)

    @property
    def parts(self) -> tuple[str, ...]:
        return ROW_PARTS[self.prefix]

    def empty(self) -> dict[str, str]:
        return dict.fromkeys(self.parts, "")

    @classmethod
    def read(cls, form: FormData, prefix: str) -> Rows:
        pattern = re.compile(rf"^feld-{prefix}-(\d+)-({'|'.join(ROW_PARTS[prefix])})$")
        found: dict[int, dict[str, str]] = {}
        for key in form:
            match = pattern.match(key)
            if match:
                found.setdefault(int(match.group(1)), {})[match.group(2)] = _text(form, key)
        numbers = [n for n in sorted(found) if any(found[n].values())]
        made = cls(prefix)
        made.rows = [made.empty() | found[n] for n in numbers]
        made.numbers = numbers
        return made

    @property
    def shown(self) -> list[dict[str, str]]:
        """The rows to show: the typed ones, or one empty row to start with."""
        return self.rows or [self.empty()]

    def add(self) -> None:
        self.rows = [*self.shown, self.empty()]
        self.numbers = []

    def remove(self, number: str) -> None:
        numbers = self.numbers or list(range(len(self.rows)))
        if number.isdigit() and int(number) in numbers:
            place = numbers.index(int(number))
            del self.rows[place]
            self.numbers = numbers[:place] + numbers[place + 1 :]


def _whole(text: str, field_name: str, message: str, errors: Errors) -> int | None:
    try:
        return read_count(text)
    except ValueError:
        errors.append({"field": field_name, "message": message})
        return None


@dataclass
class FundForm:
    """The fund form as typed."""

    values: dict[str, str] = field(default_factory=dict)
    criteria: Rows = field(default_factory=lambda: Rows("criteria"))
    sources: Rows = field(default_factory=lambda: Rows("sources"))

    @classmethod
    def read(cls, form: FormData) -> FundForm:
        made = cls({name: _text(form, name) for name in TEXT_FIELDS})
        made.criteria = Rows.read(form, "criteria")
        made.sources = Rows.read(form, "sources")
        return made

    @classmethod
    def of_fund(cls, fund: dict[str, Any]) -> FundForm:
        rule = fund.get("payment_rule") or {}
        made = cls(
            {
                "name": fund.get("name") or "",
                "kind": fund.get("kind") or "",
                "region": fund.get("region") or "state",
                "period_start": datum_kurz(fund.get("period_start")),
                "period_end": datum_kurz(fund.get("period_end")),
                "budget": euro_input(fund.get("budget_cents")),
                "deciding_committee_id": str(fund.get("deciding_committee_id") or ""),
                "advance_percent": str(rule.get("advance_percent", 0)),
                "proof_of_use_weeks": str(fund.get("proof_of_use_weeks", 8)),
                "collects_participant_figures": "ja"
                if fund.get("collects_participant_figures")
                else "",
                "version": str(fund.get("version") or ""),
            }
        )
        made.criteria.rows = [
            {"name": c["name"], "weight": str(c["weight"]), "max_points": str(c["max_points"])}
            for c in fund.get("assessment_criteria") or []
        ]
        made.sources.rows = [
            {"name": s["name"], "share": str(s["share_percent"])}
            for s in fund.get("funding_sources") or []
        ]
        return made

    def change_rows(self, form: FormData) -> bool:
        """Add or remove a row when a row button was pressed (True then: show the form again)."""
        added = _text(form, "add_row")
        if added in ROW_PARTS:
            getattr(self, added).add()
            return True
        removed = _text(form, "remove_row")
        prefix, _, number = removed.partition("-")
        if prefix in ROW_PARTS:
            getattr(self, prefix).remove(number)
            return True
        return False

    def body(self, *, creating: bool) -> tuple[dict[str, Any], Errors]:
        """The API body, and the errors found before asking the API."""
        v = self.values
        errors: Errors = []
        body: dict[str, Any] = {"name": v["name"]}
        region = v["region"]
        body["region"] = None if region in ("", "state") else region
        if creating:
            body["kind"] = v["kind"] or "school_project"
        for name, label in (("period_start", "den Beginn"), ("period_end", "das Ende")):
            try:
                body[name] = read_date(v[name])
            except ValueError:
                body[name] = None
            if body[name] is None:
                errors.append(
                    {
                        "field": name,
                        "message": f"Bitte geben Sie {label} des Zeitraums als Datum an, "
                        "z. B. 1.1.2027.",
                    }
                )
        try:
            body["budget_cents"] = parse_euro(v["budget"])
        except ValueError:
            errors.append(
                {
                    "field": "budget",
                    "message": "Bitte geben Sie das Budget in Euro an, z. B. 50.000,00.",
                }
            )
        body["deciding_committee_id"] = v["deciding_committee_id"] or None
        percent = _whole(
            v["advance_percent"],
            "advance_percent",
            "Bitte geben Sie den Vorschuss als ganze Zahl von 0 bis 100 an.",
            errors,
        )
        body["payment_rule"] = {"advance_percent": percent or 0}
        weeks = _whole(
            v["proof_of_use_weeks"],
            "proof_of_use_weeks",
            "Bitte geben Sie die Frist als ganze Zahl von Wochen an (0 bis 104).",
            errors,
        )
        body["proof_of_use_weeks"] = 8 if weeks is None else weeks
        body["collects_participant_figures"] = v["collects_participant_figures"] == "ja"
        body["assessment_criteria"] = self._criteria(errors)
        body["funding_sources"] = self._sources(errors)
        return body, errors

    def _criteria(self, errors: Errors) -> list[dict[str, Any]]:
        found = []
        for n, row in enumerate(self.criteria.rows):
            weight = _whole(
                row["weight"],
                f"criteria-{n}-weight",
                "Bitte geben Sie das Gewicht als ganze Zahl über 0 an.",
                errors,
            )
            top = _whole(
                row["max_points"],
                f"criteria-{n}-max_points",
                "Bitte geben Sie die Höchstpunktzahl als ganze Zahl von 1 bis 100 an.",
                errors,
            )
            found.append({"name": row["name"], "weight": weight, "max_points": top})
        return found

    def _sources(self, errors: Errors) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        shares: list[int | None] = []
        for n, row in enumerate(self.sources.rows):
            share = _whole(
                row["share"],
                f"sources-{n}-share",
                "Bitte geben Sie den Anteil als ganze Zahl in Prozent an.",
                errors,
            )
            found.append({"name": row["name"], "share_percent": share})
            shares.append(share)
        total = sum(s or 0 for s in shares)
        if found and None not in shares and total != 100:
            errors.append({"field": "sources", "message": sources_sum(total)})
        return found


def sources_sum(total: int) -> str:
    return (
        "Die Anteile der Mittelgeber müssen zusammen 100 Prozent ergeben; "
        f"eingetragen sind {total} Prozent."
    )
