"""``GET /me/data`` of meetings: what it holds about the caller — registrations (made while
signed in as the caller, or with the caller's token e-mail address), and, through the persons
read model (``user_sub``), the caller's person record, committee seats, attendance and votes.
Records carry the caller's own fields and what they belong to (meeting titles and dates,
committee names), never another person's data; the caller's calendar subscriptions (without
their secrets)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from meetings.calendar import repository as calendar_feeds
from meetings.models import (
    Attendance,
    Committee,
    CommitteeMember,
    Decision,
    Meeting,
    Person,
    Registration,
)
from schulerfolg.auth import Principal


def _meeting_fields(meeting: Meeting) -> dict[str, Any]:
    return {
        "meeting_id": str(meeting.id),
        "meeting_title": meeting.title,
        "meeting_starts_at": meeting.starts_at.isoformat(),
        "meeting_ends_at": meeting.ends_at.isoformat(),
    }


async def _registrations(session: AsyncSession, principal: Principal) -> list[dict[str, Any]]:
    mine = col(Registration.user_sub) == principal.sub
    if principal.email:
        mine = or_(mine, func.lower(col(Registration.email)) == principal.email.strip().lower())
    rows = await session.execute(
        select(Registration, Meeting)
        .join(Meeting, col(Meeting.id) == col(Registration.meeting_id))
        .where(mine)
        .order_by(col(Registration.created_at))
    )
    return [
        {
            "id": str(r.id),
            **_meeting_fields(m),
            "name": r.name,
            "email": r.email,
            "organization": r.organization,
            "status": r.status,
            "created_at": r.created_at.isoformat(),
            "promoted_at": r.promoted_at.isoformat() if r.promoted_at else None,
            "cancelled_at": r.cancelled_at.isoformat() if r.cancelled_at else None,
        }
        for r, m in rows.all()
    ]


async def _persons(session: AsyncSession, principal: Principal) -> list[Person]:
    statement = select(Person).where(
        col(Person.user_sub) == principal.sub, col(Person.erased_at).is_(None)
    )
    return list((await session.scalars(statement)).all())


async def _seats(session: AsyncSession, person_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(CommitteeMember, Committee)
        .join(Committee, col(Committee.id) == col(CommitteeMember.committee_id))
        .where(col(CommitteeMember.person_id).in_(person_ids))
        .order_by(col(Committee.name))
    )
    return [
        {
            "committee_id": str(c.id),
            "committee_name": c.name,
            "region": c.region,
            "role": m.role,
            "voting": m.voting,
            "since": m.created_at.isoformat(),
        }
        for m, c in rows.all()
    ]


async def _attended(session: AsyncSession, person_ids: list[uuid.UUID]) -> list[Meeting]:
    statement = (
        select(Meeting)
        .join(Attendance, col(Attendance.meeting_id) == col(Meeting.id))
        .where(col(Attendance.person_id).in_(person_ids))
        .order_by(col(Meeting.starts_at))
    )
    return list((await session.scalars(statement)).unique().all())


async def _votes(
    session: AsyncSession, person_ids: list[uuid.UUID], meetings: list[Meeting]
) -> list[dict[str, Any]]:
    if not meetings:
        return []
    by_id = {m.id: m for m in meetings}
    mine = {str(p) for p in person_ids}
    decisions = await session.scalars(
        select(Decision).where(col(Decision.meeting_id).in_(list(by_id)))
    )
    return [
        {
            "decision_id": str(d.id),
            **_meeting_fields(by_id[d.meeting_id]),
            "agenda_item_id": str(d.agenda_item_id),
            "vote": ballot["vote"],
        }
        for d in decisions
        for ballot in d.ballots
        if ballot.get("person_id") in mine
    ]


async def collect_own_data(
    session: AsyncSession, principal: Principal
) -> dict[str, list[dict[str, Any]]]:
    """What meetings holds about the caller, per kind."""
    persons = await _persons(session, principal)
    person_ids = [p.id for p in persons]
    attended = await _attended(session, person_ids) if person_ids else []
    return {
        "registrations": await _registrations(session, principal),
        "persons": [
            {
                "id": str(p.id),
                "name": p.name,
                "email": p.email,
                "organization_id": str(p.organization_id) if p.organization_id else None,
                "region": p.region,
            }
            for p in persons
        ],
        "committee_seats": await _seats(session, person_ids) if person_ids else [],
        "attendance": [_meeting_fields(m) for m in attended],
        "votes": await _votes(session, person_ids, attended),
        "calendar_feeds": [
            {"id": str(f.id), "created_at": f.created_at.isoformat()}
            for f in await calendar_feeds.feeds_of(session, principal.sub)
        ],
    }
