"""The proof of use (Verwendungsnachweis) of an approved application: the applicant side saves
and submits it (the application becomes ``reported``), the office returns it for correction
(``approved`` again) or accepts an amount; on acceptance the final payment is the accepted amount
minus what was paid, or — when more was paid — a reclaim (Rückforderung).

Every change runs under the application's row lock, is audited and announced through the
outbox. Functions change state and append events; they never commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from offers.applications import access
from offers.applications import repository as applications
from offers.applications import service as application_service
from offers.applications.service import event_data
from offers.common import TARGET_GROUPS, subject_region
from offers.funds import service as funds
from offers.models import Application, Fund, ProofOfUse, outbox
from offers.privacy.service import record_change
from offers.proof_of_use import repository
from offers.proof_of_use.schemas import (
    LineComparison,
    ProofOfUseBody,
    ProofOfUsePublic,
    Totals,
)
from schulerfolg.auth import Principal
from schulerfolg.db import apply_changes, utcnow
from schulerfolg.events.offers import (
    ProofOfUseAccepted,
    ProofOfUseData,
    ProofOfUseReturned,
    ProofOfUseSubmitted,
    ReclaimDue,
)
from schulerfolg.http.etag import check_if_match
from schulerfolg.http.problems import Conflict, FieldError, Unprocessable
from schulerfolg.participants import ParticipantFigures

log = structlog.get_logger("offers.proof_of_use")

FUNDED = ("approved", "reported", "completed")


@dataclass(frozen=True)
class Loaded:
    app: Application
    fund: Fund
    proof: ProofOfUse


# --------------------------------------------------------------------------- figures


def due_on(app: Application, fund: Fund) -> date:
    """The deadline: the project's end date + the fund's ``proof_of_use_weeks``."""
    end = app.end_date or fund.period_end
    return end + timedelta(weeks=fund.proof_of_use_weeks)


def _assessment(difference: int) -> Any:
    return "over" if difference < 0 else "under" if difference > 0 else "exact"


def approved_by_category(app: Application) -> dict[str, tuple[int, list[str]]]:
    """Category → (approved cents, the lines' descriptions), in the order of the cost plan. An
    amount approved below the requested one lowers each category in proportion (the rounding
    rest goes to the last)."""
    planned: dict[str, tuple[int, list[str]]] = {}
    for line in app.budget_lines:
        cents, names = planned.get(line["category"], (0, []))
        planned[line["category"]] = (
            cents + int(line["amount_cents"]),
            [*names, line["description"]],
        )
    requested = sum(c for c, _ in planned.values())
    approved = app.approved_cents if app.approved_cents is not None else requested
    if not planned or requested == approved or requested == 0:
        return planned
    scaled = {
        cat: (cents * approved // requested, names) for cat, (cents, names) in planned.items()
    }
    rest = approved - sum(c for c, _ in scaled.values())
    last = list(scaled)[-1]
    scaled[last] = (scaled[last][0] + rest, scaled[last][1])
    return scaled


def compare(app: Application, proof: ProofOfUse) -> tuple[list[LineComparison], Totals]:
    """Per approved category: approved, spent (the receipts), difference; and the totals."""
    approved = approved_by_category(app)
    spent: dict[str, int] = {}
    for receipt in proof.receipts:
        spent[receipt["budget_category"]] = (
            spent.get(receipt["budget_category"], 0) + receipt["amount_cents"]
        )
    lines = []
    for category in [*approved, *(c for c in spent if c not in approved)]:
        cents, names = approved.get(category, (0, []))
        used = spent.get(category, 0)
        lines.append(
            LineComparison(
                budget_category=category,  # type: ignore[arg-type]  # a budget line's category
                descriptions=names,
                approved_cents=cents,
                spent_cents=used,
                difference_cents=cents - used,
                assessment=_assessment(cents - used),
            )
        )
    total = sum(c for c, _ in approved.values())
    difference = total - proof.spent_cents
    totals = Totals(
        approved_cents=total,
        spent_cents=proof.spent_cents,
        difference_cents=difference,
        assessment=_assessment(difference),
    )
    return lines, totals


# --------------------------------------------------------------------------- reading


def _blank(app: Application) -> ProofOfUse:
    return ProofOfUse(application_id=app.id, version=0)


async def _load(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID, *, lock: bool
) -> Loaded:
    app = await application_service.get_visible(
        session=session, principal=principal, application_id=application_id, lock=lock
    )
    if app.status not in FUNDED:
        raise Conflict(
            f"An application has a proof of use only once it is approved; this one is {app.status}.",
            rule="proof-of-use-only-when-funded",
            title="Not allowed in this status",
        )
    fund = await funds.get_fund(session=session, fund_id=app.fund_id)
    proof = await repository.get(session, app.id) or _blank(app)
    return Loaded(app, fund, proof)


async def public(session: AsyncSession, loaded: Loaded, principal: Principal) -> ProofOfUsePublic:
    """The proof of use as the API shows it."""
    app, fund, proof = loaded.app, loaded.fund, loaded.proof
    deadline = due_on(app, fund)
    lines, totals = compare(app, proof)
    editable = app.status == "approved" and access.is_applicant_side(principal, app)
    return ProofOfUsePublic.of(
        proof,
        editable=editable,
        due_on=deadline,
        overdue=app.status == "approved" and utcnow().date() > deadline,
        lines=lines,
        totals=totals,
        paid_cents=await repository.paid_cents(session, app.id),
        collects_participant_figures=fund.collects_participant_figures,
    )


async def get(
    *, session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> tuple[Application, ProofOfUsePublic]:
    """The application and its proof of use (a blank draft while nothing was saved)."""
    loaded = await _load(session, principal, application_id, lock=False)
    return loaded.app, await public(session, loaded, principal)


# --------------------------------------------------------------------------- checks


def _error(field: str, rule: str, message: str) -> FieldError:
    return FieldError(field=field, location="body", message=message, type=rule)


def _ensure_editable(loaded: Loaded, principal: Principal, if_match: str | None) -> None:
    access.ensure_applicant_side(principal, loaded.app)
    check_if_match(if_match, loaded.proof.version)
    if loaded.app.status != "approved":
        raise Conflict(
            "A proof of use can be changed or submitted only while the application is approved "
            f"(or the proof was returned for correction); this one is {loaded.app.status}.",
            rule="proof-of-use-only-when-approved",
            title="Not allowed in this status",
        )


def _ensure_submitted(
    loaded: Loaded, principal: Principal, if_match: str | None, what: str
) -> None:
    access.ensure_office(principal, loaded.app.region, what)
    check_if_match(if_match, loaded.proof.version)
    if loaded.app.status != "reported" or loaded.proof.status != "submitted":
        raise Conflict(
            "Only a submitted proof of use can be returned or accepted; this one is "
            f"{loaded.proof.status} (the application is {loaded.app.status}).",
            rule="proof-of-use-not-submitted",
            title="Not allowed in this status",
        )


def _groups(app: Application) -> list[str]:
    return [g for g in TARGET_GROUPS if getattr(app, f"for_{g}")]


async def _content_errors(
    session: AsyncSession, app: Application, fund: Fund, body: ProofOfUseBody
) -> list[FieldError]:
    errors = []
    if body.participants is not None and not fund.collects_participant_figures:
        errors.append(
            _error(
                "participants",
                "participant-figures-not-collected",
                "this fund does not collect ESF+ participant figures",
            )
        )
    start, end = app.start_date, app.end_date
    categories = {line["category"] for line in app.budget_lines}
    for i, receipt in enumerate(body.receipts):
        if start and end and not start <= receipt.date <= end:
            errors.append(
                _error(
                    f"receipts.{i}.date",
                    "receipt-outside-project-period",
                    f"must lie in the project period {start.isoformat()}–{end.isoformat()}",
                )
            )
        if receipt.budget_category not in categories:
            errors.append(
                _error(
                    f"receipts.{i}.budget_category",
                    "unknown-budget-category",
                    "must be the category of one of the approved budget lines: "
                    + ", ".join(sorted(categories)),
                )
            )
    wanted = {r.attachment_id for r in body.receipts if r.attachment_id}
    found = await repository.receipt_attachments(session, app.id, wanted)
    if found is not None:
        for i, receipt in enumerate(body.receipts):
            if receipt.attachment_id and receipt.attachment_id not in found:
                errors.append(
                    _error(
                        f"receipts.{i}.attachment_id",
                        "unknown-receipt-attachment",
                        "is not an attachment of kind receipt of this application",
                    )
                )
    reached = body.actual_participants.model_dump()
    groups = _groups(app)
    for group, count in reached.items():
        if count is not None and group not in groups:
            errors.append(
                _error(
                    f"actual_participants.{group}",
                    "not-a-target-group",
                    "is not a target group of this application",
                )
            )
    total = sum(c or 0 for c in reached.values())
    if body.participant_breakdown is not None:
        for name, figures in body.participant_breakdown.model_dump().items():
            if sum(figures.values()) > total:
                errors.append(
                    _error(
                        f"participant_breakdown.{name}",
                        "breakdown-exceeds-participants",
                        f"adds up to more than the {total} participants reached",
                    )
                )
    return errors


def _raise(errors: list[FieldError], what: str) -> None:
    if errors:
        raise Unprocessable(
            f"{what}: " + "; ".join(f"{e.field}: {e.message}" for e in errors) + ".",
            rule=errors[0].type,
            errors=errors,
        )


# --------------------------------------------------------------------------- changing


async def _emit(
    session: AsyncSession, loaded: Loaded, event: type[ProofOfUseData], **extra: Any
) -> None:
    app, fund, proof = loaded.app, loaded.fund, loaded.proof
    payload = event(
        **event_data(app, fund),
        due_on=due_on(app, fund),
        approved_cents=app.approved_cents or 0,
        spent_cents=proof.spent_cents,
        participants=ParticipantFigures.model_validate(proof.participants)
        if proof.participants is not None
        else None,
        **extra,
    )
    await outbox.append(session, payload, entity_id=str(app.id), region=subject_region(app.region))


async def _set_status(
    session: AsyncSession,
    app: Application,
    to_status: str,
    principal: Principal,
    reason: str | None = None,
    **values: Any,
) -> None:
    old = app.status
    apply_changes(app, {"status": to_status, **values})
    session.add(app)
    await applications.add_history(
        session,
        app,
        from_status=old,
        actor=principal.sub,
        actor_name=principal.name,
        reason=reason,
    )


def _store(session: AsyncSession, proof: ProofOfUse, values: dict[str, Any]) -> None:
    if proof.version == 0:  # first save
        for name, value in values.items():
            setattr(proof, name, value)
        proof.version = 1
    else:
        apply_changes(proof, values)
    session.add(proof)


async def save(
    *,
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    body: ProofOfUseBody,
    if_match: str | None,
) -> Loaded:
    """Save the proof of use (the applicant side, while the application is approved)."""
    loaded = await _load(session, principal, application_id, lock=True)
    _ensure_editable(loaded, principal, if_match)
    _raise(
        await _content_errors(session, loaded.app, loaded.fund, body),
        "The proof of use has errors",
    )
    values = {
        "narrative": body.narrative or None,
        "actual_participants": body.actual_participants.model_dump(),
        "participant_breakdown": body.participant_breakdown.model_dump()
        if body.participant_breakdown
        else None,
        "participants": body.participants.model_dump() if body.participants else None,
        "receipts": [r.model_dump(mode="json") for r in body.receipts],
        "spent_cents": sum(r.amount_cents for r in body.receipts),
    }
    _store(session, loaded.proof, values)
    await record_change(session, principal, "proof_of_use.saved", loaded.app.id)
    return loaded


def _completeness(app: Application, fund: Fund, proof: ProofOfUse) -> list[FieldError]:
    errors = []
    if not proof.narrative:
        errors.append(_error("narrative", "incomplete", "the narrative report must be filled in"))
    if fund.collects_participant_figures and proof.participants is None:
        errors.append(
            _error(
                "participants",
                "incomplete",
                "the fund collects ESF+ participant figures: give them by sex and age group",
            )
        )
    for group in _groups(app):
        if proof.actual_participants.get(group) is None:
            errors.append(
                _error(
                    f"actual_participants.{group}",
                    "incomplete",
                    f"say how many {group} took part",
                )
            )
    return errors


async def _mark_reported(
    session: AsyncSession, loaded: Loaded, principal: Principal, *, cost_cents: int
) -> None:
    app, proof = loaded.app, loaded.proof
    now = utcnow()
    _store(session, proof, {"status": "submitted", "submitted_at": now})
    if app.status == "approved":
        await _set_status(
            session,
            app,
            "reported",
            principal,
            **{f"actual_{g}": proof.actual_participants.get(g) for g in TARGET_GROUPS},
            actual_cost_cents=cost_cents,
            report_summary=proof.narrative,
            reported_at=now,
        )
    await record_change(session, principal, "proof_of_use.submitted", app.id)
    await _emit(session, loaded, ProofOfUseSubmitted)


async def submit(
    *, session: AsyncSession, principal: Principal, application_id: uuid.UUID, if_match: str | None
) -> Loaded:
    """Submit the saved proof of use: the application becomes ``reported``."""
    loaded = await _load(session, principal, application_id, lock=True)
    _ensure_editable(loaded, principal, if_match)
    _raise(
        _completeness(loaded.app, loaded.fund, loaded.proof),
        "The proof of use cannot be submitted yet",
    )
    cost = loaded.proof.spent_cents
    await _mark_reported(session, loaded, principal, cost_cents=cost)
    await application_service.announce_reported(session, loaded.app, loaded.fund, cost)
    log.info("offers.proof_of_use.submitted", application_id=str(loaded.app.id))
    return loaded


async def record_report(
    session: AsyncSession,
    principal: Principal,
    app: Application,
    *,
    narrative: str,
    participants: dict[str, int | None],
    cost_cents: int,
) -> None:
    """The plain report (``POST …/report``, already applied to the application) fills the same
    record: the narrative and participants, submitted, with the reported cost as spent. A fund
    that collects ESF+ participant figures takes them only through the proof of use (422)."""
    fund = await funds.get_fund(session=session, fund_id=app.fund_id)
    if fund.collects_participant_figures:
        _raise(
            [
                _error(
                    "participants",
                    "incomplete",
                    "the fund collects ESF+ participant figures: report through the proof of use "
                    "(PUT …/proof-of-use with participants, then submit it)",
                )
            ],
            "The report lacks the participant figures",
        )
    proof = await repository.get(session, app.id) or _blank(app)
    _store(
        session,
        proof,
        {
            "narrative": narrative,
            "actual_participants": participants,
            "spent_cents": cost_cents if not proof.receipts else proof.spent_cents,
        },
    )
    await _mark_reported(session, Loaded(app, fund, proof), principal, cost_cents=cost_cents)


async def return_for_correction(
    *,
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    reasons: str,
    if_match: str | None,
) -> Loaded:
    """The office returns the submitted proof of use: the application is ``approved`` again."""
    loaded = await _load(session, principal, application_id, lock=True)
    _ensure_submitted(loaded, principal, if_match, "return a proof of use")
    _store(
        session,
        loaded.proof,
        {"status": "returned", "returned_at": utcnow(), "return_reasons": reasons},
    )
    await _set_status(session, loaded.app, "approved", principal, reasons)
    await record_change(session, principal, "proof_of_use.returned", loaded.app.id)
    await _emit(session, loaded, ProofOfUseReturned, reasons=reasons)
    return loaded


async def accept(
    *,
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    accepted_cents: int,
    if_match: str | None,
) -> Loaded:
    """The office accepts an amount (at most the approved one): the final payment is accepted −
    paid; when more was paid, the difference is reclaimed (``offers.application.reclaim_due``)."""
    loaded = await _load(session, principal, application_id, lock=True)
    _ensure_submitted(loaded, principal, if_match, "accept a proof of use")
    approved = loaded.app.approved_cents or 0
    if accepted_cents > approved:
        _raise(
            [
                _error(
                    "accepted_cents",
                    "accepted-exceeds-approved",
                    f"must not exceed the approved {approved} cents",
                )
            ],
            "The accepted amount is too high",
        )
    paid = await repository.paid_cents(session, loaded.app.id)
    final, reclaim = max(accepted_cents - paid, 0), max(paid - accepted_cents, 0)
    _store(
        session,
        loaded.proof,
        {
            "status": "accepted",
            "accepted_at": utcnow(),
            "accepted_by": principal.sub,
            "accepted_cents": accepted_cents,
            "paid_cents": paid,
            "final_payment_cents": final,
            "reclaim_cents": reclaim,
        },
    )
    loaded.app.touch()
    session.add(loaded.app)
    sums = {"accepted_cents": accepted_cents, "paid_cents": paid}
    await record_change(session, principal, "proof_of_use.accepted", loaded.app.id)
    await _emit(
        session,
        loaded,
        ProofOfUseAccepted,
        **sums,
        final_payment_cents=final,
        reclaim_cents=reclaim,
    )
    if reclaim:
        await record_change(session, principal, "application.reclaim_due", loaded.app.id)
        await _emit(session, loaded, ReclaimDue, **sums, reclaim_cents=reclaim)
    log.info(
        "offers.proof_of_use.accepted",
        application_id=str(loaded.app.id),
        reclaim=bool(reclaim),
    )
    return loaded
