"""Proof of use (Verwendungsnachweis): narrative, participants, receipts; reclaims.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("funds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("proof_of_use_weeks", sa.Integer(), nullable=False, server_default="8")
        )
    op.create_table(
        "proofs_of_use",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("narrative", sa.String(length=20000), nullable=True),
        sa.Column("actual_participants", sa.JSON(), nullable=False),
        sa.Column("participant_breakdown", sa.JSON(), nullable=True),
        sa.Column("receipts", sa.JSON(), nullable=False),
        sa.Column("spent_cents", sa.BigInteger(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_reasons", sa.String(length=4000), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sa.String(length=200), nullable=True),
        sa.Column("accepted_cents", sa.BigInteger(), nullable=True),
        sa.Column("paid_cents", sa.BigInteger(), nullable=True),
        sa.Column("final_payment_cents", sa.BigInteger(), nullable=True),
        sa.Column("reclaim_cents", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_proofs_of_use_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proofs_of_use")),
        sa.UniqueConstraint("application_id", name=op.f("uq_proofs_of_use_application_id")),
    )


def downgrade() -> None:
    op.drop_table("proofs_of_use")
    with op.batch_alter_table("funds", schema=None) as batch_op:
        batch_op.drop_column("proof_of_use_weeks")
