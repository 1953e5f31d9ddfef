"""The survey form read back and the public answer form read back.

The survey form has the survey's fields and rows of questions (``feld-questions-<n>-<part>``,
parts ``text``, ``kind``, ``required``, ``choices``) added and removed by submit buttons like the
rows of the fund form (no JavaScript needed). A question's choices are typed one per line; a line
may end with a topic slug in square brackets (``Mobbing [bullying]``). Choice and question keys
are derived from the texts (slugified, unique). Errors are German and sit beside their field."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from web.applications.forms import read_date
from web.funds.forms import Rows

AUDIENCES = {
    "schools": "Schulen",
    "school_social_work": "Schulsozialarbeit",
    "providers": "Träger",
    "parents": "Eltern",
    "pupils": "Schülerinnen und Schüler",
    "teachers": "Lehrkräfte",
    "public": "Öffentlichkeit",
}
KINDS = {
    "single": "Einfachauswahl",
    "multiple": "Mehrfachauswahl",
    "scale": "Skala 1–5",
    "text": "Freitext",
}
STATUS = {"draft": "Entwurf", "open": "offen", "closed": "geschlossen"}
TEXT_FIELDS = ("title", "description", "region", "anonymous", "opens_on", "closes_on", "key")
PARTS = ("text", "kind", "required", "choices")
ROW = re.compile(rf"^feld-questions-(\d+)-({'|'.join(PARTS)})$")
TOPIC_AT_END = re.compile(r"^(.*?)\s*\[\s*([^\[\]]*?)\s*\]\s*$")
Errors = list[dict[str, Any]]


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def slug(text: str, taken: set[str], fallback: str) -> str:
    """A key out of ``text`` (lower-case ASCII letters, digits and '-', up to 40), made unique
    among ``taken`` by a number; ``fallback`` when nothing is left of the text."""
    plain = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    base = re.sub(r"[^a-z0-9]+", "-", plain.encode("ascii", "ignore").decode()).strip("-")[:40]
    base = base.strip("-") or fallback
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    taken.add(key)
    return key


def choices_of(text: str) -> list[dict[str, Any]]:
    """The choices typed one per line: label, key derived from it, topic from ``[slug]``."""
    found: list[dict[str, Any]] = []
    taken: set[str] = set()
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        topic = None
        match = TOPIC_AT_END.match(line)
        if match and match.group(1):
            line, topic = match.group(1), match.group(2) or None
        found.append({"key": slug(line, taken, "antwort"), "label": line, "topic": topic})
    return found


@dataclass
class Questions(Rows):
    """The question rows as typed (``feld-questions-<n>-<part>``), added and removed like the
    fund form's rows; a row without text and choices is dropped."""

    prefix: str = "questions"

    @property
    def parts(self) -> tuple[str, ...]:
        return PARTS

    @classmethod
    def read(cls, form: FormData, prefix: str = "questions") -> Questions:
        found: dict[int, dict[str, str]] = {}
        for key in form:
            match = ROW.match(key)
            if match:
                found.setdefault(int(match.group(1)), {})[match.group(2)] = _text(form, key)
        numbers = [n for n in sorted(found) if found[n].get("text") or found[n].get("choices")]
        made = cls()
        made.rows = [made.empty() | found[n] for n in numbers]
        made.numbers = numbers
        return made


@dataclass
class SurveyForm:
    """The survey form as typed."""

    values: dict[str, str] = field(default_factory=dict)
    audience: list[str] = field(default_factory=list)
    questions: Questions = field(default_factory=Questions)

    @classmethod
    def read(cls, form: FormData) -> SurveyForm:
        audience = [a for a in form.getlist("audience") if isinstance(a, str) and a in AUDIENCES]
        return cls({n: _text(form, n) for n in TEXT_FIELDS}, audience, Questions.read(form))

    def change_rows(self, form: FormData) -> bool:
        """Add or remove a question when a row button was pressed (True: show the form again)."""
        if _text(form, "add_row") == "questions":
            self.questions.add()
            return True
        prefix, _, number = _text(form, "remove_row").partition("-")
        if prefix == "questions":
            self.questions.remove(number)
            return True
        return False

    def body(self) -> tuple[dict[str, Any], Errors]:
        """The API body, and the errors found before asking the API."""
        v = self.values
        errors: Errors = []
        body: dict[str, Any] = {
            "title": v["title"],
            "description": v["description"],
            "region": None if v["region"] in ("", "state") else v["region"],
            "audience": self.audience,
            "anonymous": v["anonymous"] == "ja",
        }
        if not self.audience:
            errors.append({"field": "audience", "message": "Bitte wählen Sie, wen Sie fragen."})
        for name, label in (("opens_on", "den Beginn"), ("closes_on", "das Ende")):
            try:
                body[name] = read_date(v[name])
            except ValueError:
                body[name] = None
                errors.append(
                    {
                        "field": name,
                        "message": f"Bitte geben Sie {label} als Datum an, z. B. 1.3.2027.",
                    }
                )
        taken: set[str] = set()
        body["questions"] = [
            {
                "key": slug(row["text"], taken, f"frage-{n + 1}"),
                "text": row["text"],
                "kind": row["kind"] if row["kind"] in KINDS else "single",
                "required": row["required"] == "ja",
                "choices": choices_of(row["choices"])
                if row["kind"] in ("single", "multiple")
                else [],
            }
            for n, row in enumerate(self.questions.rows)
        ]
        if not body["questions"]:
            errors.append(
                {"field": "questions", "message": "Bitte stellen Sie mindestens eine Frage."}
            )
        return body, errors


def answers_of(questions: list[dict[str, Any]], form: FormData) -> dict[str, Any]:
    """The public form's answers (``antwort-<key>``) in the API's shape; unanswered ones left
    out, a scale value that is no number passed on as typed (the API names it)."""
    answers: dict[str, Any] = {}
    for question in questions:
        name = f"antwort-{question['key']}"
        if question["kind"] == "multiple":
            picked = [p for p in form.getlist(name) if isinstance(p, str) and p]
            if picked:
                answers[question["key"]] = picked
            continue
        value = _text(form, name)
        if not value:
            continue
        if question["kind"] == "scale" and value.isdigit():
            answers[question["key"]] = int(value)
        else:
            answers[question["key"]] = value
    return answers


def typed_answers(questions: list[dict[str, Any]], form: FormData) -> dict[str, list[str]]:
    """What the respondent chose or wrote, per question key, to show the form again."""
    return {
        q["key"]: [str(v) for v in form.getlist(f"antwort-{q['key']}") if isinstance(v, str)]
        for q in questions
    }
