"""Payment requests (Mittelabrufe) on funded applications. Functions change state and append
events; they never commit.

The limits (CONTRACT.md, "Payments"):

- before the proof of use is accepted, what is requested, approved and paid together stays
  within ``approved_cents × advance_percent / 100`` (the fund's ``payment_rule``); after it is
  accepted, within the accepted amount;
- what is approved and paid never exceeds the approved amount (or the accepted amount once the
  proof of use is accepted).

Every change takes the application's row lock first (``SELECT … FOR UPDATE`` on PostgreSQL;
SQLite has one writer), so concurrent requests and approvals never break a sum.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from offers import models
from offers.applications import access
from offers.applications import service as applications
from offers.common import check_region_filter, subject_region
from offers.funds import service as funds
from offers.models import Application, Fund, PaymentRequest, outbox
from offers.payments import repository
from offers.payments.schemas import PaidBody, PaymentRequestCreate, PaymentSums
from offers.privacy import service as privacy
from schulerfolg.auth import Principal
from schulerfolg.db import apply_changes, utcnow
from schulerfolg.events.offers import (
    PaymentApproved,
    PaymentData,
    PaymentPaid,
    PaymentRejected,
    PaymentRequested,
)
from schulerfolg.http.pagination import PageParams
from schulerfolg.http.problems import Conflict, FieldError, Forbidden, NotFound

log = structlog.get_logger("offers.payments")

PAYABLE = ("approved", "reported", "completed")
"""Application statuses in which money is called in, approved and paid."""
OFFICE_ROLES = ("state_coordinator", "network_office")


class PaymentRequestNotFound(NotFound):
    """No payment request with that id on the application."""

    slug = "payment-request-not-found"

    def __init__(self, payment_id: uuid.UUID) -> None:
        super().__init__(f"The application has no payment request {payment_id}.")


@dataclass(frozen=True)
class Limits:
    """An application's money as the payment rule sees it."""

    approved: int
    accepted: int | None
    advance_percent: int
    by_status: dict[str, int]

    @property
    def cap(self) -> int:
        """What may ever be approved and paid: the accepted amount, else the approved one."""
        return self.accepted if self.accepted is not None else self.approved

    @property
    def limit(self) -> int:
        """What may be requested, approved and paid together now."""
        if self.accepted is not None:
            return self.accepted
        return self.approved * self.advance_percent // 100

    @property
    def committed(self) -> int:
        return sum(self.by_status.get(s, 0) for s in ("requested", "approved", "paid"))

    @property
    def granted(self) -> int:
        """Approved and paid."""
        return self.by_status.get("approved", 0) + self.by_status.get("paid", 0)

    @property
    def available(self) -> int:
        return max(0, self.limit - self.committed)

    def sums(self) -> PaymentSums:
        return PaymentSums(
            approved_cents=self.approved,
            accepted_cents=self.accepted,
            advance_percent=self.advance_percent,
            limit_cents=self.limit,
            requested_cents=self.by_status.get("requested", 0),
            approved_payments_cents=self.by_status.get("approved", 0),
            paid_cents=self.by_status.get("paid", 0),
            available_cents=self.available,
        )


async def accepted_cents(session: AsyncSession, app: Application) -> int | None:
    """The amount accepted with the proof of use, or None before (read defensively: the proof
    of use keeps it on the application or in its own record)."""
    value = getattr(app, "accepted_cents", None)
    if value is not None:
        return int(value)
    proof_model: Any = getattr(models, "ProofOfUse", None)
    if proof_model is None:
        return None
    statement = select(proof_model.accepted_cents).where(
        proof_model.application_id == app.id, proof_model.status == "accepted"
    )
    value = await session.scalar(statement)
    return int(value) if value is not None else None


async def limits(session: AsyncSession, app: Application, fund: Fund) -> Limits:
    """The application's limits and sums (call under its row lock when changing money)."""
    rule = fund.payment_rule or {}
    return Limits(
        approved=app.approved_cents or 0,
        accepted=await accepted_cents(session, app),
        advance_percent=int(rule.get("advance_percent", 0)),
        by_status=await repository.sums_by_status(session, app.id),
    )


def _euro(cents: int) -> str:
    return f"{cents / 100:.2f} EUR"


