"""Tables every service has beside its own: outbox, inbox, dead letters, idempotency keys.

They are plain SQLAlchemy Core tables (the relay and the inbox guard are hot paths) added to
each service's own metadata, so each service's Alembic history creates them in its database.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text, Uuid, text

from schulerfolg.db import BigIntPK, UTCDateTime


@dataclass(frozen=True)
class PlatformTables:
    """The platform tables of one service's metadata."""

    outbox: Table
    inbox: Table
    dead_letters: Table
    idempotency_keys: Table


def platform_tables(metadata: MetaData) -> PlatformTables:
    """Define (once per metadata) and return the platform tables."""
    if "outbox" in metadata.tables:
        t = metadata.tables
        return PlatformTables(t["outbox"], t["inbox"], t["dead_letters"], t["idempotency_keys"])

    outbox = Table(
        "outbox",
        metadata,
        Column("seq", BigIntPK, primary_key=True, autoincrement=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("subject", String(255), nullable=False),
        Column("event_type", String(255), nullable=False),
        Column("payload", Text, nullable=False),
        Column("traceparent", String(64)),
        Column("tracestate", String(512)),
        Column("created_at", UTCDateTime, nullable=False),
        Column("published_at", UTCDateTime),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text),
    )
    # The relay only ever looks at unpublished rows, in order.
    Index(
        "ix_outbox_unpublished",
        outbox.c.seq,
        postgresql_where=outbox.c.published_at.is_(None),
        sqlite_where=outbox.c.published_at.is_(None),
    )
    Index("ix_outbox_published_at", outbox.c.published_at)

    inbox = Table(
        "inbox",
        metadata,
        Column("consumer", String(128), primary_key=True),
        Column("event_id", Uuid, primary_key=True),
        Column("event_type", String(255), nullable=False),
        Column("processed_at", UTCDateTime, nullable=False),
    )
    Index("ix_inbox_processed_at", inbox.c.processed_at)

    dead_letters = Table(
        "dead_letters",
        metadata,
        Column("id", BigIntPK, primary_key=True, autoincrement=True),
        Column("consumer", String(128), nullable=False),
        Column("event_id", String(64)),
        Column("event_type", String(255)),
        Column("subject", String(255), nullable=False),
        Column("reason", Text, nullable=False),
        Column("payload", Text, nullable=False),
        Column("headers", Text),
        Column("attempts", Integer, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
    )
    Index("ix_dead_letters_created_at", dead_letters.c.created_at)

    idempotency_keys = Table(
        "idempotency_keys",
        metadata,
        Column("scope", String(255), primary_key=True),
        Column("key", String(255), primary_key=True),
        Column("fingerprint", String(64), nullable=False),
        Column("status_code", Integer),
        Column("response_body", Text),
        Column("response_headers", Text),
        Column("created_at", UTCDateTime, nullable=False),
    )
    Index("ix_idempotency_keys_created_at", idempotency_keys.c.created_at)
    return PlatformTables(outbox, inbox, dead_letters, idempotency_keys)


def audit_table(metadata: MetaData) -> Table:
    """Define (once per metadata) and return the audit log (``schulerfolg.privacy.audit``).

    Kept apart from the platform tables because services gained it later: each adds it with a
    migration of its own (``schulerfolg.migrations.create_audit_table``).
    """
    if "audit_log" in metadata.tables:
        return metadata.tables["audit_log"]
    audit_log = Table(
        "audit_log",
        metadata,
        Column("id", BigIntPK, primary_key=True, autoincrement=True),
        Column("at", UTCDateTime, nullable=False),
        Column("actor", String(255), nullable=False),
        Column("action", String(64), nullable=False),
        Column("resource", String(255), nullable=False),
    )
    # Newest first by the time of the change or read (reads are written in batches, so ids
    # do not follow time), per resource or overall.
    Index("ix_audit_log_resource", audit_log.c.resource, audit_log.c.at, audit_log.c.id)
    Index("ix_audit_log_at", audit_log.c.at, audit_log.c.id)
    return audit_log
