"""The read model of applications' assessments (from ``offers.application.assessed``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "application_assessments",
        sa.Column("application_id", sa.Uuid(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recommendation", sa.String(16), nullable=False),
        sa.Column("recommended_cents", sa.BigInteger(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("application_assessments")
