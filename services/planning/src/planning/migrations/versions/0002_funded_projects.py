"""The projects read model (from offers' application events).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
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
        "funded_projects",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("fund_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("school_ids", sa.JSON(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funded_projects")),
    )
    op.create_index(op.f("ix_funded_projects_region"), "funded_projects", ["region"])
    op.create_index(op.f("ix_funded_projects_status"), "funded_projects", ["status"])


def downgrade() -> None:
    op.drop_table("funded_projects")
