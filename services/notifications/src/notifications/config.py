"""Settings of the notifications service (environment variables with the prefix ``NOTIFICATIONS_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from schulerfolg.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    """Notifications settings; see the service README for every variable."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    database_url: str = Field(
        "sqlite+aiosqlite:///./notifications.db",
        description="postgresql+asyncpg://user:pass@host/notifications in production.",
    )
    port: int = Field(8004, ge=1, le=65535, description="HTTP port (8004 on one machine).")
