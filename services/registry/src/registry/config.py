"""Settings of the registry service (environment variables with the prefix ``REGISTRY_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from schulerfolg.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    """Registry settings; see the service README for every variable."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    database_url: str = Field(
        "sqlite+aiosqlite:///./registry.db",
        description="postgresql+asyncpg://user:pass@host/registry in production.",
    )
    port: int = Field(8001, ge=1, le=65535, description="HTTP port (8001 on one machine).")
