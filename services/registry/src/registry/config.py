"""Settings of the registry service (environment variables with the prefix ``REGISTRY_``)."""

from __future__ import annotations

from typing import Annotated, Any, cast

from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from schulerfolg.app import Runtime
from schulerfolg.events.privacy import ERASURE_COMPLETED
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

# The services that hold personal data and answer an erasure request, in the order shown.
DEFAULT_ERASURE_SERVICES = ("registry", "offers", "meetings", "notifications")


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

    erasure_services: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_ERASURE_SERVICES),
        description=(
            "Services that answer an erasure request, comma-separated; a request is completed "
            "once each has answered."
        ),
    )

    @field_validator("materials_allowed_types", "erasure_services", mode="before")
    @classmethod
    def _split_types(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [t.strip() for t in value.split(",") if t.strip()]
        return value

    @field_validator("erasure_services")
    @classmethod
    def _known_services(cls, value: list[str]) -> list[str]:
        unknown = [service for service in value if service not in ERASURE_COMPLETED]
        if unknown or not value:
            raise ValueError(
                f"name one or more of {', '.join(ERASURE_COMPLETED)}; unknown: {', '.join(unknown)}"
            )
        return list(dict.fromkeys(value))


def settings_of(runtime: Runtime) -> RegistrySettings:
    """The running registry's settings."""
    return cast(RegistrySettings, runtime.settings)
