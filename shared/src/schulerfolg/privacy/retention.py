"""Retention: personal data is anonymised when its time is up (CONTRACT.md, "privacy").

Each service declares its ``RetentionTask``s; the housekeeping runs them every round, each in a
transaction of its own, with ``now`` moved forward by ``retention_clock_offset_days`` (a setting
for tests and drills). A task anonymises or deletes the personal fields of what ended before its
limit and keeps the rows, so the figures in statistics stay the same.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class RetentionTask:
    """One kind of personal data and how to anonymise what has outlived its retention."""

    kind: str  # e.g. "registrations"; names the count in the logs
    # Anonymise what is due at ``now``; return how many records changed.
    run: Callable[[AsyncSession, datetime], Awaitable[int]]
    # False for a duty on the housekeeping's clock that touches no personal data (closing what is
    # due, dropping spent one-time codes): counted apart, no checkpoint after it.
    personal: bool = True
