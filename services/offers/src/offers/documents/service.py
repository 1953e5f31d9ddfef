"""Grant notices and rejection letters (CONTRACT.md, "offers — the money after approval").

On ``offers.application.approved`` offers issues the grant notice (Zuwendungsbescheid), on
``offers.application.rejected`` the rejection letter, each a German PDF rendered with WeasyPrint
(``documents.consumer``; the inbox makes it once per decision, and one document per kind and
application). Issuing stores what the document states (``facts``); the PDF is rendered when it
is first asked for (listed or downloaded: ``pdf``) and then kept in the table (``content``), so
no decision waits for WeasyPrint. A document not rendered yet has ``size`` 0.

The document states what held at the decision: recipient (applicant organisation, schools,
contact), project and period, approved amount and budget lines, conditions, the payment schedule
(the fund's ``payment_rule.advance_percent``, else „Auszahlung auf Anforderung“), the
proof-of-use deadline (end date + the fund's ``proof_of_use_weeks``, default 8) and the legal
information. ``facts`` keeps that input.

Personal data: the contact's name, and the texts an erasure scrubs (title, budget line
descriptions, conditions, reason), are read again from the application whenever it changed after
the document last read them (its ``application_version``): after an erasure
(``erasing`` wraps offers' erase) and after a retention task that anonymised applications
(``following`` wraps offers' retention tasks), each in the same transaction. If they differ, the
facts take the new values and the stored PDF is dropped, to be rendered again from them when
next asked for — the name becomes „gelöscht“; amounts, dates and the date of issue stay.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from offers.applications import service as applications
from offers.common import subject_region
from offers.documents import render, repository
from offers.models import Application, Fund, GeneratedDocument, outbox
from offers.privacy import service as privacy
from schulerfolg.auth import Principal
from schulerfolg.db import Database, utcnow
from schulerfolg.events.offers import ApplicationApproved, ApplicationRejected, GrantNoticeIssued
from schulerfolg.http.problems import NotFound
from schulerfolg.privacy import audit
from schulerfolg.privacy.retention import RetentionTask

log = structlog.get_logger("offers.documents")

TITLES = {"grant_notice": "Zuwendungsbescheid", "rejection_letter": "Ablehnungsbescheid"}
DEFAULT_PROOF_OF_USE_WEEKS = 8
PERSONAL = ("contact_name", "title", "budget_lines", "conditions", "reason")
"""The facts read again from the application when it changes (an erasure scrubs them)."""

Erase = Callable[[AsyncSession, str], Awaitable[dict[str, int]]]


class DocumentNotFound(NotFound):
    """No such document of an application the caller may see."""

    slug = "document-not-found"

    def __init__(self, document_id: uuid.UUID) -> None:
        super().__init__(f"The application has no document {document_id}.")


def filename(doc: GeneratedDocument) -> str:
    """„Zuwendungsbescheid Erlebnispädagogik für die Klassen 5.pdf“ (title cut, no slashes)."""
    title = re.sub(r"[\\/:*?\"<>|\s]+", " ", str(doc.facts.get("title") or "")).strip()[:80]
    return f"{doc.title} {title}".strip() + ".pdf"


def proof_of_use_due(app: Application, fund: Fund) -> date:
    """End date + the fund's ``proof_of_use_weeks`` (8 when the fund does not say)."""
    weeks = getattr(fund, "proof_of_use_weeks", None)
    assert app.end_date is not None
    return app.end_date + timedelta(weeks=DEFAULT_PROOF_OF_USE_WEEKS if weeks is None else weeks)


def advance_percent(fund: Fund) -> int | None:
    """The fund's advance in percent (``payment_rule.advance_percent``), if it has one."""
    rule = getattr(fund, "payment_rule", None)
    percent = rule.get("advance_percent") if isinstance(rule, dict) else None
    return percent if isinstance(percent, int) and 0 < percent <= 100 else None


def personal_of(app: Application) -> dict[str, Any]:
    """The facts an erasure may change, as the application holds them now."""
    return {
        "contact_name": app.contact_name,
        "title": app.title,
        "budget_lines": [dict(line) for line in app.budget_lines],
        "conditions": app.conditions,
        "reason": app.decision_reason,
    }


async def facts_of(
    session: AsyncSession, app: Application, fund: Fund, kind: str, decided_by: str
) -> dict[str, Any]:
    """What the document states (JSON-ready)."""
    approved = app.approved_cents or 0
    percent = advance_percent(fund) if kind == "grant_notice" else None
    applicant = await repository.organization_name(session, app.applicant_organization_id)
    return {
        **personal_of(app),
        "kind": kind,
        "reference": f"SES-{app.id.hex[:8].upper()}",
        "issued_on": utcnow().date().isoformat(),
        "submitted_on": (app.submitted_at or app.created_at).date().isoformat(),
        "decided_by": decided_by,
        "fund_name": fund.name,
        "organizations": [applicant] if applicant else [],
        "schools": await repository.school_names(session, list(app.school_ids)),
        "start_date": app.start_date.isoformat() if app.start_date else None,
        "end_date": app.end_date.isoformat() if app.end_date else None,
        "requested_cents": app.requested_cents,
        "approved_cents": approved,
        "advance_percent": percent,
        "advance_cents": approved * percent // 100 if percent else None,
        "proof_of_use_due": proof_of_use_due(app, fund).isoformat()
        if kind == "grant_notice"
        else None,
    }


