"""Committee decisions from meetings (``meetings.decision.recorded``) applied to applications.

The same checks as a manual decision. A decision that cannot be applied (the fund has no money
left, the application was withdrawn meanwhile, the committee is not the fund's deciding one…) is
not lost: it is stored as a refused decision (``GET /applications/{id}/decisions``) and announced
as ``offers.application.decision_refused`` with the rule that failed, so the office is told and
the meeting's record can show it. Each committee decision is applied at most once: the inbox
drops redeliveries, and the decision id is unique among the stored decisions.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from offers.applications import repository
from offers.applications.service import Actor, Ruling, apply_ruling, check_ruling, refused_record
from offers.common import subject_region
from offers.funds import service as funds
from offers.models import outbox
from schulerfolg.events import CloudEvent
from schulerfolg.events.meetings import DecisionRecorded
from schulerfolg.events.offers import ApplicationDecisionRefused
from schulerfolg.http.problems import Problem
from schulerfolg.messaging.consumer import ConsumerSpec, PermanentEventError

log = structlog.get_logger("offers.committee")


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


async def apply_committee_decision(
    session: AsyncSession, event: CloudEvent[Any], *, report_due_weeks: int
) -> None:
    """Apply one recorded committee decision, or record why it could not be applied."""
    data: DecisionRecorded = event.data
    if data.application_id is None:
        return  # a decision on an item that is not about an application: nothing to do here
    try:
        application_id = uuid.UUID(data.application_id)
        decision_id = uuid.UUID(data.id)
    except ValueError as exc:
        raise PermanentEventError(f"not an id: {exc}") from exc
    app = await repository.get_application(session, application_id, lock=True)
    if app is None:
        raise PermanentEventError(f"unknown application {application_id}")
    if await repository.committee_decision_seen(session, decision_id):
        return
    fund = await funds.get_fund(session=session, fund_id=app.fund_id, lock=True)
    committee_id = _uuid(data.committee_id)
    ruling = Ruling(
        outcome=data.outcome,
        approved_cents=data.approved_cents,
        conditions=data.conditions if data.outcome == "approved" else None,
        reason=data.reason,
        source="committee",
        actor=Actor(f"committee:{committee_id}" if committee_id else "committee"),
        committee_decision_id=decision_id,
        meeting_id=_uuid(data.meeting_id),
        agenda_item_id=_uuid(data.agenda_item_id),
        committee_id=committee_id,
    )
    try:
        if data.outcome not in ("approved", "rejected", "returned"):
            raise PermanentEventError(f"unknown outcome {data.outcome!r}")
        if fund.deciding_committee_id is None:
            raise _Refusal(
                "no-deciding-committee",
                "The fund names no deciding committee; its network office decides by hand.",
            )
        if committee_id != fund.deciding_committee_id:
            raise _Refusal(
                "not-the-deciding-committee",
                "The committee that decided is not the fund's deciding committee.",
            )
        amount = await check_ruling(session, app, fund, ruling)
    except Problem as problem:
        await _refuse(
            session, app, data, ruling, problem.rule or problem.slug, problem.detail or ""
        )
        return
    await apply_ruling(session, app, fund, ruling, amount, report_due_weeks=report_due_weeks)


class _Refusal(Problem):
    status, title, slug = 409, "Decision refused", "decision-refused"

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(detail, rule=rule)


async def _refuse(
    session: AsyncSession,
    app: Any,
    data: DecisionRecorded,
    ruling: Ruling,
    rule: str,
    detail: str,
) -> None:
    session.add(refused_record(app, ruling, rule, detail))
    await outbox.append(
        session,
        ApplicationDecisionRefused(
            application_id=str(app.id),
            region=app.region,
            decision_id=data.id,
            meeting_id=data.meeting_id,
            agenda_item_id=data.agenda_item_id,
            committee_id=data.committee_id,
            outcome=data.outcome,
            approved_cents=data.approved_cents,
            rule=rule,
            detail=detail,
            title=app.title,
        ),
        entity_id=str(app.id),
        region=subject_region(app.region),
    )
    log.warning("offers.application.decision_refused", application_id=str(app.id), rule=rule)


def decision_consumer(runtime: Any) -> ConsumerSpec:
    """Offers' consumer of committee decisions."""
    weeks = runtime.settings.report_due_weeks

    async def handle(session: AsyncSession, event: CloudEvent[Any]) -> None:
        await apply_committee_decision(session, event, report_due_weeks=weeks)

    return ConsumerSpec(
        name="offers-committee-decisions",
        events=(DecisionRecorded,),
        handler=handle,
        description="Applies committee decisions on applications (or records why not).",
    )
