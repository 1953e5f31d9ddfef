"""What the pages know of the signed-in person."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class User:
    """A signed-in person (display and navigation only: the services decide every access with
    the token)."""

    session_id: str
    sub: str
    token: str = field(repr=False)  # never in a log line or an error report
    name: str | None = None
    email: str | None = None
    roles: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    school_id: str | None = None
    organization_id: str | None = None
    development: bool = False
    signed_in_at: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_applicant(self) -> bool:
        return self.has_role("school", "partner")

    @property
    def is_office(self) -> bool:
        return self.has_role("network_office", "state_coordinator")

    @property
    def display_name(self) -> str:
        return self.name or self.email or "Angemeldet"


@dataclass(frozen=True)
class Identity:
    """Who signed in, as the token says."""

    sub: str
    name: str | None
    email: str | None
    roles: tuple[str, ...]
    regions: tuple[str, ...]
    school_id: str | None
    organization_id: str | None


@dataclass(frozen=True)
class Tokens:
    access_token: str
    expires_in: float
    refresh_token: str | None = None
    id_token: str | None = None
