"""The documents' German text: facts → HTML (Jinja2 templates beside this module) → PDF
(WeasyPrint). Pure functions; rendering is CPU-bound, so callers run ``pdf`` in a thread."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"

CATEGORIES = {
    "fees": "Honorare",
    "materials": "Sachkosten und Material",
    "travel": "Fahrt- und Reisekosten",
    "other": "Sonstiges",
}


def euro(cents: int | None) -> str:
    """German money: 123450 → „1.234,50 €“."""
    if cents is None:
        return "–"
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole:,}".replace(",", ".") + f",{rest:02d} €"


def datum(value: str | date | None) -> str:
    """German date: 2027-03-01 → „01.03.2027“."""
    if value is None:
        return "–"
    day = value if isinstance(value, date) else date.fromisoformat(value)
    return day.strftime("%d.%m.%Y")


_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
    undefined=StrictUndefined,
)
_env.filters["euro"] = euro
_env.filters["datum"] = datum
_env.globals["categories"] = CATEGORIES


def html(kind: str, facts: dict[str, Any]) -> str:
    """The document's HTML (``grant_notice`` or ``rejection_letter``)."""
    return _env.get_template(f"{kind}.html").render(f=facts)


def pdf(kind: str, facts: dict[str, Any]) -> bytes:
    """The document as an A4 PDF."""
    # Imported here: WeasyPrint loads Pango through cffi, which only documents need.
    import weasyprint

    # The templates need nothing from anywhere: no URL in them is ever fetched.
    fetcher = weasyprint.URLFetcher(allowed_protocols=())
    document: bytes = weasyprint.HTML(string=html(kind, facts), url_fetcher=fetcher).write_pdf()
    return document
