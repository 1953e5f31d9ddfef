"""Events: the CloudEvents envelope and every service's payload classes."""

from schulerfolg.events import meetings as meetings  # noqa: F401  (registers the classes)
from schulerfolg.events import offers as offers  # noqa: F401
from schulerfolg.events import planning as planning  # noqa: F401
from schulerfolg.events import privacy as privacy  # noqa: F401
from schulerfolg.events import registry as registry  # noqa: F401
from schulerfolg.events.base import (
    STATE,
    CloudEvent,
    EventDecodeError,
    EventMeta,
    EventPayload,
    decode_event,
    event_name,
    payload_class,
    registered_events,
)

__all__ = [
    "STATE",
    "CloudEvent",
    "EventDecodeError",
    "EventMeta",
    "EventPayload",
    "decode_event",
    "event_name",
    "payload_class",
    "registered_events",
]