async def _render(kind: str, facts: dict[str, Any]) -> bytes:
    return await asyncio.to_thread(render.pdf, kind, facts)


# --------------------------------------------------------------------------- issuing


async def issue(session: AsyncSession, data: ApplicationApproved | ApplicationRejected) -> None:
    """Issue the decision's document (once per application and kind)."""
    kind = "grant_notice" if isinstance(data, ApplicationApproved) else "rejection_letter"
    app = await session.get(Application, data.id, with_for_update=True)
    if app is None or await repository.of_kind(session, app.id, kind) is not None:
        return
    fund = await session.get(Fund, app.fund_id)
    assert fund is not None
    facts = await facts_of(session, app, fund, kind, data.decided_by)
    doc = GeneratedDocument(
        application_id=app.id,
        kind=kind,
        title=TITLES[kind],
        size=0,  # rendered when first asked for (``pdf``)
        content=b"",
        facts=facts,
        application_version=app.version,
    )
    session.add(doc)
    await session.flush()
    await privacy.record_change(session, audit.SYSTEM, f"application.{kind}_issued", app.id)
    if kind == "grant_notice":
        await outbox.append(
            session,
            GrantNoticeIssued(
                application_id=app.id,
                document_id=doc.id,
                fund_id=app.fund_id,
                region=app.region,
                approved_cents=facts["approved_cents"],
                advance_cents=facts["advance_cents"],
                proof_of_use_due=date.fromisoformat(facts["proof_of_use_due"]),
            ),
            entity_id=str(app.id),
            region=subject_region(app.region),
        )
    log.info("offers.document.issued", application_id=str(app.id), kind=kind)


RENDER_ATTEMPTS = 3


async def pdf(db: Database, doc: GeneratedDocument) -> bytes:
    """The document's PDF: the stored one, or rendered from its facts now and stored (in a unit
    of work of its own; ``doc`` comes from the request's reading one and is not changed). A
    concurrent erasure that changed the facts meanwhile wins: the PDF is rendered from the new
    ones (and a concurrent first read's PDF is the one both answer)."""
    for _attempt in range(RENDER_ATTEMPTS):
        if doc.size:
            return doc.content
        content = await _render(doc.kind, doc.facts)
        async with db.transaction() as session:
            if await repository.store_rendering(session, doc, content, utcnow()):
                return content
            current = await repository.by_id(session, doc.id)
        if current is None:
            raise DocumentNotFound(doc.id)
        doc = current
    raise RuntimeError(f"document {doc.id} kept changing while it was rendered")


# --------------------------------------------------------------------------- reading


async def listing(
    *, session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> tuple[Application, list[GeneratedDocument]]:
    """The documents of an application the caller may see (404 otherwise)."""
    app = await applications.get_visible(
        session=session, principal=principal, application_id=application_id
    )
    return app, await repository.of_application(session, app.id)


async def document(
    *,
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    document_id: uuid.UUID,
) -> tuple[Application, GeneratedDocument]:
    """One document of an application the caller may see (404 otherwise)."""
    app = await applications.get_visible(
        session=session, principal=principal, application_id=application_id
    )
    doc = await repository.one(session, app.id, document_id)
    if doc is None:
        raise DocumentNotFound(document_id)
    return app, doc


# --------------------------------------------------------------------------- personal data


async def refresh(session: AsyncSession, now: datetime | None = None) -> int:
    """Take the new personal data of the documents whose application changed since (an
    erasure, retention) into their facts, dropping the PDF rendered from the old ones (it is
    rendered again when next asked for); how many changed."""
    rendered = 0
    for doc, app in await repository.stale(session):
        facts = {**doc.facts, **personal_of(app)}
        if facts != doc.facts:
            doc.content, doc.size, doc.facts = b"", 0, facts
            doc.rendered_at = now or utcnow()
            rendered += 1
            await privacy.record_change(
                session, audit.SYSTEM, f"application.{doc.kind}_rendered_again", app.id
            )
        doc.application_version = app.version
        session.add(doc)
    if rendered:
        log.info("offers.documents.rendered_again", count=rendered)
    return rendered


def erasing(erase: Erase) -> Erase:
    """Offers' erase, then the documents that named the erased person rendered again (in the
    erasure's transaction); the count ``documents``."""

    async def run(session: AsyncSession, email: str) -> dict[str, int]:
        counts = await erase(session, email)
        await session.flush()
        return counts | {"documents": await refresh(session)}

    return run


def following(tasks: list[RetentionTask]) -> list[RetentionTask]:
    """Offers' retention tasks, each followed (in its transaction) by rendering again the
    documents whose application it anonymised; the counts stay the tasks' own."""

    def followed(task: RetentionTask) -> RetentionTask:
        async def run(session: AsyncSession, now: datetime) -> int:
            changed = await task.run(session, now)
            if changed:
                await session.flush()
                await refresh(session)
            return changed

        return RetentionTask(task.kind, run)

    return [followed(task) for task in tasks]
