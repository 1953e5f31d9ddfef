"""Settings of the notifications service (environment variables with the prefix ``NOTIFICATIONS_``).

The SMTP settings are also read without the prefix (``SMTP_HOST``, ``SMTP_PORT``, … as the
contract names them and ``schulerfolg up`` sets them); ``NOTIFICATIONS_SMTP_*`` wins where both
are set.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from schulerfolg.settings import ServiceSettings

PREFIX = "NOTIFICATIONS_"


def _smtp(name: str, default: Any, description: str, **kwargs: Any) -> Any:
    """A setting read from ``NOTIFICATIONS_<NAME>`` or, failing that, ``<NAME>``."""
    return Field(
        default,
        validation_alias=AliasChoices(f"{PREFIX}{name}", name, name.lower()),
        description=f"{description} Also read as `{name}`.",
        **kwargs,
    )


class NotificationsSettings(ServiceSettings):
    """Notifications settings; see the service README for every variable."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", populate_by_name=True)

    database_url: str = Field(
        "sqlite+aiosqlite:///./notifications.db",
        description="postgresql+asyncpg://user:pass@host/notifications in production.",
    )
    port: int = Field(8004, ge=1, le=65535, description="HTTP port (8004 on one machine).")

    smtp_host: str = _smtp("SMTP_HOST", "127.0.0.1", "SMTP server host.")
    smtp_port: int = _smtp("SMTP_PORT", 25, "SMTP server port.", ge=1, le=65535)
    smtp_tls: Literal["none", "starttls", "tls"] = _smtp(
        "SMTP_TLS", "none", "`none`, `starttls` (upgrade a plain connection) or `tls` (implicit)."
    )
    smtp_user: str | None = _smtp("SMTP_USER", None, "SMTP user name (no login when empty).")
    smtp_password: str | None = _smtp("SMTP_PASSWORD", None, "SMTP password.")
    smtp_timeout: float = _smtp("SMTP_TIMEOUT", 10.0, "Seconds per SMTP operation.", gt=0)
    smtp_from: str = _smtp(
        "SMTP_FROM",
        "Schulerfolg sichern <noreply@schulerfolg.local>",
        "Sender (From) of every e-mail.",
    )

    delivery_poll_interval: float = Field(
        2.0, gt=0, description="Seconds between looks for e-mails to send (also woken on commit)."
    )
    delivery_batch_size: int = Field(50, ge=1, le=1000, description="E-mails sent per round.")
    delivery_max_attempts: int = Field(
        12, ge=1, description="Attempts before an e-mail that keeps failing temporarily is failed."
    )
    delivery_backoff_base: float = Field(
        30.0, gt=0, description="First retry delay of an e-mail in seconds; doubles per attempt."
    )
    delivery_backoff_max: float = Field(
        3600.0, gt=0, description="Longest retry delay of an e-mail in seconds."
    )
    delivery_lease_seconds: float = Field(
        60.0,
        ge=1,
        description=(
            "Seconds an e-mail being sent is reserved for its sender; one still unmarked after "
            "this (the sender crashed) is sent again, once, with the same Message-ID."
        ),
    )
    delivery_stop_grace: float = Field(
        10.0,
        ge=0,
        description="Seconds a stop waits for the e-mail in flight to be sent and marked.",
    )
    reminder_poll_interval: float = Field(
        30.0, gt=0, description="Seconds between looks for due reminders and digests."
    )
    digest_hour: int = Field(
        7, ge=0, le=23, description="Hour (Europe/Berlin) at which digests are sent."
    )
    digest_weekday: int = Field(
        0, ge=0, le=6, description="Day of the weekly digest (0 = Monday … 6 = Sunday)."
    )
    report_reminder_days: int = Field(
        7, ge=0, le=90, description="Days before the report is due that the applicant is reminded."
    )
    sse_poll_interval: float = Field(
        2.0, gt=0, description="Seconds between looks for new notifications of an open stream."
    )
    sse_keepalive: float = Field(
        15.0, gt=0, description="Seconds between keep-alive comments on an idle stream."
    )
    sse_max_seconds: float = Field(
        300.0,
        gt=0,
        description="A stream is closed after this long; browsers reconnect with Last-Event-ID.",
    )
    retention_inbox_months: int = Field(
        12, ge=1, le=120, description="Months after which inbox entries are deleted."
    )
    retention_delivery_months: int = Field(
        12,
        ge=1,
        le=120,
        description=(
            "Months after which e-mail deliveries are anonymised (status, kind and dates stay "
            "for the figures)."
        ),
    )
    retention_registration_months: int = Field(
        12,
        ge=1,
        le=120,
        description="Months after a meeting's end at which its registrants' data is removed.",
    )
