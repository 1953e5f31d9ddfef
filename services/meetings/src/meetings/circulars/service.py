"""Domain functions for circular decisions (Umlaufverfahren). They change state and append
events; they never commit.

- Started by the committee's organisers (the state coordination; a network office for its
  region's committees) about an application waiting for the committee (its open agenda item) or
  a free question. Who may vote — the voting members — and who among them is recused (a member
  whose organisation applies or is a partner, exactly as for a session's decision) are fixed at
  the start.
- Each voting member who is not recused votes once (yes, no, abstain); the vote is final. Votes
  take the circular's row lock, and (circular, person) is the votes' primary key, so votes that
  arrive together are each counted once.
- It closes when every voter has voted, or when the deadline passes (the housekeeping). Quorum —
  votes cast, the committee's quorum as for a session — and majority (more yes than no:
  ``approved``, else ``rejected``) decide. Without quorum it has ``failed``: the application stays
  on the committee's queue for its next session.
- An application's outcome is published as ``meetings.decision.recorded`` (decision id = the
  circular's id, no meeting), so offers applies it exactly like a session's decision; a refusal
  announced back by offers marks the circular ``refused``.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from meetings.agenda.service import voting_and_recused
from meetings.circulars import repository
from meetings.circulars.schemas import CircularCreate, MemberVote, VoteCreate
from meetings.committees.schemas import default_quorum
from meetings.committees.service import get_committee, load_committee
from meetings.common import Viewer, audit, invalid, subject_region
from meetings.models import AgendaItem, Circular, CircularVote, outbox
from meetings.persons import repository as persons
from schulerfolg.auth import Principal
from schulerfolg.db import utcnow
from schulerfolg.events.meetings import (
    CircularDecided,
    CircularFailed,
    CircularReminded,
    CircularStarted,
    DecisionRecorded,
    Votes,
)
from schulerfolg.events.offers import ApplicationDecisionRefused
from schulerfolg.http.pagination import PageParams
from schulerfolg.http.problems import Conflict, Forbidden, NotFound
from schulerfolg.privacy.audit import SYSTEM
from schulerfolg.privacy.retention import RetentionTask

log = structlog.get_logger("meetings.circulars")

REMIND_BEFORE = timedelta(hours=24)


class CircularNotFound(NotFound):
    """No circular with that id."""

    slug = "circular-not-found"

    def __init__(self, circular_id: uuid.UUID) -> None:
        super().__init__(f"There is no circular {circular_id}.")


def _common(circular: Circular) -> dict[str, object]:
    return {
        "id": circular.id,
        "committee_id": circular.committee_id,
        "region": circular.region,
        "title": circular.title,
        "application_id": circular.application_id,
        "deadline": circular.deadline,
    }


def _votes(circular: Circular) -> Votes:
    return Votes(yes=circular.votes_yes, no=circular.votes_no, abstain=circular.votes_abstain)


async def start(
    *, session: AsyncSession, viewer: Viewer, committee_id: uuid.UUID, data: CircularCreate
) -> Circular:
    """Start a circular; emits ``meetings.circular.started``."""
    committee = await load_committee(session=session, committee_id=committee_id, for_update=True)
    principal = viewer.ensure_may_manage(committee.region)
    if data.deadline <= utcnow():
        raise invalid("deadline", "must be in the future", "The deadline has passed already.")
    item: AgendaItem | None = None
    if data.application_id is not None:
        item = await repository.open_item_of_application(session, committee.id, data.application_id)
        if item is None:
            raise Conflict(
                f"The application {data.application_id} is not waiting for a decision of this "
                "committee.",
                rule="application-not-pending",
            )
        if await repository.open_circular_of_item(session, item.id) is not None:
            raise Conflict(
                "A circular about this application is already running.", rule="circular-running"
            )
    voting, recused = await voting_and_recused(session, committee.id, item)
    voters = voting - recused
    if not voters:
        raise Conflict(
            "The committee has no voting member who is not recused.", rule="no-voting-members"
        )
    circular = Circular(
        committee_id=committee.id,
        region=committee.region,
        title=data.title or (item.title if item else None) or (data.question or "")[:500],
        question=data.question,
        application_id=item.application_id if item else None,
        agenda_item_id=item.id if item else None,
        requested_cents=item.requested_cents if item else None,
        deadline=data.deadline,
        voter_ids=sorted(str(p) for p in voters),
        recused_ids=sorted(str(p) for p in recused),
        quorum=committee.quorum or default_quorum(len(voting)),
        started_by=principal.sub,
    )
    session.add(circular)
    await session.flush()
    await audit(session, principal, "circular.started", "circulars", circular.id)
    await outbox.append(
        session,
        CircularStarted(
            **_common(circular),  # type: ignore[arg-type]
            voter_ids=[uuid.UUID(p) for p in circular.voter_ids],
            recused_ids=[uuid.UUID(p) for p in circular.recused_ids],
        ),
        entity_id=str(circular.id),
        region=subject_region(circular.region),
    )
    log.info("meetings.circular.started", circular_id=str(circular.id), voters=len(voters))
    return circular


async def _readable(session: AsyncSession, viewer: Viewer, circular_id: uuid.UUID) -> Circular:
    circular = await repository.get_circular(session, circular_id)
    if circular is None:
        raise CircularNotFound(circular_id)
    await get_committee(session=session, viewer=viewer, committee_id=circular.committee_id)
    return circular


async def list_circulars(
    *, session: AsyncSession, viewer: Viewer, committee_id: uuid.UUID, page: PageParams
) -> tuple[list[Circular], str | None]:
    """A committee's circulars, for its members and organisers."""
    committee = await get_committee(session=session, viewer=viewer, committee_id=committee_id)
    return await repository.list_circulars(session, committee.id, page=page)


