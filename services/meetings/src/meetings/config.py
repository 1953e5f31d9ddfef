"""Settings of the meetings service (environment variables with the prefix ``MEETINGS_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from schulerfolg.settings import ServiceSettings


class MeetingsSettings(ServiceSettings):
    """Meetings settings; see the service README for every variable."""

    model_config = SettingsConfigDict(env_prefix="MEETINGS_", extra="ignore")

    database_url: str = Field(
        "sqlite+aiosqlite:///./meetings.db",
        description="postgresql+asyncpg://user:pass@host/meetings in production.",
    )
    port: int = Field(8003, ge=1, le=65535, description="HTTP port (8003 on one machine).")
    retention_registration_months: int = Field(
        12,
        ge=1,
        le=120,
        description="Registrations are anonymised this many months after their event's end.",
    )
