"""Background work of a service process: the e-mail sender and the scheduler (reminders and
digests). Both are woken after commits and also poll, so nothing waits for a wake-up that was
missed (another replica's commit, a restart)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import structlog
from prometheus_client import CollectorRegistry, Gauge
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from notifications import reminders
from notifications.dispatch import Notifier
from notifications.kinds import DIGEST
from notifications.mail import SendResult, SmtpSender
from notifications.models import Delivery, DigestItem
from schulerfolg.db import Database, dialect_insert, utcnow
from schulerfolg.tasks import cancel_and_wait

log = structlog.get_logger("notifications.workers")


class Loop:
    """Runs ``step`` again and again: at once while it finds work, else after a wake-up or
    ``interval`` seconds; failures are logged and retried with a growing pause."""

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


class DeliverySender:
    """Sends due e-mails one at a time; retries temporary failures with backoff, fails permanent
    ones.

    Each e-mail is claimed in its own small transaction (status ``sending``; on PostgreSQL with
    ``FOR UPDATE SKIP LOCKED``, so replicas never take the same one) for ``delivery_lease_seconds``,
    sent, and marked in its own small transaction right after the SMTP server's answer. A stop
    (``stop_taking``) lets the e-mail in flight finish and takes no new one. Only a crash between
    the server's 250 and the mark's commit leaves an e-mail in doubt: it stays ``sending`` and is
    sent once more when its claim has run out — with the same Message-ID, counted in
    ``in_doubt_resends``.
    """

    def __init__(self, db: Database, notifier: Notifier, smtp: SmtpSender) -> None:
        self.db = db
        self.notifier = notifier
        self.smtp = smtp
        self.settings = notifier.settings
        self.stopping = False

    def stop_taking(self) -> None:
        """Finish the e-mail in flight, but claim no further one."""
        self.stopping = True

    async def send_due(self) -> int:
        """Send up to one batch of due e-mails; return how many were tried."""
        tried = 0
        try:
            while tried < self.settings.delivery_batch_size and not self.stopping:
                delivery = await self._claim()
                if delivery is None:
                    break
                result = await self._send(delivery)
                await self._mark(delivery, result)
                tried += 1
                if not result.ok and not result.permanent:
                    break  # the server is probably away: the rest waits for the next round
        finally:
            await self.smtp.close()
        return tried

    async def _claim(self) -> Delivery | None:
        """Take the next due e-mail (or one whose sender crashed while sending it)."""
        now = self.notifier.signals.now()
        lease = timedelta(seconds=self.settings.delivery_lease_seconds)
        due = (
            select(Delivery.id)
            .where(Delivery.status.in_(("pending", "sending")), Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(1)
            .with_for_update(skip_locked=True)  # SQLite (one process) has no FOR UPDATE
            .scalar_subquery()
        )
        in_doubt = case((Delivery.status == "sending", 1), else_=0)
        claim = (
            update(Delivery)
            .where(Delivery.id == due)
            .values(
                status="sending",
                next_attempt_at=now + lease,
                attempts=Delivery.attempts + 1,
                in_doubt_resends=Delivery.in_doubt_resends + in_doubt,
                version=Delivery.version + 1,
                updated_at=utcnow(),
            )
            .returning(Delivery)
            .execution_options(synchronize_session=False)
        )
        async with self.db.transaction() as session:
            return (await session.scalars(claim)).first()

    async def _send(self, delivery: Delivery) -> SendResult:
        """Send within half the claim, so no other sender takes the e-mail while it is sent."""
        try:
            async with asyncio.timeout(self.settings.delivery_lease_seconds / 2):
                return await self.smtp.send(delivery)
        except TimeoutError:
            await self.smtp.close()
            return SendResult(ok=False, error="Zeitüberschreitung beim Senden")

    def backoff(self, attempts: int) -> float:
        """Seconds before the next attempt after ``attempts`` failed ones."""
        s = self.settings
        return float(
            min(s.delivery_backoff_base * 2 ** max(attempts - 1, 0), s.delivery_backoff_max)
        )

    async def _mark(self, delivery: Delivery, result: SendResult) -> None:
        """Record the outcome in its own small transaction (the e-mail is claimed by us)."""
        now = utcnow()
        values: dict[str, object] = {
            "version": delivery.version + 1,
            "updated_at": now,
            "last_error": result.error,
        }
        if result.ok:
            values |= {"status": "sent", "sent_at": now}
        elif result.permanent or delivery.attempts >= self.settings.delivery_max_attempts:
            values |= {"status": "failed"}
        else:
            retry_at = self.notifier.signals.now() + timedelta(
                seconds=self.backoff(delivery.attempts)
            )
            values |= {"status": "pending", "next_attempt_at": retry_at}
        async with self.db.transaction() as session:
            await session.execute(
                update(Delivery)
                .where(Delivery.id == delivery.id, Delivery.status == "sending")
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        log.info(
            "notifications.delivery_attempted",
            delivery_id=str(delivery.id),
            kind=delivery.kind,
            status=values["status"],
            attempts=delivery.attempts,
            in_doubt_resends=delivery.in_doubt_resends,
            permanent=result.permanent,
        )


class Scheduler:
    """Fires due reminders and sends due digests, each in one transaction with its claim."""

    def __init__(self, db: Database, notifier: Notifier, *, batch_size: int = 100) -> None:
        self.db = db
        self.notifier = notifier
        self.batch_size = batch_size

    async def run_due(self) -> int:
        """Fire one batch of due reminders and due digests; return how many were handled."""
        now = self.notifier.signals.now()
        async with self.db.transaction() as session:
            fired = await reminders.fire_due(session, self.notifier, now=now, limit=self.batch_size)
        async with self.db.transaction() as session:
            digests = await self._send_digests(session, now)
        return fired + digests

    async def _send_digests(self, session: AsyncSession, now: datetime) -> int:
        keys = (
            await session.scalars(
                select(DigestItem.recipient_key)
                .where(DigestItem.due_at <= now)
                .distinct()
                .limit(self.batch_size)
            )
        ).all()
        sent = 0
        for key in keys:
            statement = (
                select(DigestItem)
                .where(DigestItem.recipient_key == key, DigestItem.due_at <= now)
                .order_by(DigestItem.created_at, DigestItem.id)
            )
            if session.bind.dialect.name == "postgresql":
                statement = statement.with_for_update(skip_locked=True)
            items = list((await session.scalars(statement)).all())
            if not items:
                continue  # another replica is sending it
            await self._digest(session, items)
            await session.execute(
                delete(DigestItem)
                .where(DigestItem.id.in_([i.id for i in items]))
                .execution_options(synchronize_session=False)
            )
            sent += 1
        return sent

    async def _digest(self, session: AsyncSession, items: list[DigestItem]) -> None:
        first = items[-1]
        period = "weekly" if any(i.period == "weekly" for i in items) else "daily"
        text = self.notifier.renderer.render(
            DIGEST, link="", name=first.to_name, items=items, period=period
        )
        row = self.notifier.delivery_row(
            kind=DIGEST,
            to_address=first.to_address,
            to_name=first.to_name,
            subject=text.subject,
            text=text.text,
            html=text.html,
            now=utcnow(),
        ) | {
            "source_event_id": f"digest:{uuid.uuid4()}",
            "recipient_key": first.recipient_key,
            "person_id": first.person_id,
        }
        await session.execute(dialect_insert(session)(Delivery.__table__).values(row))
        self.notifier.hook(session)
        log.info("notifications.digest_created", items=len(items), period=period)


class DeliveryGauges:
    """E-mail figures on ``/metrics``: deliveries per status and the oldest pending one's age
    (refreshed by the scheduler's rounds, so a scrape never waits for the database)."""

    def __init__(self, db: Database, registry: CollectorRegistry) -> None:
        self.db = db
        self.by_status = Gauge(
            "email_deliveries", "E-mail deliveries by status.", ["status"], registry=registry
        )
        self.oldest_pending = Gauge(
            "email_oldest_pending_age_seconds",
            "Age of the oldest e-mail not yet sent.",
            registry=registry,
        )
        self.in_doubt = Gauge(
            "email_in_doubt_resends",
            "E-mails sent again because their sender crashed before it could mark them sent.",
            registry=registry,
        )

    async def refresh(self) -> None:
        """Count the deliveries now."""
        async with self.db.transaction(readonly=True) as session:
            counts = dict(
                (
                    await session.execute(
                        select(Delivery.status, func.count()).group_by(Delivery.status)
                    )
                ).all()
            )
            oldest = await session.scalar(
                select(func.min(Delivery.created_at)).where(
                    Delivery.status.in_(("pending", "sending"))
                )
            )
            in_doubt = await session.scalar(select(func.sum(Delivery.in_doubt_resends)))
        for status in ("pending", "sending", "sent", "failed"):
            self.by_status.labels(status).set(counts.get(status, 0))
        age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
        self.oldest_pending.set(max(age, 0.0))
        self.in_doubt.set(in_doubt or 0)
