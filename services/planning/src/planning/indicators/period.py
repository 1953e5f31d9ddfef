"""The period of an indicators query: a year, a quarter, a half year or a range of days."""

from __future__ import annotations

import re
from datetime import date, timedelta

from schulerfolg.http.problems import FieldError, Unprocessable

_YEAR = re.compile(r"(\d{4})")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
_HALF = re.compile(r"(\d{4})-H([12])")
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})")

PERIOD_DOC = (
    "`2026` (a year), `2026-Q3` (a quarter), `2026-H2` (a half year) or "
    "`2026-01-01..2026-06-30` (first and last day, both included). Default: the current year."
)


def _months(year: int, first: int, count: int) -> tuple[date, date]:
    start = date(year, first, 1)
    after = date(year + (first + count - 1) // 12, (first + count - 1) % 12 + 1, 1)
    return start, after - timedelta(days=1)


def parse_period(period: str) -> tuple[date, date]:
    """The first and last day (both included) of ``period``, or a 422 naming ``period``."""
    text = period.strip()
    try:
        if match := _YEAR.fullmatch(text):
            return _months(int(match[1]), 1, 12)
        if match := _QUARTER.fullmatch(text):
            return _months(int(match[1]), 3 * int(match[2]) - 2, 3)
        if match := _HALF.fullmatch(text):
            return _months(int(match[1]), 6 * int(match[2]) - 5, 6)
        if match := _RANGE.fullmatch(text):
            start, end = date.fromisoformat(match[1]), date.fromisoformat(match[2])
            if start <= end:
                return start, end
            raise _bad_period(period, "the first day lies after the last")
    except ValueError as exc:  # a year 0000, a 31 February …
        raise _bad_period(period, "not a valid date") from exc
    raise _bad_period(period, "use a year, a quarter, a half year or first..last day")


def _bad_period(period: str, reason: str) -> Unprocessable:
    return Unprocessable(
        f"'{period}' is not a period ({reason}). Use {PERIOD_DOC}",
        errors=[FieldError(field="period", location="query", message=reason, type="period")],
    )
