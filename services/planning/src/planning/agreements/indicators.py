"""The indicators of target agreements, counted from planning's read models.

Each indicator is counted for the agreement's region within its period, cut at a day: the
actual figure is cut at the period's end (so a project approved to start later in the period
has reached its schools already), the series at each month's end up to ``as_of`` (a project
counts from the month it starts). Counting is done here over the rows the repository hands
over, so the series and the actual figure follow the very same definitions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from planning.agreements.schemas import Trend
from planning.models import FundedProject, ManualValue, MeetingView, ParticipantRecord
from schulerfolg.local_time import BERLIN, berlin_day

NETWORK_MEETING_KINDS = ("network_meeting", "regional_group_meeting")


@dataclass(frozen=True)
class Facts:
    """What the indicators of one agreement count from (its region's rows)."""

    period_start: date
    period_end: date
    now: datetime
    projects: list[FundedProject] = field(default_factory=list)  # funded (approved and on)
    schools_without_social_work: frozenset[str] = frozenset()
    meetings: list[MeetingView] = field(default_factory=list)  # network kinds, scheduled
    participants: list[ParticipantRecord] = field(default_factory=list)
    manual: dict[str, list[ManualValue]] = field(default_factory=dict)  # goal key → values


def _in_period(day: date, facts: Facts, cut: date) -> bool:
    return facts.period_start <= day <= min(cut, facts.period_end)


def _running(project: FundedProject, facts: Facts, cut: date) -> bool:
    """Started by ``cut`` (and the period's end) and not ended before the period began."""
    ends = project.end_date or project.start_date
    return project.start_date <= min(cut, facts.period_end) and ends >= facts.period_start


def schools_reached(facts: Facts, cut: date) -> set[str]:
    """Distinct schools of the funded projects running in the period (by ``cut``)."""
    return {
        school
        for project in facts.projects
        if _running(project, facts, cut)
        for school in project.school_ids
    }


def count(indicator: str, facts: Facts, cut: date, goal_key: str = "") -> int:
    """The figure of ``indicator`` as it stood at the end of ``cut``."""
    if indicator == "projects_completed":
        return sum(
            1
            for p in facts.projects
            if p.status == "completed"
            and p.completed_on is not None
            and _in_period(p.completed_on, facts, cut)
        )
    if indicator == "schools_reached":
        return len(schools_reached(facts, cut))
    if indicator == "schools_without_social_work_reached":
        return len(schools_reached(facts, cut) & facts.schools_without_social_work)
    if indicator == "network_meetings_held":
        until = min(facts.now, datetime.combine(cut + timedelta(days=1), time(), tzinfo=BERLIN))
        return sum(
            1
            for m in facts.meetings
            if m.ends_at <= until and _in_period(berlin_day(m.starts_at), facts, cut)
        )
    if indicator == "participants_reached":
        return sum(r.present for r in facts.participants if _in_period(r.activity_on, facts, cut))
    return _latest(facts.manual.get(goal_key, ()), cut)


def _latest(values: Iterable[ManualValue], cut: date) -> int:
    """The latest hand-entered figure as of ``cut`` (0 before the first)."""
    known = [v for v in values if v.as_of <= cut]
    if not known:
        return 0
    return max(known, key=lambda v: (v.as_of, v.entered_at)).value


def month_ends(start: date, as_of: date) -> list[tuple[str, date]]:
    """Each month from ``start`` to ``as_of`` with the day it is cut at (its last day, or
    ``as_of`` for the last month); empty before the period has begun."""
    months: list[tuple[str, date]] = []
    year, month = start.year, start.month
    while (year, month) <= (as_of.year, as_of.month):
        following = date(year + month // 12, month % 12 + 1, 1)
        months.append((f"{year:04d}-{month:02d}", min(following - timedelta(days=1), as_of)))
        year, month = following.year, following.month
    return months


def elapsed_share(period_start: date, period_end: date, as_of: date) -> float:
    """How much of the period has passed by the end of ``as_of`` (0 to 1)."""
    days = (period_end - period_start).days + 1
    passed = (as_of - period_start).days + 1
    return max(0.0, min(1.0, passed / days))


TOLERANCE = 0.1  # within 10 % of the expected figure counts as on track


def trend(actual: int, target: int, expected: float) -> Trend:
    """``reached`` once the target is met; otherwise ahead of, on or behind the expected figure
    (10 % either side of it is on track)."""
    if actual >= target:
        return "reached"
    if actual > expected * (1 + TOLERANCE):
        return "ahead"
    if actual < expected * (1 - TOLERANCE):
        return "behind"
    return "on_track"
