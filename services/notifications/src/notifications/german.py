"""Dates, times and money as German readers expect them (times shown for Europe/Berlin)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
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
