"""The German texts of each notification kind: Jinja2 templates (in ``templates/``), per kind a
plain-text template (blocks ``subject``, ``summary``, ``body``) and an HTML template
(autoescaped); dates, times and money as German readers expect them (times in Berlin time)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from schulerfolg.local_time import BERLIN

TEMPLATES = Path(__file__).parent / "templates"
MAX_SUBJECT = 200  # a subject line stays readable (and unfolded on the wire)
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")

WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)


def format_date(value: date | datetime | str) -> str:
    """``1. Dezember 2026``."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(BERLIN).date()
    return f"{value.day}. {MONTHS[value.month - 1]} {value.year}"


def format_datetime(value: datetime | str) -> str:
    """``Dienstag, 1. Dezember 2026, 14:00 Uhr`` in Berlin time."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    local = value.astimezone(BERLIN)
    return f"{WEEKDAYS[local.weekday()]}, {format_date(local.date())}, {local:%H:%M} Uhr"


def format_time(value: datetime | str) -> str:
    """``16:30 Uhr`` in Berlin time."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return f"{value.astimezone(BERLIN):%H:%M} Uhr"


def format_cents(cents: int | None) -> str:
    """``1.234,50 €``."""
    if cents is None:
        return "–"
    euros, rest = divmod(abs(int(cents)), 100)
    sign = "-" if int(cents) < 0 else ""
    return f"{sign}{euros:,}".replace(",", ".") + f",{rest:02d} €"


@dataclass(frozen=True)
class Rendered:
    """One notification as text: the subject (inbox title), a short summary (inbox body), and
    the e-mail in plain text and HTML."""

    subject: str
    summary: str
    text: str
    html: str


class Renderer:
    """Renders notification kinds with links into the web frontend at ``base_url``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=False,
        )
        self.env.filters["date"] = format_date
        self.env.filters["datetime"] = format_datetime
        self.env.filters["time"] = format_time
        self.env.filters["cents"] = format_cents

    def url(self, link: str) -> str:
        """The absolute URL of a resource path such as ``/applications/<id>``."""
        return f"{self.base_url}{link}"

    def render(self, kind: str, *, link: str, name: str | None, **context: Any) -> Rendered:
        """Subject, summary, text and HTML of ``kind`` for a recipient called ``name``."""
        values = {"name": name, "url": self.url(link) if link else "", "base_url": self.base_url}
        values |= context
        text_template = self.env.get_template(f"{kind}.txt")
        blocks = {}
        for block in ("subject", "summary"):
            render_block = text_template.blocks[block]
            blocks[block] = " ".join(
                "".join(render_block(text_template.new_context(values))).split()
            )
        body = text_template.render(values).split("\n", 2)[2]
        text = _BLANK_LINES.sub("\n\n", body).strip() + "\n"
        html = self.env.get_template(f"{kind}.html").render(values | {"subject": blocks["subject"]})
        subject = _shorten(blocks["subject"], MAX_SUBJECT)
        return Rendered(subject, blocks["summary"], text, html)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
