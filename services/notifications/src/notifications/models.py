"""The notifications service's tables.

Read models filled from other services' events (recipients, committee members, meetings,
registrations) and what this service owns: inbox notifications, e-mail deliveries, digest items,
reminders and preferences.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Text, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from schulerfolg.db import EntityFields, UTCDateTime, make_metadata, utcnow
from schulerfolg.messaging.outbox import Outbox
from schulerfolg.tables import audit_table, platform_tables

metadata = make_metadata()


class Base(SQLModel, registry=registry(metadata=metadata)):
    pass


platform = platform_tables(metadata)
audit_log = audit_table(metadata)
outbox = Outbox(platform)

DELIVERY_STATUSES = ("pending", "sent", "failed")
REMINDER_STATUSES = ("pending", "done", "cancelled")


class Recipient(Base, table=True):
    """A registry person as far as notifications need them; after an erasure only the id stays
    (a tombstone, so a late ``created``/``updated`` event cannot bring the data back)."""

    __tablename__ = "recipients"

    id: str = Field(primary_key=True, max_length=64)
    version: int = Field(default=0)
    name: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=320, index=True)
    user_sub: str | None = Field(default=None, max_length=255, index=True)
    function: str | None = Field(default=None, max_length=64)
    organization_id: str | None = Field(default=None, max_length=64)
    school_id: str | None = Field(default=None, max_length=64, index=True)
    region: str | None = Field(default=None, max_length=64)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (Index("ix_recipients_region_function", "region", "function"),)


class CommitteeMember(Base, table=True):
    """A committee membership; a removal keeps the row inactive, so an older ``member_added``
    that arrives late is recognised as stale by the committee version."""

    __tablename__ = "committee_members"

    committee_id: str = Field(primary_key=True, max_length=64)
    person_id: str = Field(primary_key=True, max_length=64, index=True)
    role: str = Field(max_length=32)
    active: bool = True
    committee_version: int = 0


class Meeting(Base, table=True):
    """A meeting as far as e-mails and reminders need it."""

    __tablename__ = "meetings"

    id: str = Field(primary_key=True, max_length=64)
    version: int = 0
    kind: str = Field(max_length=64)
    committee_id: str | None = Field(default=None, max_length=64, index=True)
    title: str = Field(sa_type=Text)
    region: str | None = Field(default=None, max_length=64)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    location: str | None = Field(default=None, sa_type=Text)
    online_url: str | None = Field(default=None, sa_type=Text)
    status: str = Field(max_length=16)


class Registration(Base, table=True):
    """A registration for a meeting, with the registrant's contact."""

    __tablename__ = "registrations"

    id: str = Field(primary_key=True, max_length=64)
    meeting_id: str = Field(max_length=64, index=True)
    version: int = 0
    status: str = Field(max_length=16)
    name: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=320, index=True)
    person_id: str | None = Field(default=None, max_length=64, index=True)
    user_sub: str | None = Field(default=None, max_length=255)


class Notification(EntityFields, Base, table=True):
    """An in-app inbox entry of one recipient.

    It belongs to the user whose token ``sub`` is ``user_sub`` (or the ``user_sub`` of the
    recipient person ``person_id``), or whose token ``email`` is ``email``.
    """

    __tablename__ = "notifications"

    kind: str = Field(max_length=64)
    title: str = Field(sa_type=Text)
    body: str = Field(sa_type=Text)
    link: str = Field(max_length=500)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    source_event_id: str = Field(max_length=128)
    recipient_key: str = Field(max_length=400)
    person_id: str | None = Field(default=None, max_length=64, index=True)
    user_sub: str | None = Field(default=None, max_length=255, index=True)
    email: str | None = Field(default=None, max_length=320, index=True)

    __table_args__ = (
        UniqueConstraint("source_event_id", "recipient_key", name="uq_notifications_source"),
        Index("ix_notifications_created_at_id", "created_at", "id"),
    )


class Delivery(EntityFields, Base, table=True):
    """One e-mail to one address: ``pending`` → ``sending`` (claimed; ``next_attempt_at`` is the
    end of the claim) → ``sent`` or ``failed`` (or ``pending`` again to retry)."""

    __tablename__ = "deliveries"

    kind: str = Field(max_length=64)
    source_event_id: str = Field(max_length=128)
    recipient_key: str = Field(max_length=400)
    person_id: str | None = Field(default=None, max_length=64, index=True)
    to_address: str = Field(max_length=320, index=True)
    to_name: str | None = Field(default=None, max_length=300)
    subject: str = Field(sa_type=Text)
    text_body: str = Field(sa_type=Text)
    html_body: str = Field(sa_type=Text)
    message_id: str = Field(max_length=255)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    in_doubt_resends: int = Field(default=0, sa_column_kwargs={"server_default": "0"})

    __table_args__ = (
        UniqueConstraint("source_event_id", "recipient_key", name="uq_deliveries_source"),
        Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_deliveries_created_at_id", "created_at", "id"),
    )


class DigestItem(Base, table=True):
    """What would have been e-mailed, kept for the recipient's next digest."""

    __tablename__ = "digest_items"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    recipient_key: str = Field(max_length=400, index=True)
    source_event_id: str = Field(max_length=128)
    person_id: str | None = Field(default=None, max_length=64, index=True)
    to_address: str = Field(max_length=320, index=True)
    to_name: str | None = Field(default=None, max_length=300)
    kind: str = Field(max_length=64)
    title: str = Field(sa_type=Text)
    body: str = Field(sa_type=Text)
    link: str = Field(max_length=500)
    period: str = Field(max_length=16)
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (
        UniqueConstraint("source_event_id", "recipient_key", name="uq_digest_items_source"),
    )


class Reminder(Base, table=True):
    """A notification due at a time: 7 and 1 days before a meeting, or a report coming due.

    The scheduler claims due reminders in the transaction that creates their notifications and
    marks them ``done``, so a restart neither loses nor repeats one.
    """

    __tablename__ = "reminders"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: str = Field(max_length=32)
    subject_id: str = Field(max_length=64)
    due_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="pending", max_length=16)
    contact_email: str | None = Field(default=None, max_length=320, index=True)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (
        UniqueConstraint("kind", "subject_id", name="uq_reminders_kind_subject"),
        Index("ix_reminders_status_due_at", "status", "due_at"),
    )


class Preference(Base, table=True):
    """A user's choices: channels on/off, per-kind opt-outs, the e-mail digest."""

    __tablename__ = "preferences"

    sub: str = Field(primary_key=True, max_length=255)
    email: str | None = Field(default=None, max_length=320, index=True)
    email_enabled: bool = True
    inbox_enabled: bool = True
    kinds: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    digest: str = Field(default="off", max_length=16)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