async def get_record(
    *, session: AsyncSession, viewer: Viewer, circular_id: uuid.UUID
) -> tuple[Circular, list[MemberVote], str | None]:
    """A circular with its record (who voted how, who is recused, who has not voted) and the
    caller's own line."""
    circular = await _readable(session, viewer, circular_id)
    votes = {v.person_id: v.vote for v in await repository.votes_of(session, circular.id)}
    ids = [uuid.UUID(p) for p in circular.voter_ids + circular.recused_ids]
    names = await persons.persons_by_id(session, ids)
    recused = set(circular.recused_ids)
    record = []
    for person_id in ids:
        person = names.get(person_id)
        state = "recused" if str(person_id) in recused else votes.get(person_id, "not_voted")
        record.append(
            MemberVote(person_id=person_id, name=person.name if person else None, state=state)  # type: ignore[arg-type]
        )
    mine = None
    if viewer.principal is not None:
        me = await persons.person_id_of_user(session, viewer.principal.sub)
        mine = next((line.state for line in record if line.person_id == me), None)
    return circular, record, mine


async def vote(
    *, session: AsyncSession, viewer: Viewer, circular_id: uuid.UUID, data: VoteCreate
) -> Circular:
    """A voting member's vote (the token's ``sub`` is their registry person's); the circular
    closes when it is the last one."""
    principal = viewer.ensure_signed_in()
    circular = await repository.get_circular(session, circular_id, for_update=True)
    if circular is None:
        raise CircularNotFound(circular_id)
    person_id = await persons.person_id_of_user(session, principal.sub)
    member = str(person_id) if person_id else None
    if member is None or member not in circular.voter_ids + circular.recused_ids:
        if not viewer.may_read_committee(
            await load_committee(session=session, committee_id=circular.committee_id)
        ):
            raise viewer.refuse("this circular")
        raise Forbidden("Only the committee's voting members vote on its circulars.")
    assert person_id is not None
    if member in circular.recused_ids:
        raise Conflict(
            "You are recused (your organisation applies or is a partner); you cannot vote.",
            rule="member-recused",
        )
    if circular.status != "open":
        raise Conflict("The circular is closed.", rule="circular-closed")
    now = utcnow()
    if circular.deadline <= now:
        raise Conflict("The deadline has passed.", rule="deadline-passed")
    if await session.get(CircularVote, (circular.id, person_id)) is not None:
        raise Conflict("You have voted already; a vote is final.", rule="already-voted")
    session.add(CircularVote(circular_id=circular.id, person_id=person_id, vote=data.vote))
    if data.vote == "yes":
        circular.votes_yes += 1
    elif data.vote == "no":
        circular.votes_no += 1
    else:
        circular.votes_abstain += 1
    circular.touch()
    session.add(circular)
    await session.flush()
    await audit(session, principal, "circular.voted", "circulars", circular.id)
    if _cast(circular) >= len(circular.voter_ids):
        await close(session, circular, now=now, actor=principal)
    return circular


def _cast(circular: Circular) -> int:
    return circular.votes_yes + circular.votes_no + circular.votes_abstain


