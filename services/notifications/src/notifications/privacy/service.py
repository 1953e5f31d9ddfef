"""Personal data in notifications through its whole life (CONTRACT.md, "privacy"): erasure by
e-mail address, retention, and what ``GET /me/data`` answers."""

from __future__ import annotations

import calendar
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from notifications.common import normalize_email
from notifications.config import NotificationsSettings
from notifications.inbox.repository import owned_by
from notifications.models import (
    Delivery,
    DigestItem,
    Notification,
    Preference,
    Recipient,
    Registration,
)
from notifications.privacy import repository
from schulerfolg.app import Runtime
from schulerfolg.auth import Principal
from schulerfolg.privacy.retention import RetentionTask


async def erase_address(session: AsyncSession, email: str) -> dict[str, int]:
    """Erase or pseudonymise what is held for an address (an erasure request)."""
    return await repository.erase(session, await repository.subject_of_email(session, email))


# --------------------------------------------------------------------------- retention


def months_before(now: datetime, months: int) -> datetime:
    """The same moment ``months`` calendar months earlier (the day clamped to the month's end)."""
    index = now.year * 12 + now.month - 1 - months
    year, month = divmod(index, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def _after_months(
    kind: str, months: int, run: Callable[[AsyncSession, datetime], Awaitable[int]]
) -> RetentionTask:
    """A retention task handling what is older than ``months`` at the (moved) ``now``."""

    async def due(session: AsyncSession, now: datetime) -> int:
        return await run(session, months_before(now, months))

    return RetentionTask(kind, due)


def retention_tasks(runtime: Runtime) -> list[RetentionTask]:
    """Inbox entries deleted, e-mails anonymised (their status, kind and dates stay for the
    figures), registrations pseudonymised, fired reminders deleted when their time is up."""
    settings = cast(NotificationsSettings, runtime.settings)
    return [
        _after_months(
            "notifications", settings.retention_inbox_months, repository.delete_inbox_entries_before
        ),
        _after_months(
            "deliveries", settings.retention_delivery_months, repository.anonymise_deliveries_before
        ),
        _after_months(
            "registrations",
            settings.retention_registration_months,
            repository.pseudonymise_registrations_ended_before,
        ),
        _after_months(
            "reminders",
            settings.retention_inbox_months,
            repository.delete_finished_reminders_before,
        ),
    ]


# --------------------------------------------------------------------------- own data


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def own_data(session: AsyncSession, principal: Principal) -> dict[str, list[dict[str, Any]]]:
    """What the service holds about the caller: their directory entry, registrations, inbox
    entries, e-mails to their address (without the texts, which may name others), digest items
    and preferences."""
    email = normalize_email(principal.email)
    persons = list(
        (
            await session.scalars(
                select(Recipient).where(
                    col(Recipient.erased_at).is_(None),
                    or_(
                        col(Recipient.user_sub) == principal.sub,
                        func.lower(col(Recipient.email)) == email,
                    ),
                )
            )
        ).all()
    )
    addresses = {a for a in [email, *(normalize_email(p.email) for p in persons)] if a}
    person_ids = [p.id for p in persons]

    def theirs(address: Any, person: Any) -> Any:
        return or_(func.lower(address).in_(addresses), person.in_(person_ids))

    registrations = await session.scalars(
        select(Registration).where(
            or_(
                col(Registration.user_sub) == principal.sub,
                func.lower(col(Registration.email)).in_(addresses),
                col(Registration.person_id).in_(person_ids),
            )
        )
    )
    notifications = await session.execute(select(Notification).where(owned_by(principal)))
    deliveries = await session.scalars(
        select(Delivery)
        .where(theirs(col(Delivery.to_address), col(Delivery.person_id)))
        .order_by(col(Delivery.created_at))
    )
    digest_items = await session.scalars(
        select(DigestItem).where(theirs(col(DigestItem.to_address), col(DigestItem.person_id)))
    )
    preference = await session.get(Preference, principal.sub)
    return {
        "directory": [
            {
                "id": p.id,
                "name": p.name,
                "email": p.email,
                "function": p.function,
                "organization_id": p.organization_id,
                "school_id": p.school_id,
                "region": p.region,
            }
            for p in persons
        ],
        "registrations": [
            {
                "id": r.id,
                "meeting_id": r.meeting_id,
                "status": r.status,
                "name": r.name,
                "email": r.email,
            }
            for r in registrations.all()
        ],
        "notifications": [
            {
                "id": str(n.id),
                "kind": n.kind,
                "title": n.title,
                "body": n.body,
                "link": n.link,
                "read_at": _iso(n.read_at),
                "created_at": _iso(n.created_at),
            }
            for (n,) in notifications.all()
        ],
        "deliveries": [
            {
                "id": str(d.id),
                "kind": d.kind,
                "to": d.to_address,
                "subject": d.subject,
                "status": d.status,
                "created_at": _iso(d.created_at),
                "sent_at": _iso(d.sent_at),
            }
            for d in deliveries.all()
        ],
        "digest_items": [
            {"kind": i.kind, "title": i.title, "link": i.link, "due_at": _iso(i.due_at)}
            for i in digest_items.all()
        ],
        "preferences": []
        if preference is None
        else [
            {
                "email": preference.email,
                "email_enabled": preference.email_enabled,
                "inbox_enabled": preference.inbox_enabled,
                "kinds": preference.kinds,
                "digest": preference.digest,
                "updated_at": _iso(preference.updated_at),
            }
        ],
    }
