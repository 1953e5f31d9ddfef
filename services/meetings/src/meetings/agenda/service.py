"""Domain functions for agendas and decisions. They change state and append events; they never
commit.

Routing a submitted application: the committee's row is locked first (by the consumer and by
whoever schedules or cancels one of its sessions), so an application arriving while a session is
being created either joins that session or is picked up from the pending list by it — never lost
in between.
"""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from meetings.agenda import repository
from meetings.agenda.schemas import AgendaItemCreate, DecisionCreate
from meetings.committees import repository as committees
from meetings.committees.schemas import default_quorum
from meetings.committees.service import CommitteeNotFound, get_committee
from meetings.common import Viewer, audit, subject_region
from meetings.funding.service import ensure_decides
from meetings.models import (
    AgendaItem,
    ApplicationAssessment,
    Committee,
    Decision,
    Meeting,
    outbox,
)
from meetings.schedule import repository as meetings
from meetings.schedule.lookup import get_meeting, managed_meeting
from meetings.schedule.schemas import SESSION_KINDS
from schulerfolg.auth import Principal
from schulerfolg.db import upsert_newer, utcnow
from schulerfolg.events.meetings import AgendaItemAdded, DecisionRecorded, Votes
from schulerfolg.events.offers import ApplicationAssessed, ApplicationSubmitted
from schulerfolg.http.pagination import PageParams
from schulerfolg.http.problems import Conflict, NotFound
from schulerfolg.privacy.audit import SYSTEM

log = structlog.get_logger("meetings.agenda")


class AgendaItemNotFound(NotFound):
    """The meeting has no agenda item with that id."""

    slug = "agenda-item-not-found"

    def __init__(self, item_id: uuid.UUID) -> None:
        super().__init__(f"There is no agenda item {item_id} on this meeting.")


class Unroutable(Exception):
    """A submitted application cannot go on the committee it names (never retried)."""


class UnknownCommittee(Unroutable):
    """A submitted application names a committee this service does not know."""


class CommitteeOfOtherRegion(Unroutable):
    """A submitted application names a committee of another region than its own."""


async def _announce(session: AsyncSession, item: AgendaItem, meeting: Meeting) -> None:
    await outbox.append(
        session,
        AgendaItemAdded(
            id=item.id,
            meeting_id=meeting.id,
            committee_id=item.committee_id,
            region=meeting.region,
            kind=item.kind,
            title=item.title,
            position=item.position,
            application_id=item.application_id,
        ),
        entity_id=str(item.id),
        region=subject_region(meeting.region),
    )
    log.info(
        "meetings.agenda.item_added",
        item_id=str(item.id),
        meeting_id=str(meeting.id),
        position=item.position,
    )


async def _place(
    session: AsyncSession,
    item: AgendaItem,
    meeting: Meeting | None,
    *,
    actor: Principal | str | None,
    action: str,
) -> None:
    """Put an item at the end of ``meeting``'s agenda (locked), or leave it pending (None);
    audited as ``action`` (``agenda.item_added`` or ``agenda.item_moved``)."""
    item.meeting_id = meeting.id if meeting else None
    item.position = await repository.next_position(session, meeting.id) if meeting else 0
    session.add(item)
    await session.flush()
    await audit(session, actor, action, "agenda_items", item.id)
    if meeting is not None:
        await _announce(session, item, meeting)


