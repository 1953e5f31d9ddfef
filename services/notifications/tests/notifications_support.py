"""Helpers for the notifications service's tests: the service as the shared tests see it, a
migrated database, the running app, tokens, a real SMTP server (aiosmtpd) counting what arrives,
and the events other services publish."""

from __future__ import annotations

import email
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from typing import Any

import nats
from aiosmtpd.controller import Controller
from sqlalchemy import select

from notifications.config import NotificationsSettings
from notifications.main import create_app, definition
from schulerfolg.events import meetings as m
from schulerfolg.events import offers as o
from schulerfolg.events import registry as r
from schulerfolg.events.base import CloudEvent, EventPayload
from schulerfolg.messaging.broker import StreamSpec, declare_stream
from schulerfolg_dev.processes import free_port
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import ServiceUnderTest, publish_events, wrap
from schulerfolg_dev.testing.service_suite import ServiceCase

BASE_URL = "https://portal.test"
PRODUCERS = ("registry", "offers", "meetings")


async def declare_producer_streams(nats_url: str) -> None:
    """Declare the streams of registry, offers and meetings (as their producers would on start),
    so the service's consumers start at once."""
    connection = await nats.connect(nats_url)
    try:
        js = connection.jetstream()
        for producer in PRODUCERS:
            await declare_stream(js, StreamSpec.for_service(producer))
    finally:
        await connection.close()


TEST_SETTINGS: dict[str, Any] = {
    "public_base_url": BASE_URL,
    "delivery_poll_interval": 0.2,
    "delivery_backoff_base": 0.2,
    "delivery_backoff_max": 0.5,
    "reminder_poll_interval": 0.2,
    "sse_poll_interval": 0.2,
    "consumer_backoff_base": 0.1,
    "smtp_timeout": 5.0,
    "log_level": "WARNING",
}

NOTIFICATIONS = ServiceCase(
    definition=definition,
    settings_cls=NotificationsSettings,
    # No GET is public: the deliveries list, read by the state coordination.
    read_path="/api/v1/deliveries",
    reader={"role": "state_coordinator"},
    # An admin who also has an inbox.
    callers=({"role": "admin", "email": "nutzer@schule.test", "sub": "sub-nutzer"},),
    live_env=lambda _tmp: {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(free_port()),  # nobody listens: mails wait, nothing breaks
        "NOTIFICATIONS_SSE_MAX_SECONDS": "0.5",  # the live stream ends soon for each example
    },
    upstream=declare_producer_streams,  # the consumers (and /readyz) wait for them
    create_app=create_app,  # the sender and the scheduler beside the shared runtime
    test_settings=TEST_SETTINGS,
    consumers_ready=True,
)

migrate = NOTIFICATIONS.migrate
# Declares the producers' streams, migrates, runs the app in-process and returns once every
# consumer runs; ``overrides`` are settings (over TEST_SETTINGS).
start_notifications = NOTIFICATIONS.start


# --------------------------------------------------------------------------- SMTP


