"""The web service's tables: the sessions of signed-in people (the browser holds only the
session's random key in a cookie; the access token stays here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from schulerfolg.db import UTCDateTime, make_metadata, utcnow

metadata = make_metadata()


class Base(SQLModel, registry=registry(metadata=metadata)):
    pass


class WebSession(Base, table=True):
    """One signed-in browser. ``id`` is the SHA-256 of the cookie's value, so a copy of the table
    opens no session."""

    __tablename__ = "web_sessions"

    id: str = Field(primary_key=True, max_length=64)
    sub: str = Field(max_length=255)
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    regions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    school_id: str | None = Field(default=None, max_length=64)
    organization_id: str | None = Field(default=None, max_length=64)
    access_token: str = Field(sa_column=Column(Text, nullable=False))
    access_expires_at: datetime = Field(sa_type=UTCDateTime)
    refresh_token: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    id_token: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    development: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)

    def claims(self) -> dict[str, Any]:
        """What the pages show of the person (display only: the services decide access)."""
        return {
            "sub": self.sub,
            "name": self.name,
            "email": self.email,
            "roles": list(self.roles),
            "regions": list(self.regions),
            "school_id": self.school_id,
            "organization_id": self.organization_id,
        }