async def route_submission(
    *, session: AsyncSession, data: ApplicationSubmitted
) -> AgendaItem | None:
    """Put a submitted application on its deciding committee's next session, or make it wait.

    A resubmission (a later version) is a new item; the same submission twice changes nothing.
    """
    committee_id, application_id = data.deciding_committee_id, data.id
    if committee_id is None:
        log.info("meetings.agenda.no_deciding_committee", application_id=str(application_id))
        return None
    committee = await committees.get_committee(session, committee_id, for_update=True)
    if committee is None:
        raise UnknownCommittee(f"the deciding committee {committee_id} does not exist here")
    if committee.region is not None and committee.region != data.region:
        raise CommitteeOfOtherRegion(
            f"committee-other-region: the deciding committee {committee_id} belongs to "
            f"{committee.region}, the application to {data.region}; not filed"
        )
    if await repository.submission_exists(session, application_id, data.version):
        return None
    item = AgendaItem(
        committee_id=committee.id,
        kind="decision",
        title=data.title,
        description=f"Antrag an {data.fund_name}: {data.title}",
        region=data.region if data.region != "state" else None,
        application_id=application_id,
        application_version=data.version,
        fund_id=data.fund_id,
        fund_name=data.fund_name,
        requested_cents=data.requested_cents,
        applicant_organization_id=data.applicant_organization_id,
        partner_organization_ids=[str(p) for p in data.partner_organization_ids],
    )
    meeting = await meetings.next_session(session, committee.id, after=utcnow())
    await _place(session, item, meeting, actor=SYSTEM, action="agenda.item_added")
    log.info(
        "meetings.agenda.application_routed",
        application_id=str(application_id),
        committee_id=str(committee.id),
        meeting_id=str(meeting.id) if meeting else None,
    )
    return item


async def withdraw_application(*, session: AsyncSession, application_id: uuid.UUID) -> int:
    """Take a withdrawn application's undecided items off the agendas; return how many."""
    items = await repository.open_items_of_application(session, application_id)
    for item in items:
        item.status = "withdrawn"
        item.touch()
        session.add(item)
        await audit(session, SYSTEM, "agenda.item_withdrawn", "agenda_items", item.id)
    await session.flush()
    log.info(
        "meetings.agenda.application_withdrawn",
        application_id=str(application_id),
        items=len(items),
    )
    return len(items)


async def adopt_pending(
    *,
    session: AsyncSession,
    committee: Committee,
    meeting: Meeting,
    actor: Principal | str | None = SYSTEM,
) -> None:
    """A new session of the committee (committee locked) takes the items waiting for it."""
    for item in await repository.pending_items(session, committee.id):
        item.touch()
        await _place(session, item, meeting, actor=actor, action="agenda.item_moved")


async def reroute_open_items(
    *,
    session: AsyncSession,
    committee: Committee,
    meeting: Meeting,
    actor: Principal | str | None = SYSTEM,
) -> None:
    """Undecided applications of a cancelled session go to the next one, or wait again."""
    items = await repository.open_items_of_meeting(session, meeting.id)
    if not items:
        return
    target = await meetings.next_session(session, committee.id, after=utcnow(), exclude=meeting.id)
    for item in items:
        item.touch()
        await _place(session, item, target, actor=actor, action="agenda.item_moved")


async def add_item(
    *, session: AsyncSession, viewer: Viewer, meeting_id: uuid.UUID, data: AgendaItemCreate
) -> AgendaItem:
    """Add an item by hand at the end of the agenda; emits ``meetings.agenda.item_added``."""
    meeting = await managed_meeting(session=session, viewer=viewer, meeting_id=meeting_id)
    if meeting.status == "cancelled":
        raise Conflict("The meeting is cancelled.", rule="meeting-cancelled")
    if data.application_id is not None:
        await ensure_decides(
            session, application_id=data.application_id, committee_id=meeting.committee_id
        )
    item = AgendaItem(
        committee_id=meeting.committee_id,
        kind=data.kind,
        title=data.title,
        description=data.description,
        region=meeting.region,
        application_id=data.application_id,
        requested_cents=data.requested_cents,
        applicant_organization_id=data.applicant_organization_id,
        partner_organization_ids=[str(p) for p in data.partner_organization_ids],
    )
    await _place(session, item, meeting, actor=viewer.principal, action="agenda.item_added")
    return item


