"""Platform tables and the regions with their network offices.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from schulerfolg.migrations import create_platform_tables, drop_platform_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_platform_tables()
    op.create_table(
        "regions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_official", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("district_key", sa.String(5), nullable=False),
        sa.Column("nuts3", sa.String(8), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("office_name", sa.String(300), nullable=False),
        sa.Column("office_provider_name", sa.String(500), nullable=True),
        sa.Column("office_provider_kind", sa.String(16), nullable=True),
        sa.Column("office_provider_organization_id", sa.Uuid(), nullable=True),
        sa.Column("office_street", sa.String(200), nullable=True),
        sa.Column("office_postal_code", sa.String(5), nullable=True),
        sa.Column("office_city", sa.String(200), nullable=True),
        sa.Column("office_phone", sa.String(50), nullable=True),
        sa.Column("office_email", sa.String(254), nullable=True),
        sa.Column("office_website", sa.String(500), nullable=True),
        sa.Column("office_data_status", sa.String(16), nullable=True),
        sa.Column("office_sources", sa.String(2000), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regions")),
        sa.UniqueConstraint("district_key", name=op.f("uq_regions_district_key")),
    )
    op.create_index(op.f("ix_regions_slug"), "regions", ["slug"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_regions_slug"), table_name="regions")
    op.drop_table("regions")
    drop_platform_tables()
