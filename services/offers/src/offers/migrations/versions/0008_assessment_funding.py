"""Assessment criteria and scores, funding sources per fund.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "funds", sa.Column("assessment_criteria", sa.JSON(), nullable=False, server_default="[]")
    )
    op.add_column(
        "funds", sa.Column("funding_sources", sa.JSON(), nullable=False, server_default="[]")
    )
    op.create_table(
        "assessments",
        sa.Column(
            "application_id",
            sa.Uuid(),
            sa.ForeignKey("applications.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("recommendation", sa.String(16), nullable=False),
        sa.Column("recommended_cents", sa.BigInteger(), nullable=True),
        sa.Column("notes", sa.String(10000), nullable=True),
        sa.Column("assessed_by", sa.String(200), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("assessments")
    op.drop_column("funds", "funding_sources")
    op.drop_column("funds", "assessment_criteria")