async def list_agenda(
    *, session: AsyncSession, viewer: Viewer, meeting_id: uuid.UUID, page: PageParams
) -> tuple[list[tuple[AgendaItem, Decision | None, ApplicationAssessment | None]], str | None]:
    """A meeting's agenda with decisions and the office's assessments, for organisers and
    members."""
    meeting = await get_meeting(session=session, viewer=viewer, meeting_id=meeting_id)
    if not viewer.may_read_internals(meeting):
        raise viewer.refuse("this meeting's agenda")
    items, next_cursor = await repository.list_agenda(session, meeting.id, page=page)
    decisions = await repository.decisions_for(session, [i.id for i in items])
    assessments = await assessments_of(session, items)
    return [
        (i, decisions.get(i.id), assessments.get(i.application_id) if i.application_id else None)
        for i in items
    ], next_cursor


async def assessments_of(
    session: AsyncSession, items: list[AgendaItem]
) -> dict[uuid.UUID, ApplicationAssessment]:
    """The assessments of the items' applications (issue 16), by application id."""
    return await repository.assessments_for(
        session, {i.application_id for i in items if i.application_id is not None}
    )


async def apply_assessment(session: AsyncSession, data: ApplicationAssessed) -> None:
    """Keep an application's assessment (a newer version wins; no personal data in it)."""
    await upsert_newer(
        session,
        ApplicationAssessment,
        {
            "application_id": data.id,
            "version": data.version,
            "recommendation": data.recommendation,
            "recommended_cents": data.recommended_cents,
            "score": data.score,
        },
    )
    log.info("meetings.assessment.kept", application_id=str(data.id), version=data.version)


async def list_pending(
    *, session: AsyncSession, viewer: Viewer, committee_id: uuid.UUID, page: PageParams
) -> tuple[list[AgendaItem], str | None]:
    """Applications waiting for the committee's next session."""
    committee = await get_committee(session=session, viewer=viewer, committee_id=committee_id)
    return await repository.list_pending(session, committee.id, page=page)


async def _quorum(
    session: AsyncSession, meeting: Meeting, item: AgendaItem
) -> tuple[set[uuid.UUID], set[uuid.UUID], set[uuid.UUID], int]:
    """(voting members, recused among them, present and eligible, quorum required)."""
    assert meeting.committee_id is not None
    committee = await committees.get_committee(session, meeting.committee_id)
    if committee is None:
        raise CommitteeNotFound(meeting.committee_id)
    voting, recused = await voting_and_recused(session, committee.id, item)
    present = (await repository.attendees(session, meeting.id) & voting) - recused
    return voting, recused, present, committee.quorum or default_quorum(len(voting))


async def voting_and_recused(
    session: AsyncSession, committee_id: uuid.UUID, item: AgendaItem | None
) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """The committee's voting members, and those among them recused from deciding ``item`` (a
    member whose organisation is the applicant or a partner); a session's decision and a
    circular (issue 20) both use it."""
    members = await committees.all_members(session, committee_id)
    voting = {m.person_id for m, _ in members if m.voting}
    if item is None:
        return voting, set()
    conflicted = {str(o) for o in [item.applicant_organization_id] if o} | set(
        item.partner_organization_ids
    )
    recused = {
        m.person_id
        for m, person in members
        if m.voting
        and person is not None
        and person.organization_id is not None
        and str(person.organization_id) in conflicted
    }
    return voting, recused


def _check_ballots(
    data: DecisionCreate, voting: set[uuid.UUID], recused: set[uuid.UUID], present: set[uuid.UUID]
) -> None:
    for ballot in data.ballots or []:
        if ballot.person_id in recused:
            raise Conflict(
                f"The member {ballot.person_id} is recused (their organisation applies or is a "
                "partner); their vote is not counted.",
                rule="member-recused",
            )
        if ballot.person_id not in voting:
            raise Conflict(
                f"The person {ballot.person_id} has no vote in this committee.",
                rule="not-a-voting-member",
            )
        if ballot.person_id not in present:
            raise Conflict(
                f"The member {ballot.person_id} is not recorded as present; update the attendance.",
                rule="member-not-present",
            )


