"""Attachments on applications (quotes, agreements, signed forms, receipts).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # filled by the work on issue 16 (this revision keeps the chain in order meanwhile)


def downgrade() -> None:
    pass