def _event_data(request: PaymentRequest, after: Limits, app: Application) -> dict[str, Any]:
    contact = (
        {"name": app.contact_name or "", "email": app.contact_email, "phone": app.contact_phone}
        if app.contact_email
        else None
    )
    return {
        "version": request.version,
        "id": request.id,
        "application_id": request.application_id,
        "fund_id": request.fund_id,
        "region": request.region,
        "title": app.title,
        "school_ids": list(app.school_ids),
        "status": request.status,
        "amount_cents": request.amount_cents,
        "approved_cents": after.cap,
        "committed_cents": after.committed,
        "paid_cents": after.by_status.get("paid", 0),
        "contact": contact,
    }


async def _changed(
    session: AsyncSession,
    principal: Principal,
    request: PaymentRequest,
    app: Application,
    fund: Fund,
    event: type[PaymentData],
    changes: dict[str, Any] | None = None,
    **extra: Any,
) -> None:
    """Apply ``changes``, flush, audit (``payment.<status>`` on the application) and event."""
    if changes:
        apply_changes(request, changes)
    session.add(request)
    await session.flush()
    after = await limits(session, app, fund)
    await privacy.record_change(session, principal, f"payment.{request.status}", app.id)
    await outbox.append(
        session,
        event(**_event_data(request, after, app), **extra),
        entity_id=str(request.id),
        region=subject_region(request.region),
    )
    log.info(
        f"offers.payment.{request.status}",
        application_id=str(app.id),
        payment_id=str(request.id),
        amount_cents=request.amount_cents,
    )


def _ensure_payable(app: Application) -> None:
    if app.status not in PAYABLE:
        raise Conflict(
            f"Money can be called in only for an approved application; this one is '{app.status}'.",
            rule="application-not-funded",
        )


# --------------------------------------------------------------------------- reading


