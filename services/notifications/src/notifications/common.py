"""Small pieces the whole service uses: the notification kinds, e-mail address comparison, the
Berlin time zone, the clock and wake-ups of one process, the background loop, and keyset
pagination by creation time."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Literal, get_args

import structlog
from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from schulerfolg.db import utcnow
from schulerfolg.http.pagination import PageParams, decode_cursor, encode_cursor
from schulerfolg.http.problems import BadRequest, FieldError
from schulerfolg.tasks import cancel_and_wait

log = structlog.get_logger("notifications.common")

# --------------------------------------------------------------------------- vocabulary

NotificationKind = Literal[
    "application_submitted",
    "application_approved",
    "application_rejected",
    "application_returned",
    "decision_refused",
    "meeting_scheduled",
    "meeting_updated",
    "meeting_cancelled",
    "registration_confirmed",
    "registration_waitlisted",
    "registration_promoted",
    "participation_certificate",  # a registrant present at a training (issue 20)
    "meeting_reminder",
    "report_due",
    "proof_of_use_due",  # proof of use (issue 16)
    "proof_of_use_overdue",
    "proof_of_use_returned",
    "proof_of_use_accepted",
    "reclaim_due",
    "payment_approved",  # payments (issue 16)
    "payment_paid",
    "youth_project_received",  # youth micro-projects (issue 20)
    "circular_started",  # circular decisions (issue 20)
    "circular_reminder",
    "circular_result",
]
"""The kinds of notification this service sends (one template pair per kind)."""

KINDS: tuple[str, ...] = get_args(NotificationKind)
DIGEST = "digest"  # the e-mail collecting a period's notifications (not a preference kind)


def normalize_email(email: str | None) -> str | None:
    """An address as compared and stored for ownership (trimmed, lower case)."""
    return email.strip().lower() if email and email.strip() else None


# --------------------------------------------------------------------------- clock and wake-ups


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


class Loop:
    """Runs ``step`` again and again: at once while it finds work, else after a wake-up or
    ``interval`` seconds; failures are logged and retried with a growing pause.

    The sender and the scheduler run in such loops; both are woken after commits and also poll,
    so nothing waits for a wake-up that was missed (another replica's commit, a restart).
    """

    def __init__(
        self,
        name: str,
        step: Callable[[], Awaitable[int]],
        *,
        interval: float,
        wait: Callable[[float], Awaitable[bool]],
        busy: int,
    ) -> None:
        self.name = name
        self.step = step
        self.interval = interval
        self.wait = wait
        self.busy = busy
        self._task: asyncio.Task[None] | None = None
        self._stepping = False

    def start(self) -> None:
        """Run in a background task."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self, grace: float = 0.0) -> None:
        """Stop: a step under way gets ``grace`` seconds to end, a pause ends at once; what is
        still running then is cancelled (its rows are picked up again later)."""
        if self._task is None:
            return
        if self._stepping and grace > 0:
            await asyncio.wait({self._task}, timeout=grace)
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self) -> None:
        failures = 0
        while True:
            self._stepping = True
            try:
                done = await self.step()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep going whatever happens; the rows stay due
                failures += 1
                pause = min(0.2 * 2 ** (failures - 1), 30.0)
                log.warning(f"{self.name}.failed", error=repr(exc)[:500], retry_in=pause)
                self._stepping = False
                await asyncio.sleep(pause)
                continue
            finally:
                self._stepping = False
            if done < self.busy:
                await self.wait(self.interval)


# --------------------------------------------------------------------------- keyset pages
# The shared ``paginate`` orders ascending only, and reads a cursor date without a time zone as
# a naive datetime (which the UTC column type refuses); this reads only aware ones.


def _key(cursor: str) -> tuple[datetime, uuid.UUID]:
    created_at, entity_id = decode_cursor(cursor, 2)
    try:
        key = datetime.fromisoformat(created_at), uuid.UUID(entity_id)
    except (TypeError, ValueError, AttributeError):
        key = None
    if key is None or key[0].tzinfo is None:
        raise BadRequest(
            "The cursor is not valid; use the next_cursor of a previous page.",
            errors=[
                FieldError(
                    field="cursor", location="query", message="invalid cursor", type="cursor"
                )
            ],
        )
    return key


async def page_by_created(
    session: AsyncSession,
    statement: Select[Any],
    model: Any,
    params: PageParams,
    *,
    newest_first: bool,
) -> tuple[list[Any], str | None]:
    """One page of ``statement`` (selecting ``model``) ordered by ``(created_at, id)``, newest
    or oldest first."""
    key = (model.created_at, model.id)
    if params.cursor:
        after = tuple_(*key) < tuple_(*_key(params.cursor))
        if not newest_first:
            after = tuple_(*key) > tuple_(*_key(params.cursor))
        statement = statement.where(after)
    order = [c.desc() for c in key] if newest_first else list(key)
    rows = list((await session.scalars(statement.order_by(*order).limit(params.limit + 1))).all())
    next_cursor = None
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        next_cursor = encode_cursor([rows[-1].created_at.isoformat(), rows[-1].id])
    return rows, next_cursor
