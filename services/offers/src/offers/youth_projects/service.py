"""Youth micro-projects: a public form without an account, guarded against bots by a honeypot,
a form ticket's timing and rate limits per client address and sponsor address; the adult
sponsor's confirmation turns a project into a ``submitted`` application of the youth fund, which
meetings then puts on the youth jury's agenda as any other. Functions never commit."""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import date, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from offers.applications import repository as applications
from offers.applications.service import _emit, ensure_school_caps, event_data, record_change
from offers.common import subject_region
from offers.config import OffersSettings
from offers.directory import repository as directory
from offers.funds import service as funds
from offers.models import Application, YouthFormTicket, YouthProject, outbox
from offers.youth_projects import repository
from offers.youth_projects.schemas import (
    FormOptions,
    FormTicket,
    SchoolOption,
    YouthFundOption,
    YouthProjectCreate,
)
from schulerfolg.db import insert_entity, utcnow
from schulerfolg.events.offers import ApplicationSubmitted, Contact, YouthProjectReceived
from schulerfolg.http.problems import FieldError, NotFound, Problem, Unprocessable
from schulerfolg.privacy.retention import RetentionTask
from schulerfolg.search import search_text

log = structlog.get_logger("offers.youth_projects")

FUND_KIND = "youth_fund"


class TooManyRequests(Problem):
    status, title, slug = 429, "Too many requests", "rate-limited"


class YouthProjectNotFound(NotFound):
    slug = "youth-project-not-found"

    def __init__(self) -> None:
        super().__init__(
            "No youth project waits for this token: it was confirmed, declined or has expired."
        )


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _refused(field: str, rule: str, detail: str) -> Unprocessable:
    return Unprocessable(
        detail,
        rule=rule,
        errors=[FieldError(field=field, location="body", message=detail, type=rule)],
    )


# --------------------------------------------------------------------------- the form


async def issue_ticket(session: AsyncSession, settings: OffersSettings) -> FormTicket:
    """A new form ticket (only its hash is kept)."""
    token = secrets.token_urlsafe(24)
    row = YouthFormTicket(token_sha256=sha256(token))
    session.add(row)
    await session.flush()
    return FormTicket(
        ticket=token,
        not_before=row.issued_at + timedelta(seconds=settings.youth_form_min_seconds),
        expires_at=row.issued_at + timedelta(hours=settings.youth_form_max_hours),
    )


async def _check_ticket(
    session: AsyncSession, settings: OffersSettings, token: str, now: datetime
) -> YouthFormTicket:
    ticket = await repository.ticket(session, sha256(token))
    if ticket is None or ticket.used_at is not None:
        raise _refused("ticket", "form-ticket-invalid", "The form ticket is unknown or used.")
    age = (now - ticket.issued_at).total_seconds()
    if age < settings.youth_form_min_seconds:
        raise _refused("ticket", "form-sent-too-fast", "The form was sent too fast.")
    if age > settings.youth_form_max_hours * 3600:
        raise _refused("ticket", "form-ticket-expired", "The form ticket has expired.")
    return ticket


async def _check_rate(
    session: AsyncSession, column: str, value: str, limit: int, window: timedelta, now: datetime
) -> None:
    sent = await repository.sent_since(session, column, value, now - window)
    if len(sent) >= limit:
        wait = (sent[0] + window - now).total_seconds()
        field = "sponsor_email" if column == "sponsor_sha256" else "client"
        raise TooManyRequests(
            "Too many youth projects were sent; try again later.",
            rule="youth-project-rate-limit",
            errors=[
                FieldError(
                    field=field,
                    location="body" if field == "sponsor_email" else "header",
                    message="too many youth projects in a short time",
                    type="youth-project-rate-limit",
                )
            ],
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )


