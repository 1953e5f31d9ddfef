"""Every query on committees and their members."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from meetings.models import Committee, CommitteeMember, Person
from schulerfolg.events.base import STATE
from schulerfolg.http.pagination import PageParams, paginate


async def list_committees(
    session: AsyncSession,
    *,
    page: PageParams,
    everything: bool,
    regions: Collection[str],
    committee_ids: Collection[uuid.UUID],
    region: str | None = None,
    kind: str | None = None,
) -> tuple[list[Committee], str | None]:
    """Committees the caller reads (all, or in ``regions``, or ``committee_ids``), by name."""
    statement = select(Committee)
    if not everything:
        visible = [col(Committee.region).in_(list(regions)) if regions else false()]
        if committee_ids:
            visible.append(col(Committee.id).in_(list(committee_ids)))
        statement = statement.where(or_(*visible))
    if region == STATE:
        statement = statement.where(col(Committee.region).is_(None))
    elif region is not None:
        statement = statement.where(col(Committee.region) == region)
    if kind is not None:
        statement = statement.where(col(Committee.kind) == kind)
    return await paginate(
        session,
        statement,
        key=[col(Committee.name), col(Committee.id)],
        params=page,
        key_of=lambda c: [c.name, c.id],
    )


async def get_committee(
    session: AsyncSession, committee_id: uuid.UUID, *, for_update: bool = False
) -> Committee | None:
    """A committee by id (locked for update when asked)."""
    return await session.get(
        Committee, committee_id, with_for_update=for_update, populate_existing=for_update
    )


async def voting_counts(
    session: AsyncSession, committee_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """The number of members with a vote per committee."""
    if not committee_ids:
        return {}
    rows = await session.execute(
        select(col(CommitteeMember.committee_id), func.count())
        .where(
            col(CommitteeMember.committee_id).in_(list(committee_ids)),
            col(CommitteeMember.voting).is_(True),
        )
        .group_by(col(CommitteeMember.committee_id))
    )
    return {committee_id: count for committee_id, count in rows}


async def list_members(
    session: AsyncSession, committee_id: uuid.UUID, *, page: PageParams
) -> tuple[list[CommitteeMember], str | None]:
    """A committee's members in the order they joined."""
    return await paginate(
        session,
        select(CommitteeMember).where(col(CommitteeMember.committee_id) == committee_id),
        key=[col(CommitteeMember.created_at), col(CommitteeMember.id)],
        params=page,
        key_of=lambda m: [m.created_at.isoformat(), m.id],
    )


async def all_members(
    session: AsyncSession, committee_id: uuid.UUID
) -> list[tuple[CommitteeMember, Person | None]]:
    """Every member of a committee with what the read model knows of the person."""
    rows = await session.execute(
        select(CommitteeMember, Person)
        .outerjoin(Person, col(Person.id) == col(CommitteeMember.person_id))
        .where(col(CommitteeMember.committee_id) == committee_id)
        .order_by(col(CommitteeMember.created_at), col(CommitteeMember.id))
    )
    return [(member, person) for member, person in rows]


async def get_member(
    session: AsyncSession, committee_id: uuid.UUID, person_id: uuid.UUID
) -> CommitteeMember | None:
    """A membership by committee and person."""
    statement = select(CommitteeMember).where(
        col(CommitteeMember.committee_id) == committee_id,
        col(CommitteeMember.person_id) == person_id,
    )
    return (await session.scalars(statement)).one_or_none()
