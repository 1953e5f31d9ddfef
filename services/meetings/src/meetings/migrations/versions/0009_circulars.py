"""Circular decisions (Umlaufverfahren) between sessions (issue 20): the circulars with who may
vote and who is recused (registry person ids), and one vote per member.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "circulars",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Uuid(), nullable=False),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("question", sa.String(5000), nullable=True),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("agenda_item_id", sa.Uuid(), nullable=True),
        sa.Column("requested_cents", sa.BigInteger(), nullable=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("voter_ids", sa.JSON(), nullable=False),
        sa.Column("recused_ids", sa.JSON(), nullable=False),
        sa.Column("quorum", sa.Integer(), nullable=False),
        sa.Column("votes_yes", sa.Integer(), nullable=False),
        sa.Column("votes_no", sa.Integer(), nullable=False),
        sa.Column("votes_abstain", sa.Integer(), nullable=False),
        sa.Column("started_by", sa.String(255), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refused_rule", sa.String(64), nullable=True),
        sa.Column("refused_detail", sa.String(2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_circulars_committee_id_committees")
        ),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["agenda_items.id"],
            name=op.f("fk_circulars_agenda_item_id_agenda_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circulars")),
    )
    with op.batch_alter_table("circulars", schema=None) as batch_op:
        batch_op.create_index(
            "ix_circulars_committee_id_created_at", ["committee_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_circulars_status_deadline", ["status", "deadline"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_circulars_application_id"), ["application_id"], unique=False
        )
    op.create_table(
        "circular_votes",
        sa.Column("circular_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("vote", sa.String(8), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["circular_id"], ["circulars.id"], name=op.f("fk_circular_votes_circular_id_circulars")
        ),
        sa.PrimaryKeyConstraint("circular_id", "person_id", name=op.f("pk_circular_votes")),
    )


def downgrade() -> None:
    op.drop_table("circular_votes")
    op.drop_table("circulars")
