"""German formats for money, dates and times (Babel, Europe/Berlin), and reading euro amounts
typed by people back into cents."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import NumberFormatError, format_currency, format_decimal, parse_decimal

from schulerfolg.local_time import BERLIN

LOCALE = "de_DE"


def euro(cents: int | None) -> str:
    """``123456`` → „1.234,56 €“."""
    if cents is None:
        return ""
    return format_currency(Decimal(cents) / 100, "EUR", locale=LOCALE)


def euro_input(cents: int | None) -> str:
    """The value of a euro input field: ``123456`` → „1234,56“ (no grouping, no sign)."""
    if cents is None:
        return ""
    return format_decimal(Decimal(cents) / 100, format="0.00", locale=LOCALE)


def parse_euro(text: str) -> int:
    """„1.234,56“, „1234,5“, „1234“, „1.234,56 €“ → cents; ValueError when it is no amount."""
    cleaned = text.replace("€", "").replace("\u00a0", "").replace(" ", "").strip()
    if not cleaned:
        raise ValueError("empty")
    try:
        value = parse_decimal(cleaned, locale=LOCALE, strict=False)
        if not value.is_finite() or value.as_tuple().exponent < -2:  # type: ignore[operator]  # exponent is int for finite values
            raise ValueError(text)
        # beyond the decimal context's 28 digits (an overlong amount) quantize raises
        return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except (NumberFormatError, InvalidOperation) as exc:
        raise ValueError(text) from exc


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        return value.astimezone(BERLIN).date() if value.tzinfo else value.date()
    return value


def _as_datetime(value: datetime | str) -> datetime:
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed.astimezone(BERLIN)


def datum(value: date | datetime | str | None) -> str:
    """„3. Dezember 2026“ (a date-time is taken in Europe/Berlin)."""
    if value in (None, ""):
        return ""
    return format_date(_as_date(value), format="long", locale=LOCALE)


def datum_kurz(value: date | datetime | str | None) -> str:
    """„03.12.2026“."""
    if value in (None, ""):
        return ""
    return format_date(_as_date(value), format="dd.MM.yyyy", locale=LOCALE)


def zeit(value: datetime | str | None) -> str:
    """„14:30 Uhr“ in Europe/Berlin."""
    if value in (None, ""):
        return ""
    return format_time(_as_datetime(value), "HH:mm 'Uhr'", locale=LOCALE)


def datum_zeit(value: datetime | str | None) -> str:
    """„3. Dezember 2026, 14:30 Uhr“ in Europe/Berlin."""
    if value in (None, ""):
        return ""
    moment = _as_datetime(value)
    return format_datetime(moment, "d. MMMM y, HH:mm 'Uhr'", tzinfo=BERLIN, locale=LOCALE)


def monat(value: str | None) -> str:
    """A month ``2026-11`` → „November 2026“ (the text unchanged when it is no month)."""
    if not value:
        return ""
    try:
        first = date.fromisoformat(f"{value}-01")
    except ValueError:
        return value
    return format_date(first, format="MMMM y", locale=LOCALE)


def iso_datetime(value: datetime | str | None) -> str:
    """A machine-readable date-time for ``<time datetime>``."""
    if value in (None, ""):
        return ""
    return _as_datetime(value).isoformat()


FILTERS = {
    "euro": euro,
    "euro_input": euro_input,
    "datum": datum,
    "datum_kurz": datum_kurz,
    "zeit": zeit,
    "datum_zeit": datum_zeit,
    "monat": monat,
    "iso_datetime": iso_datetime,
}
