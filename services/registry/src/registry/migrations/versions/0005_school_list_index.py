"""Schools in page order (issue 18): an index on (name, id) of the active schools with the
search text included, so a page of the list — and of a search for a common word — is read from
the index in order and stops when the page is full, instead of sorting every match.

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
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.create_index(
            "ix_schools_name_active",
            ["name", "id"],
            unique=False,
            postgresql_include=["search_text"],
            postgresql_where=sa.text("deleted_at IS NULL"),
            sqlite_where=sa.text("deleted_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.drop_index("ix_schools_name_active")