async def _placement(session: AsyncSession, data: YouthProjectCreate) -> tuple[Any, str]:
    """The youth fund and the project's region; 422 naming the field otherwise."""
    try:
        fund = await funds.get_fund(session=session, fund_id=data.fund_id)
    except NotFound:
        raise _refused("fund_id", "unknown-fund", "There is no such fund.") from None
    if fund.kind != FUND_KIND:
        raise _refused("fund_id", "not-a-youth-fund", "The fund takes no youth projects.")
    school = (await directory.live_schools(session, [data.school_id])).get(data.school_id)
    if school is None:
        raise _refused("school_id", "unknown-school", "The registry has no such school.")
    if fund.region is not None and school.region != fund.region:
        raise _refused(
            "school_id", "school-outside-fund-region", f"The school is not in {fund.region}."
        )
    if data.end_date < data.start_date:
        raise _refused("end_date", "end-before-start", "must not be before start_date")
    for name in ("start_date", "end_date"):
        day = getattr(data, name)
        if not fund.period_start <= day <= fund.period_end:
            raise _refused(
                name,
                "outside-fund-period",
                f"must lie in the fund's period {fund.period_start}–{fund.period_end}",
            )
    cap = fund.max_per_application_cents
    if cap is not None and data.amount_cents > cap:
        raise _refused(
            "amount_cents", "max-per-application", f"The fund gives at most {cap} cents."
        )
    return fund, fund.region or school.region


def confirm_by(project: YouthProject, settings: OffersSettings) -> date:
    return (project.created_at + timedelta(days=settings.youth_confirm_days)).date()


async def receive(
    *,
    session: AsyncSession,
    settings: OffersSettings,
    data: YouthProjectCreate,
    client: str,
) -> YouthProject:
    """Take a project from the form: the guards first (nothing is written when one refuses),
    then the project and the event asking the sponsor to confirm."""
    if data.website.strip():
        raise _refused("website", "honeypot", "This field must stay empty.")
    now = utcnow()
    ticket = await _check_ticket(session, settings, data.ticket, now)
    client_key = sha256(client)
    sponsor_email = str(data.sponsor_email).strip().lower()
    sponsor_key = sha256(sponsor_email)
    await _check_rate(
        session,
        "client_sha256",
        client_key,
        settings.youth_per_client_per_hour,
        timedelta(hours=1),
        now,
    )
    await _check_rate(
        session,
        "sponsor_sha256",
        sponsor_key,
        settings.youth_per_sponsor_per_day,
        timedelta(days=1),
        now,
    )
    fund, region = await _placement(session, data)
    if not await repository.use_ticket(session, ticket.id, now):
        raise _refused("ticket", "form-ticket-invalid", "The form ticket is unknown or used.")
    token = secrets.token_urlsafe(32)
    project = YouthProject(
        created_at=now,
        fund_id=fund.id,
        school_id=data.school_id,
        region=region,
        title=data.title,
        idea=data.idea,
        group_size=data.group_size,
        requested_cents=data.amount_cents,
        start_date=data.start_date,
        end_date=data.end_date,
        group_name=data.group_name or None,
        sponsor_name=data.sponsor_name,
        sponsor_email=sponsor_email,
        sponsor_sha256=sponsor_key,
        client_sha256=client_key,
        token_sha256=sha256(token),
    )
    session.add(project)
    await session.flush()
    await outbox.append(
        session,
        YouthProjectReceived(
            id=project.id,
            fund_id=fund.id,
            fund_name=fund.name,
            region=region,
            school_id=data.school_id,
            title=project.title,
            requested_cents=project.requested_cents,
            sponsor=Contact(name=data.sponsor_name, email=sponsor_email),
            token=token,
            confirm_by=confirm_by(project, settings),
        ),
        entity_id=str(project.id),
        region=subject_region(region),
    )
    log.info("offers.youth_project.received", youth_project_id=str(project.id), region=region)
    return project


async def form_options(session: AsyncSession) -> FormOptions:
    """The youth funds still open and the schools of their regions."""
    fund_rows = await repository.open_youth_funds(session, utcnow().date())
    regions = (
        None
        if any(f.region is None for f in fund_rows)
        else {f.region for f in fund_rows if f.region}
    )
    schools = await repository.schools_of(session, regions) if fund_rows else []
    return FormOptions(
        funds=[
            YouthFundOption(
                id=f.id,
                name=f.name,
                region=f.region,
                period_start=f.period_start,
                period_end=f.period_end,
                max_per_application_cents=f.max_per_application_cents,
            )
            for f in fund_rows
        ],
        schools=[SchoolOption(id=s.id, name=s.name, region=s.region) for s in schools],
    )


# --------------------------------------------------------------------------- the sponsor