async def close(
    session: AsyncSession,
    circular: Circular,
    *,
    now: datetime,
    actor: Principal | str | None = SYSTEM,
) -> None:
    """Close a circular (locked): quorum and majority decide, or it fails; emits
    ``meetings.circular.decided`` / ``.failed`` and, for an application, the decision."""
    item = (
        await session.get(AgendaItem, circular.agenda_item_id, with_for_update=True)
        if circular.agenda_item_id
        else None
    )
    circular.closed_at = now
    circular.touch()
    voters = [uuid.UUID(p) for p in circular.voter_ids]
    if _cast(circular) < circular.quorum or (item is not None and item.status != "open"):
        circular.status = "failed"
        if item is not None and item.status != "open":
            circular.refused_rule = f"application-{item.status}"
        session.add(circular)
        await session.flush()
        await audit(session, actor, "circular.failed", "circulars", circular.id)
        await outbox.append(
            session,
            CircularFailed(
                **_common(circular),  # type: ignore[arg-type]
                votes=_votes(circular),
                quorum=circular.quorum,
                voter_ids=voters,
            ),
            entity_id=str(circular.id),
            region=subject_region(circular.region),
        )
        log.info("meetings.circular.failed", circular_id=str(circular.id))
        return
    circular.status = "decided"
    circular.outcome = "approved" if circular.votes_yes > circular.votes_no else "rejected"
    session.add(circular)
    if item is not None:
        item.status = "decided"
        item.touch()
        session.add(item)
    await session.flush()
    await audit(session, actor, "circular.decided", "circulars", circular.id)
    if item is not None:
        await outbox.append(
            session,
            DecisionRecorded(
                id=circular.id,
                meeting_id=None,
                circular_id=circular.id,
                agenda_item_id=item.id,
                committee_id=circular.committee_id,
                region=circular.region,
                application_id=item.application_id,
                outcome=circular.outcome,
                approved_cents=item.requested_cents if circular.outcome == "approved" else None,
                votes=_votes(circular),
                decided_at=now,
            ),
            entity_id=str(circular.id),
            region=subject_region(circular.region),
        )
    await outbox.append(
        session,
        CircularDecided(
            **_common(circular),  # type: ignore[arg-type]
            outcome=circular.outcome,
            votes=_votes(circular),
            voter_ids=voters,
        ),
        entity_id=str(circular.id),
        region=subject_region(circular.region),
    )
    log.info("meetings.circular.decided", circular_id=str(circular.id), outcome=circular.outcome)


async def close_due(session: AsyncSession, now: datetime) -> int:
    """The housekeeping's round: close the circulars past their deadline and remind, once, the
    members who have not voted on those whose deadline is less than 24 hours away (if they ran
    longer than that)."""
    handled = 0
    for circular_id in await repository.due_ids(session, now):
        circular = await repository.get_circular(session, circular_id, for_update=True)
        if circular is not None and circular.status == "open":
            await close(session, circular, now=now)
            handled += 1
    for circular_id in await repository.reminder_due_ids(session, now + REMIND_BEFORE):
        circular = await repository.get_circular(session, circular_id, for_update=True)
        if circular is None or circular.status != "open" or circular.reminded_at is not None:
            continue
        voted = {v.person_id for v in await repository.votes_of(session, circular.id)}
        missing = [uuid.UUID(p) for p in circular.voter_ids if uuid.UUID(p) not in voted]
        if circular.deadline - circular.created_at <= REMIND_BEFORE:
            missing = []  # started less than a day before its deadline: the start was the call
        circular.reminded_at = now
        session.add(circular)
        await session.flush()
        if missing:
            await outbox.append(
                session,
                CircularReminded(**_common(circular), voter_ids=missing),  # type: ignore[arg-type]
                entity_id=str(circular.id),
                region=subject_region(circular.region),
            )
        handled += 1
    return handled


async def apply_refusal(session: AsyncSession, data: ApplicationDecisionRefused) -> None:
    """Offers could not apply a circular's decision: the circular shows it as ``refused``."""
    circular = await repository.circular_of_decision(session, data.decision_id)
    if circular is None or circular.status != "decided":
        return  # a session's decision, or already marked
    circular.status = "refused"
    circular.refused_rule = data.rule[:64]
    circular.refused_detail = data.detail[:2000]
    circular.touch()
    session.add(circular)
    await session.flush()
    await audit(session, SYSTEM, "circular.refused", "circulars", circular.id)
    log.warning("meetings.circular.refused", circular_id=str(circular.id), rule=data.rule)


def circulars_task(_runtime: object) -> RetentionTask:
    """The housekeeping's task that closes circulars at their deadline and sends the reminders
    (it runs with the housekeeping's clock, so a test moves it with the clock offset)."""
    return RetentionTask("circulars", close_due, personal=False)
