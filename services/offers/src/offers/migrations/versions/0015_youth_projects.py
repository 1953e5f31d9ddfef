"""Youth micro-projects with an adult sponsor's confirmation (issue 20).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "youth_form_tickets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_youth_form_tickets")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_youth_form_tickets_token_sha256")),
    )
    op.create_index(op.f("ix_youth_form_tickets_issued_at"), "youth_form_tickets", ["issued_at"])
    op.create_table(
        "youth_projects",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("fund_id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("idea", sa.String(4000), nullable=False),
        sa.Column("group_size", sa.Integer(), nullable=False),
        sa.Column("requested_cents", sa.BigInteger(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("group_name", sa.String(100), nullable=True),
        sa.Column("sponsor_name", sa.String(200), nullable=True),
        sa.Column("sponsor_email", sa.String(254), nullable=True),
        sa.Column("sponsor_sha256", sa.String(64), nullable=True),
        sa.Column("client_sha256", sa.String(64), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_youth_projects_fund_id_funds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_youth_projects")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_youth_projects_token_sha256")),
    )
    op.create_index(op.f("ix_youth_projects_created_at"), "youth_projects", ["created_at"])
    op.create_index(op.f("ix_youth_projects_sponsor_email"), "youth_projects", ["sponsor_email"])
    op.create_index(
        "ix_youth_projects_client_created", "youth_projects", ["client_sha256", "created_at"]
    )
    op.create_index(
        "ix_youth_projects_sponsor_created", "youth_projects", ["sponsor_sha256", "created_at"]
    )


def downgrade() -> None:
    op.drop_table("youth_projects")
    op.drop_table("youth_form_tickets")
