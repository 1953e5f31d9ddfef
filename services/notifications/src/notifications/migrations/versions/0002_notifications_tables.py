"""The notifications service's tables: read models (recipients, committee members, meetings,
registrations), inbox notifications, e-mail deliveries, digest items, reminders, preferences.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "committee_members",
        sa.Column("committee_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("committee_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("committee_id", "person_id", name=op.f("pk_committee_members")),
    )
    with op.batch_alter_table("committee_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_committee_members_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("source_event_id", sa.String(length=128), nullable=False),
        sa.Column("recipient_key", sa.String(length=400), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("to_name", sa.String(length=300), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("source_event_id", "recipient_key", name="uq_deliveries_source"),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_deliveries_created_at_id", ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deliveries_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            "ix_deliveries_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_deliveries_to_address"), ["to_address"], unique=False)

    op.create_table(
        "digest_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("recipient_key", sa.String(length=400), nullable=False),
        sa.Column("source_event_id", sa.String(length=128), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("to_name", sa.String(length=300), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_items")),
        sa.UniqueConstraint("source_event_id", "recipient_key", name="uq_digest_items_source"),
    )
    with op.batch_alter_table("digest_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_items_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_digest_items_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_digest_items_recipient_key"), ["recipient_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_digest_items_to_address"), ["to_address"], unique=False
        )

    op.create_table(
        "meetings",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("committee_id", sa.String(length=64), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("online_url", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meetings_committee_id"), ["committee_id"], unique=False
        )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source_event_id", sa.String(length=128), nullable=False),
        sa.Column("recipient_key", sa.String(length=400), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("user_sub", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("source_event_id", "recipient_key", name="uq_notifications_source"),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_created_at_id", ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_user_sub"), ["user_sub"], unique=False)

    op.create_table(
        "preferences",
        sa.Column("sub", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("email_enabled", sa.Boolean(), nullable=False),
        sa.Column("inbox_enabled", sa.Boolean(), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sub", name=op.f("pk_preferences")),
    )
    with op.batch_alter_table("preferences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_preferences_email"), ["email"], unique=False)

    op.create_table(
        "recipients",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("user_sub", sa.String(length=255), nullable=True),
        sa.Column("function", sa.String(length=64), nullable=True),
        sa.Column("organization_id", sa.String(length=64), nullable=True),
        sa.Column("school_id", sa.String(length=64), nullable=True),
        sa.Column("region", sa.String(length=64), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipients")),
    )
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recipients_email"), ["email"], unique=False)
        batch_op.create_index("ix_recipients_region_function", ["region", "function"], unique=False)
        batch_op.create_index(batch_op.f("ix_recipients_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recipients_user_sub"), ["user_sub"], unique=False)

    op.create_table(
        "registrations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("meeting_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("user_sub", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
    )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registrations_email"), ["email"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_registrations_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_registrations_person_id"), ["person_id"], unique=False)

    op.create_table(
        "reminders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint("kind", "subject_id", name="uq_reminders_kind_subject"),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reminders_contact_email"), ["contact_email"], unique=False
        )
        batch_op.create_index("ix_reminders_status_due_at", ["status", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_status_due_at")
        batch_op.drop_index(batch_op.f("ix_reminders_contact_email"))

    op.drop_table("reminders")
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registrations_person_id"))
        batch_op.drop_index(batch_op.f("ix_registrations_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_registrations_email"))

    op.drop_table("registrations")
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recipients_user_sub"))
        batch_op.drop_index(batch_op.f("ix_recipients_school_id"))
        batch_op.drop_index("ix_recipients_region_function")
        batch_op.drop_index(batch_op.f("ix_recipients_email"))

    op.drop_table("recipients")
    with op.batch_alter_table("preferences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_preferences_email"))

    op.drop_table("preferences")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_user_sub"))
        batch_op.drop_index(batch_op.f("ix_notifications_person_id"))
        batch_op.drop_index(batch_op.f("ix_notifications_email"))
        batch_op.drop_index("ix_notifications_created_at_id")

    op.drop_table("notifications")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetings_committee_id"))

    op.drop_table("meetings")
    with op.batch_alter_table("digest_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_items_to_address"))
        batch_op.drop_index(batch_op.f("ix_digest_items_recipient_key"))
        batch_op.drop_index(batch_op.f("ix_digest_items_person_id"))
        batch_op.drop_index(batch_op.f("ix_digest_items_due_at"))

    op.drop_table("digest_items")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_to_address"))
        batch_op.drop_index("ix_deliveries_status_next_attempt_at")
        batch_op.drop_index(batch_op.f("ix_deliveries_person_id"))
        batch_op.drop_index("ix_deliveries_created_at_id")

    op.drop_table("deliveries")
    with op.batch_alter_table("committee_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committee_members_person_id"))

    op.drop_table("committee_members")
