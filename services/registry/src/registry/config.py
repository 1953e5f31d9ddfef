"""Settings of the registry service (environment variables with the prefix ``REGISTRY_``)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from schulerfolg.settings import ServiceSettings

DEFAULT_MATERIAL_TYPES = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "image/png",
    "image/jpeg",
    "text/plain",
    "text/csv",
)


class RegistrySettings(ServiceSettings):
    """Registry settings; see the service README for every variable."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    database_url: str = Field(
        "sqlite+aiosqlite:///./registry.db",
        description="postgresql+asyncpg://user:pass@host/registry in production.",
    )
    port: int = Field(8001, ge=1, le=65535, description="HTTP port (8001 on one machine).")
    materials_dir: str = Field(
        "./materials", description="Directory where uploaded material files are stored."
    )
    materials_max_bytes: int = Field(
        20 * 1024 * 1024, ge=1, description="Largest material file accepted, in bytes."
    )
    materials_allowed_types: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_MATERIAL_TYPES),
        description="Media types accepted for materials, comma-separated.",
    )

    @field_validator("materials_allowed_types", mode="before")
    @classmethod
    def _split_types(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [t.strip() for t in value.split(",") if t.strip()]
        return value
