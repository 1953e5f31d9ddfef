"""Personal data in offers through its whole life (CONTRACT.md, "privacy").

Offers keeps personal data in an application: its contact person (name, e-mail, phone), the
names of the people who moved it (history ``actor_name``) and gave the advice
(``consulted_by``), and whatever people wrote into its texts. It keeps no read model of registry
persons (schools, organisations and committees carry no personal data), so it does not consume
``registry.person.erased``.

- Erasure by e-mail address (``registry.erasure.requested``): the contact of every application
  naming the address becomes „gelöscht“ (no e-mail, no phone); in those applications, and in
  those whose texts mention the address, the address and the contact's name and phone are
  replaced by „gelöscht“ in every text (title, summary, budget lines, advice, conditions,
  reasons, report, history, decisions); elsewhere the address, and the name as a history step's
  actor. The applications, their money, status and counts stay.
- Retention: an application's contact data and the names in its records are anonymised the same
  way ``retention_contact_years`` (default 5) after it ended — completed, rejected or withdrawn
  (from the step that ended it) — or after its last change while it lies as a draft or returned
  to the applicant. Statistics count the applications and their money as before.
- Own data (``GET /me/data``): the applications the caller created or is the contact of, with the
  caller's own contact fields only, and their money records — proof of use (with its receipts),
  payment requests and the office's assessment (without the office people's ids); the steps
  the caller took, and the attachments the caller uploaded (their description; the files are
  downloaded from the application).
- Attachments: their files are deleted when the application's retention ends (with its contact
  data, see ``offers.attachments.service``); the rows keep kind, title and size.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import String, and_, cast, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from offers.attachments import repository as attachments
from offers.models import (
    Application,
    Assessment,
    Decision,
    Fund,
    PaymentRequest,
    ProofOfUse,
    StatusChange,
    audit_log,
)
from offers.youth_projects import repository as youth_projects
from schulerfolg.auth import Principal
from schulerfolg.db import apply_changes
from schulerfolg.privacy import audit
from schulerfolg.privacy.erasure import needles_for, normalise_email
from schulerfolg.privacy.retention import RetentionTask
from schulerfolg.search import search_text

log = structlog.get_logger("offers.privacy")

PLACEHOLDER = "gelöscht"
"""What stands where a person's name was."""

APPLICATION_TEXTS = (
    "title",
    "summary",
    "goals",
    "consultation_notes",
    "consulted_by",
    "conditions",
    "decision_reason",
    "report_summary",
)
HISTORY_TEXTS = ("actor_name", "reason")
DECISION_TEXTS = ("conditions", "reason", "refused_detail")

ENDED = ("completed", "rejected", "withdrawn")  # retention runs from the step that ended it
WAITING = ("draft", "returned")  # retention runs from the last change
BATCH = 500  # applications anonymised per housekeeping round at most


# --------------------------------------------------------------------------- scrubbing


def scrub(text: str | None, values: Sequence[str]) -> str | None:
    """``text`` with every occurrence of a value (a whole word, any case) replaced by „gelöscht“."""
    if not text:
        return text
    for value in values:
        text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", PLACEHOLDER, text, flags=re.IGNORECASE)
    return text


def _values(values: Iterable[str | None]) -> list[str]:
    """The distinct values to erase, longest first (an e-mail before the name in it); none
    shorter than three characters (an initial alone would wipe that letter from every text)."""
    found = {v.strip() for v in values if v and len(v.strip()) >= 3 and v.strip() != PLACEHOLDER}
    return sorted(found, key=lambda v: (-len(v), v))


def _mentioning(columns: Sequence[Any], values: Sequence[str]) -> ColumnElement[bool]:
    """Rows whose text columns contain a value (lower-cased, JSON-escaped or as written: SQLite's
    ``lower`` folds ASCII letters only)."""
    needles = needles_for(values)
    return or_(
        *(
            func.lower(column).contains(needle, autoescape=True)
            for column in columns
            for needle in needles
        ),
        *(column.contains(value, autoescape=True) for column in columns for value in values),
    )


def _scrubbed(row: Any, names: Sequence[str], values: Sequence[str]) -> dict[str, Any]:
    return {name: scrub(getattr(row, name), values) for name in names}


def _application_changes(app: Application, values: Sequence[str]) -> dict[str, Any]:
    """The application's texts and budget lines with the values replaced."""
    changes = _scrubbed(app, APPLICATION_TEXTS, values)
    changes["budget_lines"] = [
        {**line, "description": scrub(line.get("description"), values)} for line in app.budget_lines
    ]
    changes["search_text"] = search_text(changes["title"] or "")
    return changes