async def record_decision(
    *,
    session: AsyncSession,
    viewer: Viewer,
    meeting_id: uuid.UUID,
    item_id: uuid.UUID,
    data: DecisionCreate,
) -> Decision:
    """Record the committee's decision on an item; emits ``meetings.decision.recorded`` once.

    Refused (409) without quorum — voting members present, not counting recused ones (a member
    whose organisation is the applicant or a partner) — and for a second decision on the item.
    """
    principal = viewer.ensure_signed_in()
    meeting = await managed_meeting(session=session, viewer=viewer, meeting_id=meeting_id)
    item = await repository.get_item(session, meeting.id, item_id, for_update=True)
    if item is None:
        raise AgendaItemNotFound(item_id)
    if item.status == "decided":
        raise Conflict("This item has already been decided.", rule="already-decided")
    if item.status == "withdrawn":
        raise Conflict("The application was withdrawn.", rule="application-withdrawn")
    if item.kind != "decision":
        raise Conflict(f"A {item.kind} item takes no decision.", rule="not-a-decision-item")
    if meeting.status == "cancelled":
        raise Conflict("The meeting is cancelled.", rule="meeting-cancelled")
    if meeting.committee_id is None or meeting.kind not in SESSION_KINDS:
        raise Conflict("Only a committee's session decides.", rule="not-a-committee-session")
    voting, recused, present, required = await _quorum(session, meeting, item)
    _check_ballots(data, voting, recused, present)
    if len(present) < required:
        raise Conflict(
            f"No quorum: {len(present)} voting member(s) present who are not recused, "
            f"{required} needed. Record the attendance first.",
            rule="no-quorum",
        )
    counts = data.counts()
    if sum(counts.values()) > len(present):
        raise Conflict(
            f"{sum(counts.values())} votes, but only {len(present)} voting members are present.",
            rule="too-many-votes",
        )
    approved_cents = data.approved_cents
    if data.outcome == "approved":
        if approved_cents is None:
            approved_cents = item.requested_cents
        if (
            item.requested_cents is not None
            and approved_cents is not None
            and approved_cents > item.requested_cents
        ):
            raise Conflict(
                f"approved_cents ({approved_cents}) exceeds the requested {item.requested_cents}.",
                rule="more-than-requested",
            )
    decision = Decision(
        agenda_item_id=item.id,
        meeting_id=meeting.id,
        application_id=item.application_id,
        outcome=data.outcome,
        approved_cents=approved_cents,
        conditions=data.conditions,
        reason=data.reason,
        votes_yes=counts["yes"],
        votes_no=counts["no"],
        votes_abstain=counts["abstain"],
        ballots=[{"person_id": str(b.person_id), "vote": b.vote} for b in data.ballots or []],
        present_voting=len(present),
        quorum=required,
        decided_by=principal.sub,
    )
    session.add(decision)
    item.status = "decided"
    item.touch()
    session.add(item)
    await session.flush()
    await audit(session, principal, "decision.recorded", "decisions", decision.id)
    await outbox.append(
        session,
        DecisionRecorded(
            id=decision.id,
            meeting_id=meeting.id,
            agenda_item_id=item.id,
            committee_id=meeting.committee_id,
            region=meeting.region,
            application_id=item.application_id,
            outcome=decision.outcome,
            approved_cents=decision.approved_cents,
            conditions=decision.conditions,
            reason=decision.reason,
            votes=Votes(yes=counts["yes"], no=counts["no"], abstain=counts["abstain"]),
            decided_at=decision.decided_at,
        ),
        entity_id=str(decision.id),
        region=subject_region(meeting.region),
    )
    log.info(
        "meetings.decision.recorded",
        decision_id=str(decision.id),
        meeting_id=str(meeting.id),
        outcome=decision.outcome,
    )
    return decision
