"""Event envelope and naming: CloudEvents 1.0 (structured JSON mode) around a pydantic payload.

Naming (ARCHITECTURE.md):
- ``type``    = ``de.schulerfolg.<service>.<entity>.<action>.v<N>``
- ``source``  = ``/<service>``
- ``subject`` = ``<entity plural>/<id>``
- extension ``region`` = region slug or ``state``
- NATS subject = ``sfs.<region>.<service>.<entity>.<action>``

Payload classes are declared once in this package (one module per producing service), so
producer and consumer share them. Schemas only grow; a breaking change is a new version.
"""

from __future__ import annotations

import builtins
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schulerfolg.db import utcnow

TYPE_PREFIX = "de.schulerfolg."
SUBJECT_PREFIX = "sfs"
STATE = "state"
_TOKEN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TYPE = re.compile(r"^de\.schulerfolg\.([a-z_]+)\.([a-z_]+)\.([a-z_]+)\.v(\d+)$")


@dataclass(frozen=True)
class EventMeta:
    """How an event is named: ``<service>.<entity>.<action>`` and its schema version."""

    service: str
    entity: str
    entity_plural: str
    action: str
    version: int

    @property
    def short_name(self) -> str:
        """The dotted name, e.g. ``registry.region.updated``."""
        return f"{self.service}.{self.entity}.{self.action}"

    @property
    def cloudevent_type(self) -> str:
        """The CloudEvents ``type``, e.g. ``de.schulerfolg.registry.region.updated.v1``."""
        return f"{TYPE_PREFIX}{self.short_name}.v{self.version}"

    @property
    def subject_template(self) -> str:
        """The NATS subject with a ``{region}`` placeholder (for documentation)."""
        return f"{SUBJECT_PREFIX}.{{region}}.{self.service}.{self.entity}.{self.action}"

    def nats_subject(self, region: str) -> str:
        """The NATS subject for this event in ``region`` (a slug or ``state``)."""
        if not _TOKEN.match(region):
            raise ValueError(f"invalid region token for a subject: {region!r}")
        return f"{SUBJECT_PREFIX}.{region}.{self.service}.{self.entity}.{self.action}"


class EventPayload(BaseModel):
    """Base of every event's ``data``; subclasses are named with the ``event_name`` decorator."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_meta: ClassVar[EventMeta]


P = TypeVar("P", bound=EventPayload)
E = TypeVar("E", bound=type[EventPayload])

_REGISTRY: dict[tuple[str, int], type[EventPayload]] = {}


def event_name(name: str, *, version: int = 1, plural: str | None = None) -> Callable[[E], E]:
    """Class decorator: name a payload ``<service>.<entity>.<action>`` and register its version."""
    parts = name.split(".")
    if len(parts) != 3 or not all(_TOKEN.match(p) for p in parts):
        raise ValueError(f"event name must be <service>.<entity>.<action>: {name!r}")

    def decorate(cls: E) -> E:
        service, entity, action = parts
        cls.event_meta = EventMeta(service, entity, plural or f"{entity}s", action, version)
        key = (cls.event_meta.cloudevent_type, version)
        if key in _REGISTRY and _REGISTRY[key] is not cls:
            raise ValueError(f"event {key} declared twice")
        _REGISTRY[key] = cls
        return cls

    return decorate


def payload_class(ce_type: str) -> type[EventPayload] | None:
    """The payload class registered for a CloudEvents ``type`` (which carries the version)."""
    match = _TYPE.match(ce_type)
    if not match:
        return None
    return _REGISTRY.get((ce_type, int(match.group(4))))


def registered_events() -> list[type[EventPayload]]:
    """Every payload class known in this process (for AsyncAPI documents and contract tests)."""
    return sorted(_REGISTRY.values(), key=lambda c: (c.event_meta.short_name, c.event_meta.version))


# Always present on the wire (they have defaults only so producers need not set them).
ALWAYS_SENT = ("specversion", "id", "time")


def _require_always_sent(schema: dict[str, Any]) -> None:
    """The envelope's JSON schema requires ``id``, ``specversion`` and ``time`` as CloudEvents
    does, besides the fields without a default."""
    required = set(schema.get("required", ())) | set(ALWAYS_SENT)
    schema["required"] = [name for name in schema["properties"] if name in required]


class CloudEvent(BaseModel, Generic[P]):
    """A CloudEvents 1.0 envelope in structured JSON mode.

    ``CloudEvent[RegionUpdated]`` is named ``RegionUpdatedEvent`` (its schema's key in the
    AsyncAPI documents, where brackets are not allowed).
    """

    model_config = ConfigDict(frozen=True, json_schema_extra=_require_always_sent)

    specversion: Literal["1.0"] = "1.0"
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    source: str
    type: str
    subject: str | None = None
    time: datetime = Field(default_factory=utcnow)
    datacontenttype: Literal["application/json"] = "application/json"
    region: str = Field(description="Region slug, or 'state' for state-level data.")
    data: P

    @classmethod
    def model_parametrized_name(cls, params: tuple[Any, ...]) -> str:
        """``<Payload>Event`` for a payload class; pydantic's default name otherwise."""
        (payload,) = params
        if isinstance(payload, type) and issubclass(payload, EventPayload):
            return f"{payload.__name__}Event"
        return super().model_parametrized_name(params)

    @classmethod
    def wrap(cls, payload: EventPayload, *, entity_id: str, region: str) -> CloudEvent[Any]:
        """Put ``payload`` into an envelope for the entity ``entity_id`` in ``region``."""
        meta = payload.event_meta
        return envelope_class(builtins.type(payload))(
            source=f"/{meta.service}",
            type=meta.cloudevent_type,
            subject=f"{meta.entity_plural}/{entity_id}",
            region=region,
            data=payload,
        )

    def nats_subject(self) -> str:
        """The NATS subject this event is published on."""
        return self.data.event_meta.nats_subject(self.region)


def envelope_class(cls: builtins.type[EventPayload]) -> builtins.type[CloudEvent[Any]]:
    """``CloudEvent[cls]`` for a payload class known only at run time."""
    return CloudEvent[cls]  # type: ignore[valid-type]  # a run-time class is no static type


class EventDecodeError(ValueError):
    """A message that can never be processed: not JSON, not a CloudEvent, unknown type or version."""


def decode_event(raw: bytes | str) -> CloudEvent[Any]:
    """Parse a structured-mode CloudEvent and validate its ``data`` with the registered class."""
    try:
        # type-var: the payload class is known once the type is read; until then data is a dict.
        envelope = CloudEvent[dict[str, Any]].model_validate_json(raw)  # type: ignore[type-var]
    except ValidationError as exc:
        raise EventDecodeError(f"not a CloudEvent: {exc.errors(include_input=False)}") from exc
    cls = payload_class(envelope.type)
    if cls is None:
        raise EventDecodeError(f"unknown event type or version: {envelope.type}")
    try:
        data = cls.model_validate(envelope.data)
    except ValidationError as exc:
        raise EventDecodeError(
            f"invalid data for {envelope.type}: {exc.errors(include_input=False)}"
        ) from exc
    return envelope_class(cls)(**{**envelope.__dict__, "data": data})
