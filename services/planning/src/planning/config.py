"""Settings of the planning service (environment variables with the prefix ``PLANNING_``)."""

from __future__ import annotations

from typing import cast

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from schulerfolg.app import Runtime
from schulerfolg.settings import ServiceSettings


class PlanningSettings(ServiceSettings):
    """Planning settings; see the service README for every variable."""

    model_config = SettingsConfigDict(env_prefix="PLANNING_", extra="ignore")

    database_url: str = Field(
        "sqlite+aiosqlite:///./planning.db",
        description="postgresql+asyncpg://user:pass@host/planning in production.",
    )
    port: int = Field(8006, ge=1, le=65535, description="HTTP port (8006 on one machine).")
    survey_max_responses: int = Field(
        100_000, ge=1, description="Most answers one survey takes (a guard against flooding)."
    )
    survey_ticket_hours: int = Field(
        48,
        ge=1,
        description="An anonymous survey form's unused ticket is dropped after this many hours "
        "(the form is then reloaded).",
    )


def settings_of(runtime: Runtime) -> PlanningSettings:
    """The running planning service's settings."""
    return cast(PlanningSettings, runtime.settings)
