"""Schools read model: whether a school has school social work (statistics, issue 17).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # nullable: schools stored before this column are unknown until the registry's next event
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.add_column(sa.Column("has_school_social_work", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.drop_column("has_school_social_work")
