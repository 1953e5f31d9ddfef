"""The agreement form read back, and the form for a value entered by hand.

The agreement form has the agreement's fields and rows of goals (``feld-goals-<n>-<part>``,
parts ``title``, ``indicator``, ``target`` and the hidden ``key``) added and removed by submit
buttons like the survey form's questions (no JavaScript needed). The same form changes an
agreement: filled with it (``AgreementForm.of``), its version hidden. The parties are the
region's office, the district named in one field and the providers typed one per line. A goal
keeps its key when it is changed (its values entered by hand stay with it); a new goal's key is
derived from its title (slugified, unique). Errors are German and sit beside their field."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from web.applications.forms import read_count, read_date
from web.funds.forms import Rows
from web.site.formatting import datum_kurz
from web.surveys.forms import slug

INDICATORS = {
    "schools_reached": "Erreichte Schulen",
    "schools_without_social_work_reached": "Erreichte Schulen ohne Schulsozialarbeit",
    "projects_completed": "Abgeschlossene Projekte",
    "network_meetings_held": "Durchgeführte Netzwerktreffen",
    "participants_reached": "Erreichte Teilnehmende",
    "manual": "Von Hand erfasst",
}
TRENDS = {
    "reached": "erreicht",
    "ahead": "vor Plan",
    "on_track": "im Plan",
    "behind": "hinter Plan",
}
STATUS = {"draft": "Entwurf", "active": "laufend", "closed": "abgeschlossen"}
PARTY_KINDS = {"office": "Netzwerkstelle", "district": "Landkreis", "provider": "Träger"}
TEXT_FIELDS = (
    "title",
    "region",
    "period_start",
    "period_end",
    "district",
    "providers",
    "key",
    "version",
)
PARTS = ("title", "indicator", "target", "key")
ROW = re.compile(rf"^feld-goals-(\d+)-({'|'.join(PARTS)})$")
Errors = list[dict[str, Any]]


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


@dataclass
class Goals(Rows):
    """The goal rows as typed; a row without title and target is dropped (its indicator select
    always sends a value)."""

    prefix: str = "goals"

    @property
    def parts(self) -> tuple[str, ...]:
        return PARTS

    @classmethod
    def read(cls, form: FormData, prefix: str = "goals") -> Goals:
        found: dict[int, dict[str, str]] = {}
        for key in form:
            if match := ROW.match(key):
                found.setdefault(int(match.group(1)), {})[match.group(2)] = _text(form, key)
        made = cls()
        made.numbers = [n for n in sorted(found) if found[n].get("title") or found[n].get("target")]
        made.rows = [made.empty() | found[n] for n in made.numbers]
        return made


def _read(reader: Callable[[str], Any], text: str, name: str, message: str, errors: Errors) -> Any:
    """``reader(text)``, or None with ``message`` beside the field ``name`` when it is empty or
    cannot be read."""
    try:
        found = reader(text)
    except ValueError:
        found = None
    if found is None:
        errors.append({"field": name, "message": message})
    return found


def _date(text: str, name: str, label: str, errors: Errors) -> str | None:
    message = f"Bitte geben Sie {label} des Zeitraums als Datum an, z. B. 1.1.2027."
    found: str | None = _read(read_date, text, name, message, errors)
    return found


@dataclass
class AgreementForm:
    """The agreement form as typed."""

    values: dict[str, str] = field(default_factory=dict)
    goals: Goals = field(default_factory=Goals)

    @classmethod
    def read(cls, form: FormData) -> AgreementForm:
        return cls({n: _text(form, n) for n in TEXT_FIELDS}, Goals.read(form))

    @classmethod
    def of(cls, agreement: dict[str, Any]) -> AgreementForm:
        """The form filled with a stored agreement (planning's shape), its version hidden."""
        parties = agreement["parties"]
        district = next((p["name"] for p in parties if p["kind"] == "district"), "")
        providers = [p["name"] for p in parties if p["kind"] == "provider"]
        values = {
            "title": agreement["title"],
            "region": agreement["region"],
            "period_start": datum_kurz(agreement["period_start"]),
            "period_end": datum_kurz(agreement["period_end"]),
            "district": district,
            "providers": "\n".join(providers),
            "key": "",
            "version": str(agreement["version"]),
        }
        goals = Goals()
        goals.rows = [{part: str(goal[part]) for part in PARTS} for goal in agreement["goals"]]
        goals.numbers = list(range(len(goals.rows)))
        return cls(values, goals)

    def change_rows(self, form: FormData) -> bool:
        """Add or remove a goal when a row button was pressed (True: show the form again)."""
        if _text(form, "add_row") == "goals":
            self.goals.add()
            return True
        prefix, _, number = _text(form, "remove_row").partition("-")
        if prefix == "goals":
            self.goals.remove(number)
            return True
        return False

    def body(self, before: list[dict[str, Any]]) -> tuple[dict[str, Any], Errors]:
        """The API body and the errors found before asking the API. ``before``: the parties so
        far — the office (the first party, not in the form) is kept, and a district or provider
        named as before keeps what planning knows of it (its registry organisation)."""
        v = self.values
        errors: Errors = []
        known = {(p["kind"], p["name"]): p for p in before}
        parties = [p for p in before if p["kind"] == "office"]
        named = [("district", v["district"])] if v["district"] else []
        named += [("provider", line.strip()) for line in v["providers"].splitlines()]
        parties += [
            known.get((kind, name), {"kind": kind, "name": name}) for kind, name in named if name
        ]
        body: dict[str, Any] = {
            "region": v["region"],
            "title": v["title"],
            "period_start": _date(v["period_start"], "period_start", "den Beginn", errors),
            "period_end": _date(v["period_end"], "period_end", "das Ende", errors),
            "parties": parties,
            "goals": [],
        }
        kept = {row["key"] for row in self.goals.rows if row["key"]}
        taken, used = set(kept), set[str]()
        for n, row in enumerate(self.goals.rows):
            message = f"Bitte geben Sie den Sollwert von Ziel {n + 1} als ganze Zahl an."
            target = _read(read_count, row["target"], f"goals-{n}-target", message, errors)
            key = row["key"]
            if not key or key in used:  # a new goal, or a key sent twice
                key = slug(row["title"], taken, f"ziel-{n + 1}")
            used.add(key)
            body["goals"].append(
                {
                    "key": key,
                    "title": row["title"],
                    "indicator": row["indicator"] if row["indicator"] in INDICATORS else "manual",
                    "target": target,
                }
            )
        if not body["goals"]:
            errors.append({"field": "goals", "message": "Bitte nennen Sie mindestens ein Ziel."})
        return body, errors


def manual_value(form: FormData) -> tuple[dict[str, Any], Errors]:
    """The body of a value entered by hand for the goal ``goal_key`` (its fields
    ``wert-<key>-as_of``, ``…-value``, ``…-note``) and the errors found before asking the API."""
    errors: Errors = []
    key = _text(form, "goal_key")
    name = f"wert-{key}"
    body = {
        "goal_key": key,
        "as_of": _read(
            read_date,
            _text(form, f"{name}-as_of"),
            f"{name}-as_of",
            "Bitte geben Sie den Stichtag als Datum an, z. B. 1.3.2027.",
            errors,
        ),
        "value": _read(
            read_count,
            _text(form, f"{name}-value"),
            f"{name}-value",
            "Bitte geben Sie den Wert als ganze Zahl ab 0 an.",
            errors,
        ),
        "note": _text(form, f"{name}-note"),
    }
    return body, errors
