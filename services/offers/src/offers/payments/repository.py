"""Every query on payment requests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from offers.models import Application, Fund, PaymentRequest
from schulerfolg.http.pagination import PageParams, paginate


async def of_application(session: AsyncSession, application_id: uuid.UUID) -> list[PaymentRequest]:
    """The application's payment requests, oldest first."""
    statement = (
        select(PaymentRequest)
        .where(col(PaymentRequest.application_id) == application_id)
        .order_by(col(PaymentRequest.created_at), col(PaymentRequest.id))
    )
    return list((await session.scalars(statement)).all())


async def sums_by_status(session: AsyncSession, application_id: uuid.UUID) -> dict[str, int]:
    """Status → summed cents of the application's payment requests."""
    statement = (
        select(col(PaymentRequest.status), func.sum(col(PaymentRequest.amount_cents)))
        .where(col(PaymentRequest.application_id) == application_id)
        .group_by(col(PaymentRequest.status))
    )
    return {status: int(total or 0) for status, total in (await session.execute(statement)).all()}


async def get(
    session: AsyncSession, application_id: uuid.UUID, payment_id: uuid.UUID
) -> PaymentRequest | None:
    """One payment request of the application."""
    request = await session.get(PaymentRequest, payment_id)
    return request if request is not None and request.application_id == application_id else None


async def payouts(
    session: AsyncSession,
    *,
    page: PageParams | None,
    regions: Sequence[str] | None,
    status: str | None,
    fund_id: uuid.UUID | None,
    region: str | None,
) -> tuple[list[PaymentRequest], str | None]:
    """Payment requests, oldest first; ``regions`` None: every region. One page, or every row
    when ``page`` is None (the CSV)."""
    conditions: list[ColumnElement[bool]] = []
    if regions is not None:
        conditions.append(col(PaymentRequest.region).in_(list(regions)))
    if status is not None:
        conditions.append(col(PaymentRequest.status) == status)
    if fund_id is not None:
        conditions.append(col(PaymentRequest.fund_id) == fund_id)
    if region is not None:
        conditions.append(col(PaymentRequest.region) == region)
    statement = select(PaymentRequest).where(*conditions)
    key = [col(PaymentRequest.created_at), col(PaymentRequest.id)]
    if page is None:
        return list((await session.scalars(statement.order_by(*key))).all()), None
    return await paginate(
        session,
        statement,
        key=key,
        params=page,
        key_of=lambda r: [r.created_at.isoformat(), r.id],
    )


async def names(
    session: AsyncSession, requests: Sequence[PaymentRequest]
) -> tuple[dict[uuid.UUID, str], dict[uuid.UUID, str]]:
    """Application id → title and fund id → name for the payout list's lines."""
    app_ids = {r.application_id for r in requests}
    fund_ids = {r.fund_id for r in requests}
    titles = (
        await session.execute(
            select(col(Application.id), col(Application.title)).where(
                col(Application.id).in_(app_ids)
            )
        )
    ).all()
    funds = (
        await session.execute(
            select(col(Fund.id), col(Fund.name)).where(col(Fund.id).in_(fund_ids))
        )
    ).all()
    return {i: t for i, t in titles}, {i: n for i, n in funds}
