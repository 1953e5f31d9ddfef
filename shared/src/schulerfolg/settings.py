"""Settings base for every service: environment variables with a prefix per service.

A service's settings read ``<PREFIX><FIELD>`` (``REGISTRY_DATABASE_URL``). The fields in
``SHARED_FIELDS`` (NATS, auth, CORS, logging, body size) may also be given once for all services without
a prefix (``NATS_URL``, ``AUTH_ISSUER``); the prefixed variable wins where both are set.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
)

SHARED_FIELDS: frozenset[str] = frozenset(
    {
        "nats_url",
        "auth_issuer",
        "auth_audience",
        "auth_jwks_url",
        "auth_local_public_key_file",
        "cors_allowed_origins",
        "log_level",
        "log_json",
        "stream_replicas",
        "stream_max_age_days",
        "public_base_url",
        "max_body_bytes",
    }
)


class _SharedEnvSource(EnvSettingsSource):
    """Reads the shared fields from unprefixed variables (``NATS_URL``)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        if field_name not in SHARED_FIELDS:
            return None, field_name, False
        return super().get_field_value(field, field_name)


def shared_env_sources(
    settings_cls: type[BaseSettings],
    init_settings: PydanticBaseSettingsSource,
    env_settings: PydanticBaseSettingsSource,
    dotenv_settings: PydanticBaseSettingsSource,
    file_secret_settings: PydanticBaseSettingsSource,
) -> tuple[PydanticBaseSettingsSource, ...]:
    """The settings sources with the unprefixed shared variables after the prefixed ones."""
    shared = _SharedEnvSource(settings_cls, env_prefix="", case_sensitive=False)
    return init_settings, env_settings, shared, dotenv_settings, file_secret_settings


class PrefixedSettings(BaseSettings):
    """Settings read from ``<PREFIX><FIELD>``, the ``SHARED_FIELDS`` also from the unprefixed
    variable; subclasses set ``model_config`` with their ``env_prefix``."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return shared_env_sources(
            settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
        )


class ServiceSettings(PrefixedSettings):
    """What every service needs; subclasses set ``model_config`` with their ``env_prefix``."""

    database_url: str = Field(
        "sqlite+aiosqlite:///./service.db",
        description="SQLAlchemy URL: postgresql+asyncpg://… in production, sqlite+aiosqlite:///… on one machine.",
    )
    database_pool_size: int = Field(10, ge=1, description="Connections per process (PostgreSQL).")
    host: str = Field("127.0.0.1", description="Address the HTTP server binds to.")
    port: int = Field(8000, ge=1, le=65535, description="HTTP port.")
    nats_url: str = Field(
        "nats://127.0.0.1:4222", description="NATS server URL(s), comma-separated."
    )
    stream_replicas: int = Field(
        1, ge=1, le=5, description="Replicas of the service's stream (3 in a cluster)."
    )
    stream_max_age_days: float = Field(30, gt=0, description="How long the stream keeps events.")
    outbox_poll_interval: float = Field(
        1.0, gt=0, description="Seconds between outbox polls (the relay is also woken on commit)."
    )
    outbox_batch_size: int = Field(
        100, ge=1, le=1000, description="Rows the relay publishes per round."
    )
    outbox_retention_days: float = Field(
        7, gt=0, description="Published outbox rows are kept this long for debugging."
    )
    idempotency_key_ttl_hours: float = Field(
        24, gt=0, description="How long a retry with the same Idempotency-Key replays the response."
    )
    inbox_retention_days: float = Field(
        45,
        gt=0,
        description="Processed-event ids are kept this long (longer than the stream keeps events).",
    )
    housekeeping_interval: float = Field(600, gt=0, description="Seconds between clean-up rounds.")
    dead_letter_retention_days: float = Field(
        90,
        gt=0,
        description="Dead letters are kept this long for an operator to look at, then deleted.",
    )
    retention_clock_offset_days: float = Field(
        0,
        ge=0,
        description="For tests and drills only: retention runs as if this many days had passed.",
    )
    consumer_max_attempts: int = Field(
        20,
        ge=1,
        description="Deliveries before a failing event goes to the dead letters (about an hour with the default backoff).",
    )
    consumer_backoff_base: float = Field(
        0.5, gt=0, description="First retry delay in seconds; doubles per attempt."
    )
    consumer_backoff_max: float = Field(300.0, gt=0, description="Longest retry delay in seconds.")
    consumer_ack_wait: float = Field(
        30.0, gt=0, description="Seconds NATS waits for an ack before redelivering."
    )
    consumer_batch: int = Field(
        100,
        ge=1,
        le=1000,
        description="Events a consumer handles in one transaction, in stream order (1: one each).",
    )
    auth_issuer: str | None = Field(
        None, description="OIDC issuer; when set, tokens are verified against its JWKS."
    )
    auth_audience: str = Field("schulerfolg", description="Expected `aud` claim.")
    auth_jwks_url: str | None = Field(
        None, description="JWKS URL; default: discovered from the issuer."
    )
    auth_local_public_key_file: str | None = Field(
        None,
        description="One-machine mode: PEM public key of the local signing key (written by `schulerfolg up`).",
    )
    cors_allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser, comma-separated.",
    )
    max_body_bytes: int = Field(
        1024 * 1024,
        ge=1,
        description="Largest request body accepted, in bytes (413 above); uploads have their own limits.",
    )
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_json: bool = Field(True, description="JSON logs (false: readable console lines).")
    public_base_url: str = Field(
        "http://127.0.0.1:8000", description="Base URL of the web frontend, for links."
    )

    @field_validator("cors_allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @model_validator(mode="after")
    def _inbox_outlives_stream(self) -> ServiceSettings:
        if self.inbox_retention_days <= self.stream_max_age_days:
            raise ValueError(
                "inbox_retention_days must exceed stream_max_age_days, or a replayed event "
                "could be processed twice"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        """Whether the service runs on the embedded SQLite database."""
        return self.database_url.startswith("sqlite")


def settings_reference(settings_cls: type[ServiceSettings]) -> list[tuple[str, str, str]]:
    """(variable, default, description) for every setting of a service, for its README."""
    prefix = settings_cls.model_config.get("env_prefix", "")
    rows = []
    for name, field in settings_cls.model_fields.items():
        variable = f"{prefix}{name}".upper()
        if name in SHARED_FIELDS:
            variable += f" (or {name.upper()})"
        default = field.get_default(call_default_factory=True)
        shown = ",".join(default) if isinstance(default, list) else default
        rows.append((variable, "" if shown is None else str(shown), field.description or ""))
    return rows


def markdown_reference(settings_cls: type[ServiceSettings]) -> str:
    """The settings of a service as a Markdown table (for its README)."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for variable, default, description in settings_reference(settings_cls):
        lines.append(f"| `{variable}` | `{default}` | {description} |")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m schulerfolg.settings package.module:SettingsClass
    import importlib
    import sys

    module_name, _, class_name = (sys.argv[1] if len(sys.argv) > 1 else "").partition(":")
    if module_name:
        cls = getattr(importlib.import_module(module_name), class_name)
    else:
        from pydantic_settings import SettingsConfigDict

        class _Generic(ServiceSettings):
            model_config = SettingsConfigDict(env_prefix="<SERVICE>_")

        cls = _Generic
    print(markdown_reference(cls))