CLEARED_CONTACT = {"contact_name": PLACEHOLDER, "contact_email": None, "contact_phone": None}


async def record_change(
    session: AsyncSession,
    actor: Principal | str,
    action: str,
    entity_id: uuid.UUID,
    plural: str = "applications",
) -> None:
    """The audit entry of a change (``application.submitted`` on ``applications/<id>``), in the
    change's transaction."""
    await audit.record(
        session,
        audit_log,
        actor=actor,
        action=action,
        resource=audit.resource_of(plural, entity_id),
    )


async def _record(session: AsyncSession, app_ids: Iterable[uuid.UUID], action: str) -> None:
    for app_id in sorted(app_ids):
        await record_change(session, audit.SYSTEM, action, app_id)


# --------------------------------------------------------------------------- erasure


async def erase(session: AsyncSession, email: str) -> dict[str, int]:
    """Pseudonymise what offers holds for ``email`` (normalised); counts per kind.

    The applications naming the address as contact, and those whose texts mention the address,
    lose the address, the contact's name and phone wherever they hold them, with their history
    and decisions; elsewhere the address itself, and the name where it stands as a history step's
    actor. A name alone is not searched for in other applications' texts: a contact named
    „Sekretariat“ would otherwise wipe that word everywhere.
    """
    email = normalise_email(email)
    contacts = list(
        await session.scalars(
            select(Application)
            .where(func.lower(col(Application.contact_email)) == email)
            .with_for_update()
        )
    )
    names = _values(a.contact_name for a in contacts)
    values = _values([email, *names, *(a.contact_phone for a in contacts)])
    contact_ids = {a.id for a in contacts}
    text_columns = [getattr(Application, n) for n in APPLICATION_TEXTS]
    mentioning = await session.scalars(
        select(Application)
        .where(
            _mentioning([*text_columns, cast(col(Application.budget_lines), String)], [email]),
            col(Application.id).not_in(contact_ids),
        )
        .with_for_update()
    )
    apps = [*contacts, *mentioning]
    app_ids = {a.id for a in apps}
    changed: set[uuid.UUID] = set()
    texts = 0
    for app in apps:
        changes = _application_changes(app, values)
        if app.id in contact_ids:
            changes |= CLEARED_CONTACT
        fields = apply_changes(app, changes)
        if fields:
            changed.add(app.id)
            session.add(app)
            texts += bool(set(fields) - set(CLEARED_CONTACT))
    actor = col(StatusChange.actor_name)
    history = await _scrub_rows(
        session,
        StatusChange,
        HISTORY_TEXTS,
        values,
        or_(
            col(StatusChange.application_id).in_(app_ids),
            _mentioning([actor, col(StatusChange.reason)], [email]),
            actor.in_(names),
            func.lower(actor).in_([n.lower() for n in names]),
        ),
    )
    decisions = await _scrub_rows(
        session,
        Decision,
        DECISION_TEXTS,
        values,
        or_(
            col(Decision.application_id).in_(app_ids),
            _mentioning([getattr(Decision, n) for n in DECISION_TEXTS], [email]),
        ),
    )
    money = await _scrub_money(session, app_ids, values)
    await _record(
        session, changed | set(history) | set(decisions), "application.personal_data_erased"
    )
    counts = {
        "contacts": len(contacts),
        "application_texts": texts,
        "history_entries": sum(history.values()),
        "decisions": sum(decisions.values()),
        "money_records": money,
    }
    log.info("offers.privacy.erased", **counts)
    return counts


# The money records' free texts, which may name the contact (issue 16's parts).
MONEY_TEXTS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (ProofOfUse, ("narrative", "return_reasons")),
    (Assessment, ("notes",)),
    (PaymentRequest, ("reason", "rejection_reason")),
)
RECEIPT_TEXTS = ("payee", "purpose")


async def _scrub_money(
    session: AsyncSession, app_ids: Collection[uuid.UUID], values: Sequence[str]
) -> int:
    """Replace ``values`` in the proof of use (with its receipts), the assessment and the payment
    requests of ``app_ids``; how many records changed."""
    if not app_ids or not values:
        return 0
    changed = 0
    for model, names in MONEY_TEXTS:
        rows = await session.scalars(
            select(model).where(col(model.application_id).in_(app_ids)).with_for_update()
        )
        for row in rows:
            changes = {
                n: v for n, v in _scrubbed(row, names, values).items() if v != getattr(row, n)
            }
            if isinstance(row, ProofOfUse):
                receipts = [
                    {**r, **{n: scrub(r.get(n), values) for n in RECEIPT_TEXTS if n in r}}
                    for r in row.receipts
                ]
                if receipts != row.receipts:
                    changes["receipts"] = receipts
            if changes:
                for name, value in changes.items():
                    setattr(row, name, value)
                session.add(row)
                changed += 1
    return changed


