"""German formats: money with a decimal comma, dates spelled out, times in Europe/Berlin."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from web.site.formatting import datum, datum_kurz, datum_zeit, euro, euro_input, parse_euro, zeit


def test_money_is_shown_in_euros_with_a_decimal_comma() -> None:
    assert euro(123456) == "1.234,56\u00a0€"
    assert euro(5) == "0,05\u00a0€"
    assert euro(None) == ""
    assert euro_input(123456) == "1234,56"


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("1.234,56", 123456),
        ("1234,56", 123456),
        ("1234,5", 123450),
        ("1234", 123400),
        ("1.234,56 €", 123456),
        (" 80,00\u00a0€ ", 8000),
    ],
)
def test_amounts_typed_by_people_become_cents(typed: str, cents: int) -> None:
    assert parse_euro(typed) == cents


@pytest.mark.parametrize(
    "typed", ["", "abc", "12,345", "1,2,3", "€", "9" * 40, "1E400", "NaN", "Infinity"]
)
def test_what_is_no_amount_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_euro(typed)


def test_dates_are_spelled_out_in_german() -> None:
    assert datum(date(2026, 12, 3)) == "3. Dezember 2026"
    assert datum("2026-03-01") == "1. März 2026"
    assert datum_kurz(date(2026, 12, 3)) == "03.12.2026"
    assert datum(None) == ""


def test_times_are_shown_in_berlin() -> None:
    july_noon_utc = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)  # 12:00 in Berlin (summer time)
    assert zeit(july_noon_utc) == "12:00 Uhr"
    assert datum_zeit("2026-12-03T13:30:00+00:00") == "3. Dezember 2026, 14:30 Uhr"
    assert datum(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "1. Januar 2027"
