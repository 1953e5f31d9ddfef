"""E-mail: sending the stored deliveries over SMTP (aiosmtplib), one at a time, with retries;
the digests that collect a period's notifications into one e-mail; the delivery figures on
``/metrics``.

The sender tells temporary failures (retry later) from permanent rejections (the address or
message is refused for good). It is woken after commits and also polls (see ``common.Loop``).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

import aiosmtplib
import structlog
from prometheus_client import CollectorRegistry, Gauge
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.common import DIGEST
from notifications.config import NotificationsSettings
from notifications.deliveries import repository
from notifications.dispatch import repository as dispatched
from notifications.dispatch.service import Notifier
from notifications.models import Delivery, DigestItem
from schulerfolg.db import Database, utcnow

log = structlog.get_logger("notifications.deliveries")

# Python folds a header at 78 characters between a plain and an encoded word in a way that
# decodes with a doubled space ("Grundschule  Süd"); subjects are short, so fold only at the
# RFC 5322 hard limit.
WIRE_POLICY = policy.SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class SendResult:
    """What happened to one e-mail: sent, or failed temporarily or permanently, and why."""

    ok: bool
    permanent: bool = False
    error: str | None = None


def build_message(delivery: Delivery, *, sender: str) -> EmailMessage:
    """The e-mail of a delivery: UTF-8 subject and names (RFC 2047), text and HTML parts."""
    message = EmailMessage()
    message["Subject"] = delivery.subject
    message["From"] = sender
    message["To"] = (
        formataddr((delivery.to_name, delivery.to_address))
        if delivery.to_name
        else str(Address(addr_spec=delivery.to_address))
    )
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = delivery.message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(delivery.text_body)
    message.add_alternative(delivery.html_body, subtype="html")
    return message


def _is_permanent(exc: Exception) -> bool:
    """5xx answers about the recipient or the message are permanent; everything else (no
    connection, timeouts, 4xx, a refused login the operator can fix) is worth a retry."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(r.code >= 500 for r in exc.recipients)
    if isinstance(
        exc,
        aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError | aiosmtplib.SMTPSenderRefused,
    ):
        return exc.code >= 500
    return False


def _describe(exc: Exception) -> str:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return "; ".join(f"{r.code} {r.message}" for r in exc.recipients)[:1000]
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{exc.code} {exc.message}"[:1000]
    return f"{type(exc).__name__}: {exc}"[:1000]


class SmtpSender:
    """Sends messages to the configured SMTP server, one at a time over one connection that is
    kept open while a round lasts (``close`` ends it)."""

    def __init__(self, settings: NotificationsSettings) -> None:
        self.settings = settings
        self._client: aiosmtplib.SMTP | None = None

    async def _connection(self) -> aiosmtplib.SMTP:
        """The open connection, checked with NOOP (the server may have closed it), or a new one."""
        if self._client is not None and self._client.is_connected:
            try:
                await self._client.noop()
                return self._client
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                await self.close()
        s = self.settings
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_user or None,
            password=s.smtp_password or None,
            use_tls=s.smtp_tls == "tls",
            start_tls=s.smtp_tls == "starttls",
            timeout=s.smtp_timeout,
        )
        await client.connect()
        self._client = client
        return client

    async def send(self, delivery: Delivery) -> SendResult:
        """Hand one delivery to the SMTP server; ok once it answered 250 to the message."""
        s = self.settings
        message = build_message(delivery, sender=s.smtp_from)
        try:
            client = await self._connection()
            await client.sendmail(
                parseaddr(s.smtp_from)[1],
                [delivery.to_address],
                message.as_bytes(policy=WIRE_POLICY),
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            if not isinstance(exc, aiosmtplib.SMTPResponseException) or exc.code == 421:
                await self.close()  # the connection is broken or being closed by the server
            return SendResult(ok=False, permanent=_is_permanent(exc), error=_describe(exc))
        return SendResult(ok=True)

    async def close(self) -> None:
        """End the connection (QUIT if it still answers)."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if client.is_connected:
                await client.quit(timeout=min(self.settings.smtp_timeout, 2.0))
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            client.close()


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
        async with self.db.transaction() as session:
            return await repository.claim_next(session, now=now, lease=lease)

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
            await repository.mark(session, delivery, values)
        log.info(
            "notifications.delivery_attempted",
            delivery_id=str(delivery.id),
            kind=delivery.kind,
            status=values["status"],
            attempts=delivery.attempts,
            in_doubt_resends=delivery.in_doubt_resends,
            permanent=result.permanent,
        )


async def send_digests(
    session: AsyncSession, notifier: Notifier, *, now: datetime, limit: int
) -> int:
    """Turn the digest items due at ``now`` into one digest e-mail per recipient (up to
    ``limit`` recipients); return how many digests were stored."""
    sent = 0
    for key in await repository.digest_recipients_due(session, now=now, limit=limit):
        items = list(await repository.digest_items_due(session, key, now=now))
        if not items:
            continue  # another replica is sending it
        await _digest(session, notifier, items)
        await repository.delete_digest_items(session, items)
        sent += 1
    return sent


async def _digest(session: AsyncSession, notifier: Notifier, items: list[DigestItem]) -> None:
    first = items[-1]
    period = "weekly" if any(i.period == "weekly" for i in items) else "daily"
    text = notifier.renderer.render(DIGEST, link="", name=first.to_name, items=items, period=period)
    row = notifier.delivery_row(
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
    await dispatched.insert_new(session, Delivery, [row])
    notifier.hook(session)
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
            counts = await repository.counts_by_status(session)
            oldest = await repository.oldest_unsent_at(session)
            in_doubt = await repository.in_doubt_resends(session)
        for status in ("pending", "sending", "sent", "failed"):
            self.by_status.labels(status).set(counts.get(status, 0))
        age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
        self.oldest_pending.set(max(age, 0.0))
        self.in_doubt.set(in_doubt)
