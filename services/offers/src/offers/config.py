"""Settings of the offers service (environment variables with the prefix ``OFFERS_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from schulerfolg.settings import ServiceSettings


class OffersSettings(ServiceSettings):
    """Offers settings; see the service README for every variable."""

    model_config = SettingsConfigDict(env_prefix="OFFERS_", extra="ignore")

    database_url: str = Field(
        "sqlite+aiosqlite:///./offers.db",
        description="postgresql+asyncpg://user:pass@host/offers in production.",
    )
    port: int = Field(8002, ge=1, le=65535, description="HTTP port (8002 on one machine).")
