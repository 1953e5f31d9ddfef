"""Events of the erasure flow (CONTRACT.md, "privacy").

``registry.erasure.requested`` asks every service to erase or pseudonymise what it holds for an
e-mail address (a person who is not, or not only, a registry person). It is the one event that
has to carry the address: the registry deletes it from its stream once every service has
answered. Each service answers on its own stream with ``<service>.erasure.completed``: the
request's id and how many records of each kind it erased, never the address.
"""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from schulerfolg.events.base import EventPayload, event_name


@event_name("registry.erasure.requested", version=1)
class ErasureRequested(EventPayload):
    """Erase what you hold for ``email``; answer with ``<service>.erasure.completed``."""

    id: UUID
    email: str = Field(description="The address to erase (compared case-insensitively).")


class ErasureCompletedData(EventPayload):
    """One service has erased what it held for an erasure request."""

    request_id: UUID
    service: str
    counts: dict[str, int] = Field(
        default_factory=dict,
        description="Records erased or pseudonymised, per kind (no personal data).",
    )


@event_name("registry.erasure.completed", version=1)
class RegistryErasureCompleted(ErasureCompletedData):
    """The registry has erased what it held for the request."""


@event_name("offers.erasure.completed", version=1)
class OffersErasureCompleted(ErasureCompletedData):
    """Offers has erased what it held for the request."""


@event_name("meetings.erasure.completed", version=1)
class MeetingsErasureCompleted(ErasureCompletedData):
    """Meetings has erased what it held for the request."""


@event_name("notifications.erasure.completed", version=1)
class NotificationsErasureCompleted(ErasureCompletedData):
    """Notifications has erased what it held for the request."""


# The answer each service gives, by service name.
ERASURE_COMPLETED: dict[str, type[ErasureCompletedData]] = {
    cls.event_meta.service: cls
    for cls in (
        RegistryErasureCompleted,
        OffersErasureCompleted,
        MeetingsErasureCompleted,
        NotificationsErasureCompleted,
    )
}
