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
    default_max_per_school_per_year_cents: int | None = Field(
        200_000,
        ge=1,
        description=(
            "Cap per school and calendar year a new school-project fund gets when the request "
            "does not say (the programme's rule: 2,000 EUR)."
        ),
    )
    report_due_weeks: int = Field(
        4, ge=0, le=52, description="Weeks after a project's end date its report is due."
    )
    retention_contact_years: int = Field(
        5,
        ge=1,
        le=30,
        description=(
            "Years an application's contact data and the names in its records are kept after it "
            "ended (completed, rejected, withdrawn) or, as a draft or returned, after its last "
            "change; then they are anonymised (funding law keeps receipts 5 years)."
        ),
    )
    # --- attachments (issue 16)
    attachments_dir: str = Field(
        "./attachments", description="Directory where application attachments are stored."
    )
    attachment_max_bytes: int = Field(
        10 * 1024 * 1024, ge=1, description="Largest attachment file accepted, in bytes."
    )
    attachments_max_count: int = Field(
        50, ge=1, le=1000, description="Most attachments one application may have."
    )
    # --- youth micro-projects (issue 20)
    youth_confirm_days: int = Field(
        14,
        ge=1,
        le=90,
        description=(
            "Days an adult sponsor has to confirm a youth micro-project; unconfirmed ones are "
            "deleted after that by the housekeeping."
        ),
    )
    youth_form_min_seconds: float = Field(
        5, ge=0, description="A youth project sent sooner after its form ticket is refused (bots)."
    )
    youth_form_max_hours: float = Field(
        24, gt=0, description="A youth project form ticket older than this is refused."
    )
    youth_per_client_per_hour: int = Field(
        5, ge=1, description="Youth projects one client address may send per hour."
    )
    youth_per_sponsor_per_day: int = Field(
        10, ge=1, description="Youth projects naming one sponsor e-mail address per day."
    )
