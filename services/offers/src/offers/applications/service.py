"""Domain functions for applications. They change state and append events; they never commit.

Every change of money goes through the fund's row lock (``SELECT … FOR UPDATE`` on PostgreSQL;
SQLite writers are serialised anyway), so concurrent decisions never push a fund's approved
total over its budget nor a school over its yearly cap.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from offers.applications import access, repository, rules
from offers.applications.schemas import (
    ApplicationCreate,
    ApplicationUpdate,
    ConsultationBody,
    DecisionBody,
    ReportBody,
)
from offers.common import subject_region
from offers.directory import service as directory
from offers.directory.service import check_organizations, known_schools
from offers.funds import service as funds
from offers.funds.service import publish_fund_updated
from offers.models import (
    Application,
    CommitteeSessionView,
    Decision,
    Fund,
    StatusChange,
    audit_log,
    outbox,
)
from offers.privacy import service as privacy
from offers.proof_of_use import rules as proofs
from schulerfolg.auth import Principal
from schulerfolg.db import Database, apply_changes, insert_entity, utcnow
from schulerfolg.events.meetings import DecisionRecorded
from schulerfolg.events.offers import (
    ApplicationApproved,
    ApplicationCompleted,
    ApplicationDecisionRefused,
    ApplicationRejected,
    ApplicationReported,
    ApplicationReturned,
    ApplicationSubmitted,
    ApplicationWithdrawn,
)
from schulerfolg.http.etag import check_if_match
from schulerfolg.http.pagination import PageParams
from schulerfolg.http.problems import Conflict, FieldError, NotFound, Problem, Unprocessable
from schulerfolg.messaging.consumer import PermanentEventError
from schulerfolg.privacy import audit
from schulerfolg.search import search_text

log = structlog.get_logger("offers.applications")

GROUPS = ("pupils", "parents", "teachers")


class ApplicationNotFound(NotFound):
    """No application with that id is visible to the caller."""

    slug = "application-not-found"

    def __init__(self, application_id: uuid.UUID) -> None:
        super().__init__(f"There is no application {application_id} you may see.")


@dataclass(frozen=True)
class Actor:
    """Who changes an application: a signed-in person or a committee."""

    id: str
    name: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(principal.sub, principal.name)


async def record_change(
    session: AsyncSession, actor: Principal | str, action: str, app: Application
) -> None:
    """The audit entry of a change to ``app`` (``application.<what>``), in its transaction."""
    await privacy.record_change(session, actor, f"application.{action}", app.id)


# --------------------------------------------------------------------------- reading


async def get_visible(
    *, session: AsyncSession, principal: Principal, application_id: uuid.UUID, lock: bool = False
) -> Application:
    """The application if the caller may see it; 404 otherwise (no hint that it exists)."""
    app = await repository.get_application(session, application_id, lock=lock)
    if app is None:
        raise ApplicationNotFound(application_id)
    fund = await funds.get_fund(session=session, fund_id=app.fund_id)
    if not access.may_read(principal, app, fund):
        raise ApplicationNotFound(application_id)
    return app


async def list_applications(
    *, session: AsyncSession, principal: Principal, page: PageParams, **filters: Any
) -> tuple[list[Application], str | None]:
    """The applications the caller may see, one page."""
    return await repository.list_applications(
        session, page=page, visible=access.visible_to(principal), **filters
    )


async def list_projects(
    *, session: AsyncSession, page: PageParams, **filters: Any
) -> tuple[list[Application], str | None]:
    """Funded projects (approved, reported, completed), for anyone, one page."""
    return await repository.list_applications(
        session, page=page, visible=access.funded(), **filters
    )


async def deciding_sessions(
    *, session: AsyncSession, apps: list[Application]
) -> dict[uuid.UUID, CommitteeSessionView]:
    """Application id → the committee session that decides it (or decided it), as meetings
    placed it; none for a withdrawn application (meetings takes it off the agenda)."""
    return await directory.deciding_sessions(
        session, [app.id for app in apps if app.status != "withdrawn"]
    )


async def history(
    *, session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> tuple[Application, list[StatusChange]]:
    app = await get_visible(session=session, principal=principal, application_id=application_id)
    return app, await repository.history(session, application_id)


async def decisions(
    *, session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> tuple[Application, list[Decision]]:
    app = await get_visible(session=session, principal=principal, application_id=application_id)
    return app, await repository.decisions(session, application_id)


async def record_read(db: Database, principal: Principal, app: Application, action: str) -> None:
    """Audit a read of the application by anyone but its applying school or partner (the
    office, the state coordination, a steering member: they read other people's data)."""
    if access.is_applicant(principal, app):
        return
    await audit.record_read(
        db,
        audit_log,
        actor=principal,
        action=f"application.{action}",
        resource=audit.resource_of("applications", app.id),
    )


async def record_list_read(db: Database, principal: Principal, apps: list[Application]) -> None:
    """Audit one list read by the office, the state coordination or a steering member (one
    entry per page with applications, whoever's they are)."""
    if apps and principal.has_role(*access.OVERSEERS):
        await audit.record_read(
            db, audit_log, actor=principal, action="applications.listed", resource="applications"
        )


# --------------------------------------------------------------------------- drafting


def _content_values(data: dict[str, Any]) -> dict[str, Any]:
    """Column values from request content (lists as strings, groups and contact flattened)."""
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name in ("school_ids", "partner_organization_ids"):
            values[name] = [str(v) for v in value]
        elif name == "target_groups":
            for group in GROUPS:
                values[f"for_{group}"] = group in value
        elif name == "planned_participants":
            for group in GROUPS:
                values[f"planned_{group}"] = (value or {}).get(group) or 0
        elif name == "budget_lines":
            values["budget_lines"] = value
            values["requested_cents"] = sum(line["amount_cents"] for line in value)
        elif name == "contact":
            contact = value or {}
            values["contact_name"] = contact.get("name")
            values["contact_email"] = contact.get("email")
            values["contact_phone"] = contact.get("phone")
        else:
            values[name] = value
    return values


async def _placement(session: AsyncSession, fund: Fund, school_ids: list[uuid.UUID]) -> str:
    """The application's region: the fund's, or the first school's for a state-wide fund."""
    schools = await known_schools(session, school_ids)
    if fund.region is None:
        return schools[school_ids[0]].region
    outside = [i for i, s in enumerate(school_ids) if schools[s].region != fund.region]
    if outside:
        raise Unprocessable(
            f"The fund is for the region '{fund.region}'; schools of other regions cannot apply "
            "to it.",
            rule="school-outside-fund-region",
            errors=[
                FieldError(
                    field=f"school_ids.{i}",
                    location="body",
                    message=f"not in {fund.region}",
                    type="school-outside-fund-region",
                )
                for i in outside
            ],
        )
    return fund.region


def _organizations(data: dict[str, Any]) -> dict[str, list[uuid.UUID]]:
    fields = {}
    if data.get("applicant_organization_id"):
        fields["applicant_organization_id"] = [data["applicant_organization_id"]]
    if data.get("partner_organization_ids"):
        fields["partner_organization_ids"] = list(data["partner_organization_ids"])
    return fields


async def create_application(
    *, session: AsyncSession, principal: Principal, data: ApplicationCreate
) -> Application:
    """Start a draft (no event: nobody else needs drafts)."""
    fund = await funds.get_fund(session=session, fund_id=data.fund_id)
    region = await _placement(session, fund, data.school_ids)
    orgs = _organizations(data.model_dump())
    access.ensure_may_create(
        principal,
        region=region,
        school_ids=data.school_ids,
        organization_ids=[o for ids in orgs.values() for o in ids],
    )
    await check_organizations(session, orgs)
    values = _content_values(data.model_dump(exclude={"fund_id"}))
    app = Application(
        fund_id=fund.id,
        region=region,
        status="draft",
        created_by=principal.sub,
        search_text=search_text(data.title),
        **values,
    )
    await insert_entity(session, app)  # Core: the ORM's unit of work costs here
    await repository.replace_links(session, app)
    await repository.add_history(session, app, from_status=None, **_who(Actor.of(principal)))
    await record_change(session, principal, "created", app)
    log.info("offers.application.drafted", application_id=str(app.id), region=region)
    return app


def _who(actor: Actor) -> dict[str, Any]:
    return {"actor": actor.id, "actor_name": actor.name}


async def update_application(
    *,
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    changes: ApplicationUpdate,
    if_match: str | None,
) -> Application:
    """Change a draft or returned application (the applicant side only)."""
    app = await get_visible(
        session=session, principal=principal, application_id=application_id, lock=True
    )
    access.ensure_applicant_side(principal, app)
    check_if_match(if_match, app.version)
    rules.ensure_move(app, "edit")
    sent = changes.model_dump(exclude_unset=True)
    if "fund_id" in sent or "school_ids" in sent:
        fund = await funds.get_fund(session=session, fund_id=sent.get("fund_id", app.fund_id))
        school_ids = sent.get("school_ids") or [uuid.UUID(s) for s in app.school_ids]
        region = await _placement(session, fund, school_ids)
        access.ensure_may_create(
            principal,
            region=region,
            school_ids=school_ids,
            organization_ids=[
                uuid.UUID(str(o))
                for o in [*app.partner_organization_ids, app.applicant_organization_id]
                if o
            ],
        )
        sent["region"] = region
    await check_organizations(session, _organizations(sent))
    values = _content_values(changes.model_dump(exclude_unset=True))
    if "region" in sent:
        values["region"] = sent["region"]
    if "title" in values:
        values["search_text"] = search_text(values["title"])
    if apply_changes(app, values):
        session.add(app)
        await session.flush()
        await repository.replace_links(session, app)
        await record_change(session, principal, "updated", app)
    return app


async def record_consultation(
    *,
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    body: ConsultationBody,
    if_match: str | None,
) -> Application:
    """The network office records its advice (required before submitting when the fund says so)."""
    app = await get_visible(
        session=session, principal=principal, application_id=application_id, lock=True
    )
    access.ensure_office(principal, app.region, "record the advice")
    check_if_match(if_match, app.version)
    rules.ensure_move(app, "consult")
    if apply_changes(
        app,
        {
            "consultation_date": body.date,
            "consultation_notes": body.notes,
            "consulted_by": principal.name or principal.sub,
        },
    ):
        session.add(app)
        await record_change(session, principal, "advised", app)
    return app


# --------------------------------------------------------------------------- moving


async def _move(
    session: AsyncSession,
    app: Application,
    to_status: str,
    actor: Actor,
    reason: str | None = None,
    **values: Any,
) -> str:
    """Set the new status (and values), bump the version, record the history; the old status."""
    old = app.status
    apply_changes(app, {"status": to_status, **values})
    session.add(app)
    await repository.add_history(session, app, from_status=old, reason=reason, **_who(actor))
    return old


def event_data(app: Application, fund: Fund) -> dict[str, Any]:
    """The fields every ``offers.application.*`` event carries."""
    return {
        "version": app.version,
        "id": str(app.id),
        "fund_id": str(fund.id),
        "fund_name": fund.name,
        "fund_kind": fund.kind,
        "deciding_committee_id": str(fund.deciding_committee_id)
        if fund.deciding_committee_id
        else None,
        "region": app.region,
        "school_ids": list(app.school_ids),
        "applicant_organization_id": str(app.applicant_organization_id)
        if app.applicant_organization_id
        else None,
        "partner_organization_ids": list(app.partner_organization_ids),
        "topics": list(app.topics),
        "title": app.title,
        "status": app.status,
        "requested_cents": app.requested_cents,
        "start_date": app.start_date,
        "end_date": app.end_date,
        "contact": {
            "name": app.contact_name,
            "email": app.contact_email,
            "phone": app.contact_phone,
        },
    }


async def _emit(session: AsyncSession, payload: Any, app: Application) -> None:
    await outbox.append(session, payload, entity_id=str(app.id), region=subject_region(app.region))


async def _acting_on(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID, if_match: str | None
) -> tuple[Application, Fund]:
    app = await get_visible(
        session=session, principal=principal, application_id=application_id, lock=True
    )
    check_if_match(if_match, app.version)
    fund = await funds.get_fund(session=session, fund_id=app.fund_id)
    return app, fund


async def submit(
    *, session: AsyncSession, principal: Principal, application_id: uuid.UUID, if_match: str | None
) -> Application:
    """``draft``/``returned`` → ``submitted`` once complete and inside the fund's limits."""
    app, fund = await _acting_on(session, principal, application_id, if_match)
    access.ensure_applicant_side(principal, app)
    rules.ensure_move(app, "submit")
    rules.ensure_submittable(app, fund)
    await ensure_school_caps(session, app, fund, app.requested_cents, status=422)
    old = await _move(session, app, "submitted", Actor.of(principal), submitted_at=utcnow())
    await record_change(session, principal, "submitted", app)
    await _emit(
        session,
        ApplicationSubmitted(**event_data(app, fund), resubmission=old == "returned"),
        app,
    )
    log.info("offers.application.submitted", application_id=str(app.id), region=app.region)
    return app


async def withdraw(
    *,
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    reason: str | None,
    if_match: str | None,
) -> Application:
    """``draft``/``submitted``/``returned`` → ``withdrawn`` by the applicant side."""
    app, fund = await _acting_on(session, principal, application_id, if_match)
    access.ensure_applicant_side(principal, app)
    rules.ensure_move(app, "withdraw")
    old = await _move(session, app, "withdrawn", Actor.of(principal), reason)
    await record_change(session, principal, "withdrawn", app)
    if old != "draft":  # a draft was never announced
        await _emit(session, ApplicationWithdrawn(**event_data(app, fund), reason=reason), app)
    return app


async def report(
    *,
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    body: ReportBody,
    if_match: str | None,
) -> Application:
    """``approved`` → ``reported`` with participants reached, actual cost and a summary."""
    app, fund = await _acting_on(session, principal, application_id, if_match)
    access.ensure_applicant_side(principal, app)
    rules.ensure_move(app, "report")
    reached = body.actual_participants.model_dump()
    await _move(
        session,
        app,
        "reported",
        Actor.of(principal),
        **{f"actual_{g}": reached.get(g) for g in GROUPS},
        actual_cost_cents=body.actual_cost_cents,
        report_summary=body.summary,
        reported_at=utcnow(),
    )
    await record_change(session, principal, "reported", app)
    await announce_reported(session, app, fund, body.actual_cost_cents)
    return app


async def announce_reported(
    session: AsyncSession, app: Application, fund: Fund, actual_cost_cents: int
) -> None:
    """Append ``offers.application.reported`` (the plain report or a submitted proof of use)."""
    await _emit(
        session,
        ApplicationReported(**event_data(app, fund), actual_cost_cents=actual_cost_cents),
        app,
    )


async def close(
    *,
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    reason: str | None,
    if_match: str | None,
) -> Application:
    """``reported`` → ``completed`` by the network office, once the proof of use is accepted."""
    app, fund = await _acting_on(session, principal, application_id, if_match)
    access.ensure_office(principal, app.region, "close an application")
    rules.ensure_move(app, "close")
    await proofs.ensure_accepted(session, app)
    await _move(session, app, "completed", Actor.of(principal), reason)
    await record_change(session, principal, "completed", app)
    await _emit(session, ApplicationCompleted(**event_data(app, fund)), app)
    return app


# --------------------------------------------------------------------------- deciding


async def ensure_school_caps(
    session: AsyncSession, app: Application, fund: Fund, amount: int, *, status: int = 409
) -> None:
    """The fund's cap per school and calendar year holds if ``amount`` is approved for ``app``.

    A cross-school application's amount is split evenly between its schools.
    """
    cap = fund.max_per_school_per_year_cents
    if cap is None or app.start_date is None:
        return
    year = app.start_date.year
    funded = await repository.funded_in_year(
        session, fund_id=fund.id, school_ids=app.school_ids, year=year, excluding=app.id
    )
    for index, school in enumerate(app.school_ids):
        used = sum(
            rules.share(cents, len(schools), schools.index(school))
            for cents, schools in funded
            if school in schools
        )
        wanted = rules.share(amount, len(app.school_ids), index)
        if used + wanted > cap:
            detail = (
                f"School {school} already has {used} cents approved from this fund in {year}; "
                f"{wanted} more would exceed the cap of {cap} cents per school and year."
            )
            problem = Conflict if status == 409 else Unprocessable
            raise problem(detail, rule="max-per-school-per-year")


@dataclass(frozen=True)
class Ruling:
    """A decision to apply: the outcome, money, conditions, reason and where it came from."""

    outcome: str
    approved_cents: int | None
    conditions: str | None
    reason: str | None
    source: str  # office | committee
    actor: Actor
    committee_decision_id: uuid.UUID | None = None
    meeting_id: uuid.UUID | None = None
    agenda_item_id: uuid.UUID | None = None
    committee_id: uuid.UUID | None = None


async def check_ruling(
    session: AsyncSession, app: Application, fund: Fund, ruling: Ruling
) -> int | None:
    """Every rule a decision must satisfy; the amount to approve. Changes nothing."""
    rules.ensure_move(app, "decide")
    if ruling.outcome != "approved":
        return None
    amount = ruling.approved_cents if ruling.approved_cents is not None else app.requested_cents
    if amount > app.requested_cents:
        raise Unprocessable(
            f"At most the requested {app.requested_cents} cents can be approved.",
            rule="approved-exceeds-requested",
            errors=[
                FieldError(
                    field="approved_cents",
                    location="body",
                    message=f"more than the requested {app.requested_cents}",
                    type="approved-exceeds-requested",
                )
            ],
        )
    if amount <= 0:
        raise Unprocessable("An approval needs an amount above zero.", rule="approved-amount")
    cap = fund.max_per_application_cents
    if cap is not None and amount > cap:
        raise Conflict(
            f"{amount} cents exceed the fund's cap of {cap} cents per application.",
            rule="max-per-application",
        )
    available = fund.budget_cents - fund.approved_cents
    if amount > available:
        raise Conflict(
            f"The fund has {available} cents left; {amount} cannot be approved.",
            rule="fund-budget-exceeded",
        )
    await ensure_school_caps(session, app, fund, amount)
    return amount


async def apply_ruling(
    session: AsyncSession,
    app: Application,
    fund: Fund,
    ruling: Ruling,
    amount: int | None,
    *,
    report_due_weeks: int,
) -> Decision:
    """Apply a checked decision: status, money, history, events, and the decision record."""
    values: dict[str, Any] = {"decided_at": utcnow(), "decision_reason": ruling.reason}
    if ruling.outcome == "approved":
        assert amount is not None
        values |= {"approved_cents": amount, "conditions": ruling.conditions}
        fund.approved_cents += amount
        fund.touch()
        session.add(fund)
    await _move(session, app, ruling.outcome, ruling.actor, ruling.reason, **values)
    # a committee's decision arrives as an event: the change is the system's
    await record_change(
        session, ruling.actor.id if ruling.source == "office" else audit.SYSTEM, ruling.outcome, app
    )
    common = {
        **event_data(app, fund),
        "reason": ruling.reason,
        "decided_by": ruling.source,
        "decision_id": str(ruling.committee_decision_id) if ruling.committee_decision_id else None,
        "meeting_id": str(ruling.meeting_id) if ruling.meeting_id else None,
    }
    if ruling.outcome == "approved":
        assert app.end_date is not None
        assert amount is not None
        await _emit(
            session,
            ApplicationApproved(
                **common,
                approved_cents=amount,
                conditions=ruling.conditions,
                report_due=app.end_date + timedelta(weeks=report_due_weeks),
                proof_of_use_due=app.end_date + timedelta(weeks=fund.proof_of_use_weeks),
            ),
            app,
        )
        await publish_fund_updated(session, fund)
    elif ruling.outcome == "rejected":
        await _emit(session, ApplicationRejected(**common), app)
    else:
        await _emit(session, ApplicationReturned(**common), app)
    decision = _decision_record(app, ruling, amount)
    session.add(decision)
    log.info(
        "offers.application.decided",
        application_id=str(app.id),
        outcome=ruling.outcome,
        source=ruling.source,
    )
    return decision


def _decision_record(
    app: Application,
    ruling: Ruling,
    amount: int | None,
    *,
    rule: str | None = None,
    detail: str | None = None,
) -> Decision:
    return Decision(
        application_id=app.id,
        source=ruling.source,
        committee_decision_id=ruling.committee_decision_id,
        meeting_id=ruling.meeting_id,
        agenda_item_id=ruling.agenda_item_id,
        committee_id=ruling.committee_id,
        outcome=ruling.outcome,
        approved_cents=amount if rule is None else ruling.approved_cents,
        conditions=ruling.conditions,
        reason=ruling.reason,
        applied=rule is None,
        refused_rule=rule,
        refused_detail=detail,
        actor=ruling.actor.id,
    )


def refused_record(app: Application, ruling: Ruling, rule: str, detail: str) -> Decision:
    """The record of a decision that could not be applied."""
    return _decision_record(app, ruling, None, rule=rule, detail=detail)


async def decide_manually(
    *,
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    body: DecisionBody,
    if_match: str | None,
    report_due_weeks: int,
) -> Application:
    """The network office decides without a committee (for its region's funds)."""
    app = await get_visible(
        session=session, principal=principal, application_id=application_id, lock=True
    )
    check_if_match(if_match, app.version)
    fund = await funds.get_fund(session=session, fund_id=app.fund_id, lock=True)
    access.ensure_office(principal, fund.region, "decide on applications to this fund")
    if body.outcome in ("rejected", "returned") and not body.reason:
        raise Unprocessable(
            "Say why the application is rejected or returned; the applicant is told.",
            rule="reason-required",
            errors=[
                FieldError(
                    field="reason", location="body", message="required", type="reason-required"
                )
            ],
        )
    ruling = Ruling(
        outcome=body.outcome,
        approved_cents=body.approved_cents,
        conditions=body.conditions if body.outcome == "approved" else None,
        reason=body.reason,
        source="office",
        actor=Actor.of(principal),
    )
    amount = await check_ruling(session, app, fund, ruling)
    await apply_ruling(session, app, fund, ruling, amount, report_due_weeks=report_due_weeks)
    return app


# --------------------------------------------------------------------------- committee decisions


async def apply_committee_decision(
    session: AsyncSession, data: DecisionRecorded, *, report_due_weeks: int
) -> None:
    """Apply one recorded committee decision, or record why it could not be applied.

    The same checks as a manual decision. A decision that cannot be applied (the fund has no
    money left, the application was withdrawn meanwhile, the committee is not the fund's
    deciding one…) is not lost: it is stored as a refused decision
    (``GET /applications/{id}/decisions``) and announced as
    ``offers.application.decision_refused`` with the rule that failed, so the office is told and
    the meeting's record can show it. Each committee decision is applied at most once: the inbox
    drops redeliveries, and the decision id is unique among the stored decisions.
    """
    application_id, decision_id = data.application_id, data.id
    if application_id is None:
        return  # a decision on an item that is not about an application: nothing to do here
    app = await repository.get_application(session, application_id, lock=True)
    if app is None:
        raise PermanentEventError(f"unknown application {application_id}")
    if await repository.committee_decision_seen(session, decision_id):
        return
    fund = await funds.get_fund(session=session, fund_id=app.fund_id, lock=True)
    committee_id = data.committee_id
    ruling = Ruling(
        outcome=data.outcome,
        approved_cents=data.approved_cents,
        conditions=data.conditions if data.outcome == "approved" else None,
        reason=data.reason,
        source="committee",
        actor=Actor(f"committee:{committee_id}" if committee_id else "committee"),
        committee_decision_id=decision_id,
        meeting_id=data.meeting_id,
        agenda_item_id=data.agenda_item_id,
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
    await record_change(session, audit.SYSTEM, "decision_refused", app)
    await outbox.append(
        session,
        ApplicationDecisionRefused(
            application_id=app.id,
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
