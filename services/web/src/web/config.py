"""Settings of the web service (environment variables with the prefix ``WEB_``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from schulerfolg.settings import PrefixedSettings


class WebSettings(PrefixedSettings):
    """Web settings; the shared ones (``AUTH_ISSUER``, ``PUBLIC_BASE_URL``, logging) may also be
    given without the prefix, as for every service."""

    model_config = SettingsConfigDict(env_prefix="WEB_", extra="ignore")

    database_url: str = Field(
        "sqlite+aiosqlite:///./web.db",
        description="Sessions are kept here: postgresql+asyncpg://user:pass@host/web in production.",
    )
    database_pool_size: int = Field(10, ge=1, description="Connections per process (PostgreSQL).")
    host: str = Field("127.0.0.1", description="Address the HTTP server binds to.")
    port: int = Field(8005, ge=1, le=65535, description="HTTP port (8005 on one machine).")
    registry_url: str = Field("http://127.0.0.1:8001", description="Base URL of the registry.")
    offers_url: str = Field("http://127.0.0.1:8002", description="Base URL of offers.")
    meetings_url: str = Field("http://127.0.0.1:8003", description="Base URL of meetings.")
    notifications_url: str = Field(
        "http://127.0.0.1:8004", description="Base URL of notifications."
    )
    planning_url: str = Field("http://127.0.0.1:8006", description="Base URL of planning.")
    api_timeout: float = Field(15.0, gt=0, description="Seconds a call to a service may take.")
    public_base_url: str = Field(
        "http://127.0.0.1:8000", description="The address people reach the pages at (links)."
    )
    secret_key: SecretStr | None = Field(
        None,
        description=(
            "Signs the CSRF tokens and the sign-in state; the same value on every replica. "
            "Unset: a random key per process (forms open across a restart must be sent again)."
        ),
    )
    cookie_secure: bool = Field(
        True, description="Cookies only over HTTPS (browsers also allow them on 127.0.0.1)."
    )
    session_idle_minutes: float = Field(
        120, gt=0, description="A session ends after this long without a request."
    )
    session_max_hours: float = Field(
        12, gt=0, description="A session ends this long after sign-in, whatever happens."
    )
    auth_issuer: str | None = Field(
        None, description="OIDC issuer; sign-in is the authorization code flow with PKCE there."
    )
    auth_audience: str = Field("schulerfolg", description="Expected `aud` claim of access tokens.")
    auth_jwks_url: str | None = Field(
        None, description="JWKS URL; default: discovered from the issuer."
    )
    auth_client_id: str = Field("schulerfolg-web", description="The web's OIDC client id.")
    auth_client_secret: SecretStr | None = Field(
        None, description="The web's OIDC client secret (confidential client)."
    )
    auth_scopes: str = Field("openid profile email", description="Scopes asked for at sign-in.")
    auth_resource: str | None = Field(
        None,
        description="Resource indicator (RFC 8707) sent at sign-in, where the issuer needs one.",
    )
    auth_local_private_key_file: str | None = Field(
        None,
        description=(
            "One machine without an issuer: the local signing key (written by `schulerfolg up`); "
            "enables the development sign-in."
        ),
    )
    auth_local_public_key_file: str | None = Field(
        None, description="One machine: the local public key the services check tokens with."
    )
    max_body_bytes: int = Field(
        1024 * 1024, ge=1, description="Largest form accepted, in bytes (413 above)."
    )
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_json: bool = Field(True, description="JSON logs (false: readable console lines).")

    @property
    def dev_sign_in(self) -> bool:
        """Whether the development sign-in is offered (one machine, no issuer, a local key)."""
        return not self.auth_issuer and bool(self.auth_local_private_key_file)
