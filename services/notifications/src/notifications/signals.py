"""What the parts of one process tell each other: the clock, and wake-ups after commits."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime

from schulerfolg.db import utcnow


class Signal:
    """A wake-up that any number of waiters see; firing it never blocks."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        """Wake everyone waiting now."""
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait(self, timeout: float) -> bool:
        """Wait until fired or ``timeout`` seconds passed; whether it was fired."""
        event = self._event
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await event.wait()
                return True
        return False


class Signals:
    """The clock and the wake-ups of one service process.

    ``clock`` is what every due time is compared with (tests move it forward to reach a digest
    hour without waiting for it). ``deliveries`` wakes the sender after a commit that created
    e-mails, ``inbox`` wakes open Server-Sent-Event streams after new notifications.
    """

    def __init__(self, clock: Callable[[], datetime] = utcnow) -> None:
        self.clock = clock
        self.deliveries = Signal()
        self.inbox = Signal()
        self.scheduler = Signal()

    def now(self) -> datetime:
        """The current time (timezone-aware, UTC)."""
        return self.clock()