class _Handler:
    """Stores each message; refuses the addresses in ``refused`` with 550 (permanent)."""

    def __init__(self, refused: Iterable[str]) -> None:
        self.refused = {a.lower() for a in refused}
        self.messages: list[EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201, N802
        if address.lower() in self.refused:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class Mailbox:
    """A real SMTP server (aiosmtpd) on a fixed port that can be started later (SMTP down)."""

    def __init__(self, port: int | None = None, *, refused: Iterable[str] = ()) -> None:
        self.port = port or free_port()
        self.handler = _Handler(refused)
        self.controller: Controller | None = None

    def start(self) -> None:
        """Accept mail from now on."""
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=True
        )
        self.controller.start()

    def stop(self) -> None:
        """Stop accepting mail."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        """Every message received so far."""
        return list(self.handler.messages)

    def to(self, address: str, subject_part: str = "") -> list[EmailMessage]:
        """The messages to ``address`` whose subject contains ``subject_part``."""
        return [
            msg
            for msg in self.messages
            if address.lower() in str(msg["To"]).lower() and subject_part in str(msg["Subject"])
        ]

    async def wait_for(
        self, address: str, subject_part: str = "", count: int = 1
    ) -> list[EmailMessage]:
        """Wait until at least ``count`` such messages arrived; return them."""
        await eventually(lambda: _ready(self.to(address, subject_part), count))
        return self.to(address, subject_part)


async def _ready(messages: list[EmailMessage], count: int) -> bool:
    return len(messages) >= count


def text_of(message: EmailMessage) -> str:
    """The plain-text part."""
    return message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


def html_of(message: EmailMessage) -> str:
    """The HTML part."""
    return message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]


# --------------------------------------------------------------------------- events


def new_id() -> str:
    return str(uuid.uuid4())


def person(
    *,
    name: str,
    email: str | None,
    function: str = "network_office_staff",
    region: str | None = "boerde",
    school_id: str | None = None,
    user_sub: str | None = None,
    version: int = 1,
    person_id: str | None = None,
) -> r.PersonCreated:
    """A registry person as ``registry.person.created`` carries it."""
    return r.PersonCreated(
        version=version,
        id=person_id or new_id(),
        name=name,
        function=function,
        email=email,
        school_id=school_id,
        region=region,
        user_sub=user_sub,
    )


def application_fields(**overrides: Any) -> dict[str, Any]:
    """What every application event carries."""
    fields: dict[str, Any] = {
        "version": 2,
        "id": new_id(),
        "fund_id": new_id(),
        "fund_name": "Schulprojekte Börde 2026",
        "fund_kind": "school_project",
        "region": "boerde",
        "school_ids": [new_id()],
        "title": "Streitschlichtung an der Grundschule Süd",
        "status": "submitted",
        "requested_cents": 250000,
        "start_date": date(2026, 2, 1),
        "end_date": date(2026, 6, 30),
        "contact": {"name": "Jörg Weiß", "email": "joerg.weiss@schule.test"},
    }
    return fields | overrides


def meeting_fields(**overrides: Any) -> dict[str, Any]:
    """What every meeting event carries (starts in ten days unless told)."""
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
    fields: dict[str, Any] = {
        "version": 1,
        "id": new_id(),
        "kind": "committee_session",
        "committee_id": new_id(),
        "title": "Steuerungsgruppe Börde – Frühjahrssitzung",
        "region": "boerde",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "location": "Kreishaus Haldensleben, Raum 1.12",
        "status": "scheduled",
    }
    return fields | overrides


def registration_fields(meeting: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """What every registration event carries."""
    fields: dict[str, Any] = {
        "version": 1,
        "id": new_id(),
        "meeting_id": meeting["id"],
        "meeting_title": meeting["title"],
        "meeting_starts_at": meeting["starts_at"],
        "region": meeting["region"],
        "status": "confirmed",
        "name": "Ute Köhler",
        "email": "ute.koehler@verein.test",
    }
    return fields | overrides


def member(committee_id: str, person_id: str, *, committee_version: int) -> m.CommitteeMemberAdded:
    """``meetings.committee.member_added``."""
    return m.CommitteeMemberAdded(
        committee_id=committee_id,
        committee_version=committee_version,
        person_id=person_id,
        role="member",
        voting=True,
        region="boerde",
    )


def event(payload: EventPayload, entity_id: str | None = None) -> CloudEvent[Any]:
    """An event as its producer sends it."""
    ident = entity_id or getattr(payload, "id", None) or payload.committee_id
    region = getattr(payload, "region", None)
    return wrap(payload, entity_id=ident, region=region)


async def publish(nats_url: str, *payloads: EventPayload, times: int = 1) -> list[CloudEvent[Any]]:
    """Publish the payloads' events (each ``times`` times, as a redelivery would)."""
    events = [event(p) for p in payloads]
    await publish_events(nats_url, events, times=times)
    return events


async def rows(service: ServiceUnderTest, statement: Any) -> list[Any]:
    """Run a query on the service's database."""
    async with service.runtime.db.transaction(readonly=True) as session:
        return list((await session.execute(statement)).all())


async def everything_stored(service: ServiceUnderTest) -> str:
    """Every row of every table, one line each (``<table>: <row>``), as one text to search in;
    but the audit log, which names callers by their token subject (a pseudonymous id) only."""
    from notifications.models import metadata

    dump = []
    for table in metadata.sorted_tables:
        if table.name != "audit_log":
            dump += [f"{table.name}: {tuple(row)!r}" for row in await rows(service, select(table))]
    return "\n".join(dump)


def lines_with(stored: str, needle: str) -> list[str]:
    """The lines of ``everything_stored`` mentioning ``needle`` (case-insensitively)."""
    return [line for line in stored.splitlines() if needle.lower() in line.lower()]


async def wait_for_persons(service: ServiceUnderTest, *persons: Any) -> None:
    """Wait until the recipient directory holds the persons (ids, as text or UUIDs)."""
    from notifications.models import Recipient

    ids = [str(person) for person in persons]

    async def known() -> bool:
        found = await rows(service, select(Recipient.id).where(Recipient.id.in_(ids)))
        return len(found) == len(ids)

    await eventually(known)


TEACHER = "schaefer@schule.test"
"""A person of the school ``a_school_with_a_teacher`` answers."""
OTHER_SCHOOL = "andere@schule.test"
"""A person of another school, who must hear nothing of the first school's applications."""


async def a_school_with_a_teacher(service: ServiceUnderTest, nats_url: str) -> str:
    """A school's id with a teacher (``TEACHER``), and a person of another school
    (``OTHER_SCHOOL``), both known to the recipient directory."""
    school_id = new_id()
    teacher = person(
        name="Lehrerin Schäfer", email=TEACHER, function="teacher", school_id=school_id
    )
    unrelated = person(
        name="Andere Schule", email=OTHER_SCHOOL, function="principal", school_id=new_id()
    )
    await publish(nats_url, teacher, unrelated)
    await wait_for_persons(service, teacher.id, unrelated.id)
    return school_id


async def inbox(
    service: ServiceUnderTest, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    """The caller's inbox items."""
    response = await service.client.get("/api/v1/inbox", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


__all__ = ["o", "m", "r"]
