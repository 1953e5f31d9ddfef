"""Request and response bodies of the preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from notifications.common import KINDS, NotificationKind
from notifications.models import Preference
from schulerfolg.http.validation import RequestModel

Digest = Literal["off", "daily", "weekly"]


class Channels(RequestModel):
    """On/off per channel."""

    email: bool = True
    inbox: bool = True


class PreferencesUpdate(RequestModel):
    """All of a user's choices (PUT replaces them; kinds left out are on)."""

    channels: Channels = Field(default_factory=Channels)
    kinds: dict[NotificationKind, Channels] = Field(
        default_factory=dict,
        description="Per notification kind: opt out of a channel with false.",
    )
    digest: Digest = Field(
        "off",
        description="E-mails one by one (`off`), or collected into one e-mail a day or a week.",
    )


class PreferencesPublic(BaseModel):
    """A user's choices, with every kind listed."""

    channels: Channels
    kinds: dict[str, Channels]
    digest: Digest
    version: int
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def of(cls, preference: Preference | None) -> PreferencesPublic:
        """The preferences as shown; defaults (everything on, no digest) when none are saved."""
        if preference is None:
            return cls(
                channels=Channels(),
                kinds={kind: Channels() for kind in KINDS},
                digest="off",
                version=0,
                created_at=None,
                updated_at=None,
            )
        saved = preference.kinds or {}
        return cls(
            channels=Channels(email=preference.email_enabled, inbox=preference.inbox_enabled),
            kinds={kind: Channels(**saved.get(kind, {})) for kind in KINDS},
            digest=preference.digest,  # type: ignore[arg-type]  # a text column; written only from the Literal
            version=preference.version,
            created_at=preference.created_at,
            updated_at=preference.updated_at,
        )
