"""Queries for preferences."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from notifications.models import Preference


async def get(session: AsyncSession, sub: str, *, for_update: bool = False) -> Preference | None:
    """The preferences of the user ``sub``, if they ever saved any."""
    statement = select(Preference).where(col(Preference.sub) == sub)
    if for_update and session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    return (await session.scalars(statement)).first()


async def for_subs_or_emails(
    session: AsyncSession, subs: Iterable[str], emails: Iterable[str]
) -> list[Preference]:
    """Preferences saved by any of the users ``subs`` or under any of ``emails`` (lower case)."""
    subs, emails = list(set(subs)), list(set(emails))
    conditions = []
    if subs:
        conditions.append(col(Preference.sub).in_(subs))
    if emails:
        conditions.append(func.lower(col(Preference.email)).in_(emails))
    if not conditions:
        return []
    return list((await session.scalars(select(Preference).where(or_(*conditions)))).all())
