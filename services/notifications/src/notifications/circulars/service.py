"""Which circular event notifies whom (meetings' ``meetings.circular.*``), all by the voting
members' registry person ids (the committee membership read model gives their addresses):

- started → every voting member who is not recused, with the link to the vote page;
- reminded (once, a day before the deadline) → those who have not voted yet;
- decided / failed → the voting members who were asked, with the result.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.directory import repository as directory
from notifications.dispatch.service import Addressee, Notifier
from schulerfolg.events import CloudEvent
from schulerfolg.events import meetings as m
from schulerfolg.events.base import EventPayload

KINDS: dict[type[EventPayload], str] = {
    m.CircularStarted: "circular_started",
    m.CircularReminded: "circular_reminder",
    m.CircularDecided: "circular_result",
    m.CircularFailed: "circular_result",
}


async def voters(session: AsyncSession, data: m.CircularData) -> list[Addressee]:
    """The committee's members among the event's ``voter_ids`` (as far as they are known)."""
    wanted = {str(p) for p in getattr(data, "voter_ids", [])}
    members = await directory.committee_members(session, str(data.committee_id))
    return [a for a in members if a.person_id in wanted]


async def handle(notifier: Notifier, session: AsyncSession, event: CloudEvent[Any]) -> None:
    """Tell the members to vote, remind them, and tell them the result."""
    data = event.data
    kind = KINDS.get(type(data))
    if kind is None:
        return
    await notifier.notify(
        session,
        kind=kind,
        source_id=str(event.id),
        link=f"/umlaufverfahren/{data.id}",
        addressees=await voters(session, data),
        c=data.model_dump(mode="json"),
        failed=isinstance(data, m.CircularFailed),
    )