async def list_for_application(
    *, session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> tuple[Application, list[PaymentRequest], Limits]:
    """The application's payment requests and sums, for whoever may read the application."""
    app = await applications.get_visible(
        session=session, principal=principal, application_id=application_id
    )
    fund = await funds.get_fund(session=session, fund_id=app.fund_id)
    return app, await repository.of_application(session, app.id), await limits(session, app, fund)


# --------------------------------------------------------------------------- changing


async def _locked(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> tuple[Application, Fund]:
    app = await applications.get_visible(
        session=session, principal=principal, application_id=application_id, lock=True
    )
    return app, await funds.get_fund(session=session, fund_id=app.fund_id)


async def request_payment(
    *,
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    data: PaymentRequestCreate,
) -> PaymentRequest:
    """The applicant side calls in money within what the payment rule leaves (409 otherwise)."""
    app, fund = await _locked(session, principal, application_id)
    access.ensure_applicant_side(principal, app)
    _ensure_payable(app)
    now = await limits(session, app, fund)
    if data.amount_cents > now.available:
        raise Conflict(
            f"At most {_euro(now.available)} may still be requested for this application "
            f"(limit {_euro(now.limit)}, already requested, approved or paid "
            f"{_euro(now.committed)}).",
            rule="payment-limit-exceeded",
            errors=[
                FieldError(
                    field="amount_cents",
                    location="body",
                    message=f"at most {now.available} cents may still be requested",
                    type="payment-limit-exceeded",
                )
            ],
        )
    request = PaymentRequest(
        application_id=app.id,
        fund_id=fund.id,
        region=app.region,
        amount_cents=data.amount_cents,
        reason=data.reason,
        requested_by=principal.sub,
    )
    await _changed(session, principal, request, app, fund, PaymentRequested)
    return request


async def _acting_on(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    payment_id: uuid.UUID,
    *,
    what: str,
    expected: str,
) -> tuple[Application, Fund, PaymentRequest]:
    app, fund = await _locked(session, principal, application_id)
    access.ensure_office(principal, app.region, what)
    request = await repository.get(session, app.id, payment_id)
    if request is None:
        raise PaymentRequestNotFound(payment_id)
    if request.status != expected:
        raise Conflict(
            f"The payment request is '{request.status}'; only a '{expected}' one can be "
            f"{what.split()[0]}d.",
            rule="payment-status",
        )
    return app, fund, request


def _decided(principal: Principal, status: str) -> dict[str, Any]:
    return {"status": status, "decided_by": principal.sub, "decided_at": utcnow()}


async def approve(
    *,
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    payment_id: uuid.UUID,
) -> PaymentRequest:
    """``requested`` → ``approved`` by the office, while approved and paid stay within the
    approved (or accepted) amount."""
    app, fund, request = await _acting_on(
        session,
        principal,
        application_id,
        payment_id,
        what="approve payments",
        expected="requested",
    )
    _ensure_payable(app)
    now = await limits(session, app, fund)
    if now.granted + request.amount_cents > now.cap:
        raise Conflict(
            f"Approving {_euro(request.amount_cents)} would bring what is approved and paid "
            f"above {_euro(now.cap)} (already {_euro(now.granted)}).",
            rule="payment-limit-exceeded",
        )
    await _changed(
        session, principal, request, app, fund, PaymentApproved, _decided(principal, "approved")
    )
    return request


async def reject(
    *,
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    payment_id: uuid.UUID,
    reason: str,
) -> PaymentRequest:
    """``requested`` → ``rejected`` by the office, with a reason."""
    app, fund, request = await _acting_on(
        session, principal, application_id, payment_id, what="reject payments", expected="requested"
    )
    changes = _decided(principal, "rejected") | {"rejection_reason": reason}
    await _changed(session, principal, request, app, fund, PaymentRejected, changes)
    return request


async def mark_paid(
    *,
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    payment_id: uuid.UUID,
    body: PaidBody,
) -> PaymentRequest:
    """``approved`` → ``paid`` with the day and the booking reference."""
    app, fund, request = await _acting_on(
        session,
        principal,
        application_id,
        payment_id,
        what="mark payments paid",
        expected="approved",
    )
    changes = {
        "status": "paid",
        "paid_on": body.paid_on,
        "reference": body.reference,
        "paid_by": principal.sub,
        "paid_at": utcnow(),
    }
    await _changed(
        session,
        principal,
        request,
        app,
        fund,
        PaymentPaid,
        changes,
        paid_on=body.paid_on,
        reference=body.reference,
    )
    return request


# --------------------------------------------------------------------------- payout list


def payout_regions(principal: Principal, region: str | None) -> list[str] | None:
    """The regions the payout list covers (None: all, for the state coordination); 403 for
    other roles and for a region that is not the office's own."""
    if not principal.has_role(*OFFICE_ROLES):
        raise Forbidden("The payout list is for the state coordination and the network offices.")
    if region is not None:
        check_region_filter(region)
        if not principal.may_manage_region(region):
            raise Forbidden(
                f"Only the network office of the region '{region}' may list its payments."
            )
    if principal.has_role("state_coordinator"):
        return None
    return sorted(principal.regions)


async def payouts(
    *,
    session: AsyncSession,
    principal: Principal,
    page: PageParams | None,
    status: str | None,
    fund_id: uuid.UUID | None,
    region: str | None,
) -> tuple[list[PaymentRequest], dict[uuid.UUID, str], dict[uuid.UUID, str], str | None]:
    """Payment requests of the caller's regions with application titles and fund names."""
    regions = payout_regions(principal, region)
    rows, cursor = await repository.payouts(
        session, page=page, regions=regions, status=status, fund_id=fund_id, region=region
    )
    titles, fund_names = await repository.names(session, rows)
    return rows, titles, fund_names, cursor


def german_euro(cents: int) -> str:
    """Cents as a spreadsheet reads them in German: ``123456`` → ``1234,56``."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole},{rest:02d}"


def german_date(day: date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


PAYOUT_HEADER = (
    "Zahlungs-ID",
    "Antrag",
    "Antrags-ID",
    "Fonds",
    "Region",
    "Status",
    "Betrag (EUR)",
    "Beantragt am",
    "Bewilligt am",
    "Ausgezahlt am",
    "Buchungszeichen",
)
STATUS_NAMES = {
    "requested": "beantragt",
    "approved": "bewilligt",
    "rejected": "abgelehnt",
    "paid": "ausgezahlt",
}


def payout_rows(
    rows: Sequence[PaymentRequest], titles: dict[uuid.UUID, str], fund_names: dict[uuid.UUID, str]
) -> list[list[Any]]:
    """The payout list's CSV rows (German conventions: decimal comma, dd.mm.yyyy)."""
    return [
        [
            str(r.id),
            titles.get(r.application_id, ""),
            str(r.application_id),
            fund_names.get(r.fund_id, ""),
            r.region,
            STATUS_NAMES.get(r.status, r.status),
            german_euro(r.amount_cents),
            german_date(r.created_at.date()),
            german_date(r.decided_at.date()) if r.decided_at else "",
            german_date(r.paid_on),
            r.reference or "",
        ]
        for r in rows
    ]