async def _pending(session: AsyncSession, token: str, *, lock: bool = False) -> YouthProject:
    """The project waiting for the sponsor with this token; 404 otherwise."""
    project = await repository.pending_by_token(session, sha256(token), lock=lock)
    if project is None:
        raise YouthProjectNotFound()
    return project


async def for_sponsor(session: AsyncSession, token: str) -> tuple[YouthProject, str, str]:
    """The pending project, its fund's and its school's names."""
    project = await _pending(session, token)
    fund = await funds.get_fund(session=session, fund_id=project.fund_id)
    return project, fund.name, await repository.school_name(session, project.school_id)


async def confirm(*, session: AsyncSession, token: str) -> YouthProject:
    """The sponsor confirms: the project becomes a submitted application of the youth fund
    with the sponsor as contact (the usual ``offers.application.submitted``)."""
    project = await _pending(session, token, lock=True)
    fund = await funds.get_fund(session=session, fund_id=project.fund_id)
    now = utcnow()
    app = Application(
        fund_id=fund.id,
        region=project.region,
        status="submitted",
        school_ids=[str(project.school_id)],
        title=project.title,
        summary=project.idea,
        for_pupils=True,
        planned_pupils=project.group_size,
        start_date=project.start_date,
        end_date=project.end_date,
        budget_lines=[
            {
                "category": "other",
                "description": "Mikroprojekt",
                "amount_cents": project.requested_cents,
            }
        ],
        requested_cents=project.requested_cents,
        contact_name=project.sponsor_name,
        contact_email=project.sponsor_email,
        submitted_at=now,
        created_by=f"youth-project:{project.id}",
        search_text=search_text(project.title),
    )
    await ensure_school_caps(session, app, fund, app.requested_cents, status=422)
    await insert_entity(session, app)
    await applications.replace_links(session, app)
    await applications.add_history(
        session,
        app,
        from_status=None,
        actor=f"youth-project:{project.id}",
        actor_name=project.sponsor_name,
        reason="Jugendprojekt, von der erwachsenen Begleitperson bestätigt",
    )
    await record_change(session, f"youth-project:{project.id}", "submitted", app)
    await _emit(session, ApplicationSubmitted(**event_data(app, fund)), app)
    project.status = "confirmed"
    project.confirmed_at = now
    project.application_id = app.id
    project.token_sha256 = None
    project.sponsor_name = None
    project.sponsor_email = None
    session.add(project)
    await session.flush()
    log.info(
        "offers.youth_project.confirmed",
        youth_project_id=str(project.id),
        application_id=str(app.id),
    )
    return project


async def decline(*, session: AsyncSession, token: str) -> None:
    """The sponsor declines: the project is deleted, nothing reaches the jury."""
    project = await _pending(session, token, lock=True)
    await session.delete(project)
    await session.flush()
    log.info("offers.youth_project.declined", youth_project_id=str(project.id))


# --------------------------------------------------------------------------- privacy, housekeeping

Erase = Any


def erasing(erase: Erase) -> Erase:
    """Offers' erase, then the youth projects naming the address: the unconfirmed ones are
    deleted (they never reach anyone), the address's hash forgotten; the count
    ``youth_projects``. A confirmed project's contact is the application's, which ``erase``
    already pseudonymises."""

    async def run(session: AsyncSession, email: str) -> dict[str, int]:
        counts: dict[str, int] = await erase(session, email)
        address = email.strip().lower()
        deleted = await repository.delete_pending_of(session, address)
        forgotten = await repository.forget_sponsor_hash(session, sha256(address))
        return counts | {"youth_projects": deleted + forgotten}

    return run


def retention_tasks(runtime: Any) -> list[RetentionTask]:
    """Unconfirmed projects (and confirmed ones' leftovers) go after the confirmation period;
    used or stale form tickets after twice their validity."""
    settings: OffersSettings = runtime.settings

    async def run(session: AsyncSession, now: datetime) -> int:
        limit = now - timedelta(days=settings.youth_confirm_days)
        tickets = now - timedelta(hours=2 * settings.youth_form_max_hours)
        return await repository.delete_older(session, limit) + (
            await repository.delete_tickets_before(session, tickets)
        )

    return [RetentionTask("youth_projects", run)]
