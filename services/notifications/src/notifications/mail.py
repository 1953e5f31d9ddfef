"""E-mail over SMTP with aiosmtplib: building the message and telling temporary failures
(retry later) from permanent rejections (the address or message is refused for good)."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

import aiosmtplib

from notifications.config import NotificationsSettings
from notifications.models import Delivery
from schulerfolg.db import utcnow

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
