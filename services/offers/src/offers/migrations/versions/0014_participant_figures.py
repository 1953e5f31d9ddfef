"""ESF+ participant figures (issue 19): whether a fund collects them, and the proof of use's
table of counts by sex and age group (aggregates only, never a person).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("funds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "collects_participant_figures",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
    with op.batch_alter_table("proofs_of_use", schema=None) as batch_op:
        batch_op.add_column(sa.Column("participants", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("proofs_of_use", schema=None) as batch_op:
        batch_op.drop_column("participants")
    with op.batch_alter_table("funds", schema=None) as batch_op:
        batch_op.drop_column("collects_participant_figures")
