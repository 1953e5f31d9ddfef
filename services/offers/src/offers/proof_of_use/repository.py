"""Every query of the proof of use: the record, and — read defensively, as their parts may not
be there — the sum paid (payments) and the receipts' attachments (attachments)."""

from __future__ import annotations

import uuid

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from offers.models import ProofOfUse, metadata


async def get(session: AsyncSession, application_id: uuid.UUID) -> ProofOfUse | None:
    """The application's proof of use, if one was saved."""
    statement = select(ProofOfUse).where(col(ProofOfUse.application_id) == application_id)
    return (await session.scalars(statement)).first()


def _table(name: str, columns: set[str]) -> Table | None:
    table = metadata.tables.get(name)
    return table if table is not None and columns <= set(table.c.keys()) else None


async def paid_cents(session: AsyncSession, application_id: uuid.UUID) -> int:
    """The sum paid out for the application (payment requests marked ``paid``; 0 without them)."""
    table = _table("payment_requests", {"application_id", "amount_cents", "status"})
    if table is None:
        return 0
    statement = select(func.coalesce(func.sum(table.c.amount_cents), 0)).where(
        table.c.application_id == application_id, table.c.status == "paid"
    )
    return int(await session.scalar(statement) or 0)


async def receipt_attachments(
    session: AsyncSession, application_id: uuid.UUID, ids: set[uuid.UUID]
) -> set[uuid.UUID] | None:
    """Which of ``ids`` are receipts attached to the application; None when attachments are
    not kept (nothing to check against)."""
    table = _table("attachments", {"id"})
    if table is None or not ids:
        return None
    statement = select(table.c.id).where(table.c.id.in_(ids))
    if "application_id" in table.c:
        statement = statement.where(table.c.application_id == application_id)
    if "kind" in table.c:
        statement = statement.where(table.c.kind == "receipt")
    return {row for row in (await session.scalars(statement)).all()}