async def _scrub_rows(
    session: AsyncSession,
    model: Any,
    names: Sequence[str],
    values: Sequence[str],
    where: ColumnElement[bool],
) -> dict[uuid.UUID, int]:
    """Replace the values in the text columns of ``model``'s rows ``where`` selects; the number
    of changed rows per application id."""
    changed: dict[uuid.UUID, int] = {}
    for row in await session.scalars(select(model).where(where)):
        changes = {n: v for n, v in _scrubbed(row, names, values).items() if v != getattr(row, n)}
        if changes:
            for name, value in changes.items():
                setattr(row, name, value)
            session.add(row)
            changed[row.application_id] = changed.get(row.application_id, 0) + 1
    return changed


# --------------------------------------------------------------------------- retention


def years_before(moment: datetime, years: int) -> datetime:
    """The same moment ``years`` calendar years earlier (29 February → 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def _holds_personal_data() -> ColumnElement[bool]:
    named = select(col(StatusChange.id)).where(
        col(StatusChange.application_id) == col(Application.id),
        col(StatusChange.actor_name).is_not(None),
    )
    return or_(
        col(Application.contact_email).is_not(None),
        col(Application.contact_phone).is_not(None),
        and_(
            col(Application.contact_name).is_not(None),
            col(Application.contact_name) != PLACEHOLDER,
        ),
        and_(
            col(Application.consulted_by).is_not(None),
            col(Application.consulted_by) != PLACEHOLDER,
        ),
        exists(named),
    )


def due(limit: datetime) -> ColumnElement[bool]:
    """Applications whose retention ended before ``limit``: ended ones from the step that ended
    them, drafts and returned ones from their last change."""
    ended_at = (
        select(func.max(col(StatusChange.at)))
        .where(
            col(StatusChange.application_id) == col(Application.id),
            col(StatusChange.to_status) == col(Application.status),
        )
        .scalar_subquery()
    )
    return or_(
        and_(col(Application.status).in_(ENDED), ended_at < limit),
        and_(col(Application.status).in_(WAITING), col(Application.updated_at) < limit),
    )


async def anonymise_due(session: AsyncSession, now: datetime, *, years: int) -> int:
    """Anonymise the contact data and names of the applications whose retention has ended;
    how many applications changed (at most ``BATCH`` per round)."""
    apps = list(
        await session.scalars(
            select(Application)
            .where(due(years_before(now, years)), _holds_personal_data())
            .order_by(col(Application.updated_at), col(Application.id))
            .limit(BATCH)
            .with_for_update()
        )
    )
    for app in apps:
        values = _values([app.contact_email, app.contact_name, app.contact_phone])
        changes = _application_changes(app, values) | CLEARED_CONTACT
        if app.consulted_by is not None:
            changes["consulted_by"] = PLACEHOLDER
        apply_changes(app, changes)
        session.add(app)
        steps = await session.scalars(
            select(StatusChange).where(col(StatusChange.application_id) == app.id)
        )
        for step in steps:
            step.actor_name = None
            step.reason = scrub(step.reason, values)
            session.add(step)
        taken = await session.scalars(
            select(Decision).where(col(Decision.application_id) == app.id)
        )
        for decision in taken:
            for name, value in _scrubbed(decision, DECISION_TEXTS, values).items():
                setattr(decision, name, value)
            session.add(decision)
        await _scrub_money(session, [app.id], values)
    await _record(session, (a.id for a in apps), "application.personal_data_anonymised")
    return len(apps)


def retention_tasks(runtime: Any) -> list[RetentionTask]:
    """Offers' retention: applications' contact data (``retention_contact_years``)."""
    years: int = runtime.settings.retention_contact_years

    async def run(session: AsyncSession, now: datetime) -> int:
        return await anonymise_due(session, now, years=years)

    return [RetentionTask("contacts", run)]


# --------------------------------------------------------------------------- own data


async def own_data(session: AsyncSession, principal: Principal) -> dict[str, list[dict[str, Any]]]:
    """The applications the caller created or is the contact of (with the caller's own contact
    fields only), the steps the caller took on applications, and the youth micro-projects
    waiting for the caller as their sponsor."""
    email = normalise_email(principal.email) if principal.email else None
    mine = col(Application.created_by) == principal.sub
    if email:
        mine = or_(mine, func.lower(col(Application.contact_email)) == email)
    rows = await session.execute(
        select(Application, col(Fund.name))
        .join(Fund, col(Fund.id) == col(Application.fund_id))
        .where(mine)
        .order_by(col(Application.created_at), col(Application.id))
    )
    applications = []
    app_ids: list[uuid.UUID] = []
    for app, fund_name in rows.all():
        app_ids.append(app.id)
        is_contact = bool(email) and (app.contact_email or "").lower() == email
        applications.append(
            {
                "id": str(app.id),
                "title": app.title,
                "fund_id": str(app.fund_id),
                "fund_name": fund_name,
                "status": app.status,
                "created_by_me": app.created_by == principal.sub,
                "created_at": app.created_at,
                "updated_at": app.updated_at,
                "submitted_at": app.submitted_at,
                "decided_at": app.decided_at,
                "requested_cents": app.requested_cents,
                "approved_cents": app.approved_cents,
                "contact": {
                    "name": app.contact_name,
                    "email": app.contact_email,
                    "phone": app.contact_phone,
                }
                if is_contact
                else None,
            }
        )
    steps = await session.scalars(
        select(StatusChange)
        .where(col(StatusChange.actor) == principal.sub)
        .order_by(col(StatusChange.at), col(StatusChange.id))
    )
    history = [
        {
            "application_id": str(step.application_id),
            "from_status": step.from_status,
            "to_status": step.to_status,
            "at": step.at,
            "actor_name": step.actor_name,
            "reason": step.reason,
        }
        for step in steps
    ]
    uploads = [
        {
            "id": str(a.id),
            "application_id": str(a.application_id),
            "kind": a.kind,
            "title": a.title,
            "filename": a.filename,
            "size_bytes": a.size_bytes,
            "created_at": a.created_at,
            "erased_at": a.erased_at,
        }
        for a in await attachments.uploaded_by(session, principal.sub)
    ]
    return {
        "applications": applications,
        **await _own_money_records(session, principal, app_ids),
        "history": history,
        "attachments": uploads,
        # youth micro-projects waiting for the caller's confirmation as their adult sponsor
        "youth_projects": [
            {
                "id": str(p.id),
                "title": p.title,
                "fund_id": str(p.fund_id),
                "status": p.status,
                "created_at": p.created_at,
                "sponsor": {"name": p.sponsor_name, "email": p.sponsor_email},
            }
            for p in (await youth_projects.pending_of(session, email) if email else [])
        ],
    }


OWN_MONEY_FIELDS: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    (
        "proofs_of_use",
        ProofOfUse,
        (
            "status",
            "narrative",
            "actual_participants",
            "participant_breakdown",
            "receipts",
            "spent_cents",
            "submitted_at",
            "returned_at",
            "return_reasons",
            "accepted_at",
            "accepted_cents",
            "paid_cents",
            "final_payment_cents",
            "reclaim_cents",
        ),
    ),
    (
        "payment_requests",
        PaymentRequest,
        (
            "id",
            "status",
            "amount_cents",
            "reason",
            "created_at",
            "decided_at",
            "rejection_reason",
            "paid_on",
            "reference",
        ),
    ),
    (
        "assessments",
        Assessment,
        ("scores", "score", "recommendation", "recommended_cents", "notes", "assessed_at"),
    ),
)
"""What ``GET /me/data`` shows of the money records of the caller's applications (never the
office people's ids: who decided, paid or assessed)."""


async def _own_money_records(
    session: AsyncSession, principal: Principal, app_ids: Sequence[uuid.UUID]
) -> dict[str, list[dict[str, Any]]]:
    """The proofs of use, payment requests and assessments of the caller's applications."""
    records: dict[str, list[dict[str, Any]]] = {}
    for key, model, names in OWN_MONEY_FIELDS:
        rows: Iterable[Any] = (
            await session.scalars(
                select(model)
                .where(col(model.application_id).in_(app_ids))
                .order_by(
                    col(model.application_id), getattr(model, "created_at", model.application_id)
                )
            )
            if app_ids
            else []
        )
        records[key] = [
            {
                "application_id": str(row.application_id),
                **{
                    n: str(v) if isinstance(v, uuid.UUID) else v
                    for n in names
                    for v in [getattr(row, n)]
                },
                **(
                    {"requested_by_me": row.requested_by == principal.sub}
                    if isinstance(row, PaymentRequest)
                    else {}
                ),
            }
            for row in rows
        ]
    return records
