"""Indexes for the statistics and the application search.

- ``ix_applications_statistics``: the columns the statistics group and filter by, with the
  measured columns included (PostgreSQL ``INCLUDE``), so a network office's statistics read the
  index alone instead of every heap page holding one of its applications (at 1,000,000
  applications: 380 → 60 ms for the main aggregate). SQLite gets the key columns only.
- ``ix_applications_search_text``: a trigram index for ``q`` (substring search) on PostgreSQL —
  the pg_trgm extension, trusted since PostgreSQL 13 — as in the registry; a rare word among
  1,000,000 applications: 710 → 70 ms. A plain index elsewhere.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATISTICS_KEY = ["region", "fund_id", "status", "for_pupils", "for_parents", "for_teachers"]
STATISTICS_INCLUDE = [
    "id",
    "start_date",
    "requested_cents",
    "approved_cents",
    "planned_pupils",
    "planned_parents",
    "planned_teachers",
    "actual_pupils",
    "actual_parents",
    "actual_teachers",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_applications_statistics",
            STATISTICS_KEY,
            unique=False,
            postgresql_include=STATISTICS_INCLUDE,
        )
        batch_op.create_index(
            "ix_applications_search_text",
            ["search_text"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )


def downgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_search_text")
        batch_op.drop_index("ix_applications_statistics")
