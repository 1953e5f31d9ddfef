"""The programme's local time: Saxony-Anhalt keeps Europe/Berlin. Stored times are UTC; a day that
people mean (an event's day, a completion's day, a period's boundary) is the Berlin day."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def berlin_day(moment: datetime) -> date:
    """The calendar day ``moment`` (timezone-aware) falls on in Germany."""
    return moment.astimezone(BERLIN).date()
