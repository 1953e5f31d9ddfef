"""Erasing and anonymising personal data in the service's tables.

One set of statements serves both erasures — a registry person (``registry.person.erased``) and
an e-mail address (``registry.erasure.requested``) — and the retention tasks:

- inbox entries, digest items, preferences and report reminders are deleted (no figure needs
  them);
- e-mails not sent yet are deleted (nothing more goes to an erased address); sent and failed ones
  keep their row with status, kind and dates for the operations figures, without address, name,
  subject, content or error;
- registrations in the read model keep id, meeting and version (so a stale event cannot bring
  them back) without name, address or user; their status ``erased`` keeps them from every
  audience;
- a registry person becomes a tombstone (the id alone).

The name of an erased person may also stand in e-mails to others (the contact person of an
application in the office's e-mail); it is replaced there by ``[gelöscht]``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, false, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from notifications.common import normalize_email
from notifications.models import (
    CommitteeMember,
    Delivery,
    DigestItem,
    Meeting,
    Notification,
    Preference,
    Recipient,
    Registration,
    Reminder,
)
from schulerfolg.db import affected_rows, utcnow

ERASED = "erased"  # the status of a pseudonymised registration
REPLACEMENT = "[gelöscht]"  # stands for an erased name in e-mails to others
MIN_NAME_LENGTH = 3  # shorter names are not searched for in others' e-mails
UNSENT = ("pending", "sending")


@dataclass
class Subject:
    """Whom an erasure is about: their addresses, registry person ids, user subs and names."""

    emails: set[str] = field(default_factory=set)
    person_ids: set[str] = field(default_factory=set)
    subs: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    def add(
        self,
        *,
        email: str | None = None,
        person_id: str | None = None,
        sub: str | None = None,
        name: str | None = None,
    ) -> None:
        """Add what is known (empty values are ignored)."""
        if normalized := normalize_email(email):
            self.emails.add(normalized)
        if person_id:
            self.person_ids.add(person_id)
        if sub:
            self.subs.add(sub)
        if name and len(name.strip()) >= MIN_NAME_LENGTH:
            self.names.add(name.strip())

    def matches(self, email: Any = None, person: Any = None, sub: Any = None) -> Any:
        """Rows whose address, person or user is one of theirs."""
        conditions = []
        if email is not None and self.emails:
            conditions.append(func.lower(email).in_(self.emails))
        if person is not None and self.person_ids:
            conditions.append(person.in_(self.person_ids))
        if sub is not None and self.subs:
            conditions.append(sub.in_(self.subs))
        return or_(false(), *conditions)


async def subject_of_email(session: AsyncSession, email: str) -> Subject:
    """Everything the tables link to an address: the persons, users and names that had it."""
    subject = Subject()
    subject.add(email=email)
    address = normalize_email(email)
    persons = await session.execute(
        select(col(Recipient.id), col(Recipient.user_sub), col(Recipient.name)).where(
            func.lower(col(Recipient.email)) == address
        )
    )
    for person_id, sub, name in persons.all():
        subject.add(person_id=person_id, sub=sub, name=name)
    registrations = await session.execute(
        select(col(Registration.user_sub), col(Registration.name)).where(
            func.lower(col(Registration.email)) == address
        )
    )
    for sub, name in registrations.all():
        subject.add(sub=sub, name=name)
    preferences = await session.scalars(
        select(col(Preference.sub)).where(func.lower(col(Preference.email)) == address)
    )
    for sub in preferences.all():
        subject.add(sub=sub)
    await _add_names_from_mail(session, subject)
    return subject


async def subject_of_person(
    session: AsyncSession, held: Recipient | None, person_id: str
) -> Subject:
    """Everything the tables link to a registry person (before their data is wiped)."""
    subject = Subject()
    subject.add(person_id=person_id)
    if held is not None:
        subject.add(email=held.email, sub=held.user_sub, name=held.name)
    registrations = await session.execute(
        select(col(Registration.email), col(Registration.user_sub), col(Registration.name)).where(
            col(Registration.person_id) == person_id
        )
    )
    for email, sub, name in registrations.all():
        subject.add(email=email, sub=sub, name=name)
    await _add_names_from_mail(session, subject)
    return subject


async def _add_names_from_mail(session: AsyncSession, subject: Subject) -> None:
    """The names e-mails to them were addressed with (an application's contact is known here
    only by the e-mails to them)."""
    for table in (Delivery, DigestItem):
        names = await session.scalars(
            select(col(table.to_name)).where(
                subject.matches(col(table.to_address), col(table.person_id))
            )
        )
        for name in names.all():
            subject.add(name=name)


async def erase(session: AsyncSession, subject: Subject) -> dict[str, int]:
    """Erase or pseudonymise everything held for ``subject``; the number of records per kind."""
    counts = {
        "recipients": await _tombstone_recipients(session, subject),
        "memberships": affected_rows(
            await session.execute(
                delete(CommitteeMember).where(
                    subject.matches(person=col(CommitteeMember.person_id))
                )
            )
        ),
        "registrations": await pseudonymise_registrations(
            session,
            subject.matches(
                col(Registration.email), col(Registration.person_id), col(Registration.user_sub)
            ),
        ),
        "notifications": affected_rows(
            await session.execute(
                delete(Notification).where(
                    subject.matches(
                        col(Notification.email),
                        col(Notification.person_id),
                        col(Notification.user_sub),
                    )
                )
            )
        ),
        "deliveries": await _erase_deliveries(session, subject),
        "digest_items": affected_rows(
            await session.execute(
                delete(DigestItem).where(
                    subject.matches(col(DigestItem.to_address), col(DigestItem.person_id))
                )
            )
        ),
        "reminders": affected_rows(
            await session.execute(
                delete(Reminder).where(subject.matches(col(Reminder.contact_email)))
            )
        ),
        "preferences": affected_rows(
            await session.execute(
                delete(Preference).where(
                    subject.matches(col(Preference.email), sub=col(Preference.sub))
                )
            )
        ),
    }
    counts["mentions"] = await _replace_names(session, subject.names)
    return counts


async def _tombstone_recipients(session: AsyncSession, subject: Subject) -> int:
    """Registry persons with their address (or id) keep only the id and the erasure time."""
    if not subject.person_ids:
        return 0
    held = set(
        (
            await session.scalars(
                select(col(Recipient.id)).where(col(Recipient.id).in_(subject.person_ids))
            )
        ).all()
    )
    for person_id in subject.person_ids - held:
        session.add(Recipient(id=person_id))  # a tombstone for a person never seen
    await session.flush()
    now = utcnow()
    result = await session.execute(
        update(Recipient)
        .where(col(Recipient.id).in_(subject.person_ids))
        .values(
            name=None,
            email=None,
            user_sub=None,
            function=None,
            organization_id=None,
            school_id=None,
            region=None,
            erased_at=func.coalesce(col(Recipient.erased_at), now),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return affected_rows(result)


async def pseudonymise_registrations(session: AsyncSession, condition: Any) -> int:
    """Registrations without name, address or user (status ``erased``); the row stays."""
    result = await session.execute(
        update(Registration)
        .where(condition, col(Registration.status) != ERASED)
        .values(name=None, email=None, user_sub=None, person_id=None, status=ERASED)
        .execution_options(synchronize_session=False)
    )
    return affected_rows(result)


async def _erase_deliveries(session: AsyncSession, subject: Subject) -> int:
    """E-mails to them: unsent ones deleted, the others anonymised."""
    theirs = subject.matches(col(Delivery.to_address), col(Delivery.person_id))
    unsent = await session.execute(delete(Delivery).where(theirs, col(Delivery.status).in_(UNSENT)))
    return affected_rows(unsent) + await anonymise_deliveries(session, theirs)


async def anonymise_deliveries(session: AsyncSession, condition: Any) -> int:
    """Keep status, kind, attempts and dates of matching e-mails; nothing that names anyone."""
    result = await session.execute(
        update(Delivery)
        .where(condition, col(Delivery.to_address) != "")
        .values(
            to_address="",
            to_name=None,
            person_id=None,
            recipient_key=literal(f"{ERASED}:").concat(cast(col(Delivery.id), String)),
            subject="",
            text_body="",
            html_body="",
            last_error=None,
            updated_at=utcnow(),
            version=col(Delivery.version) + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return affected_rows(result)


async def _replace_names(session: AsyncSession, names: Iterable[str]) -> int:
    """Replace the names in e-mails, digest items and inbox entries to others."""
    changed = 0
    forms = sorted(
        {form for name in names for form in (name, html.escape(name))}, key=len, reverse=True
    )
    texts = (
        (Delivery, ("subject", "text_body", "html_body")),
        (DigestItem, ("title", "body")),
        (Notification, ("title", "body")),
    )
    for form in forms:
        for table, columns in texts:
            result = await session.execute(
                update(table)
                .where(or_(*(getattr(table, c).contains(form, autoescape=True) for c in columns)))
                .values({c: func.replace(getattr(table, c), form, REPLACEMENT) for c in columns})
                .execution_options(synchronize_session=False)
            )
            changed += affected_rows(result)
    return changed


# --------------------------------------------------------------------------- retention


async def delete_inbox_entries_before(session: AsyncSession, cutoff: datetime) -> int:
    """Inbox entries created before ``cutoff``."""
    result = await session.execute(
        delete(Notification).where(col(Notification.created_at) < cutoff)
    )
    return affected_rows(result)


async def anonymise_deliveries_before(session: AsyncSession, cutoff: datetime) -> int:
    """Sent and failed e-mails created before ``cutoff``, anonymised."""
    return await anonymise_deliveries(
        session,
        (col(Delivery.created_at) < cutoff) & col(Delivery.status).not_in(UNSENT),
    )


async def pseudonymise_registrations_ended_before(session: AsyncSession, cutoff: datetime) -> int:
    """Registrations for meetings that ended before ``cutoff``."""
    ended = select(col(Meeting.id)).where(col(Meeting.ends_at) < cutoff)
    return await pseudonymise_registrations(session, col(Registration.meeting_id).in_(ended))


async def delete_finished_reminders_before(session: AsyncSession, cutoff: datetime) -> int:
    """Reminders fired or dropped before ``cutoff`` (they keep an application's contact)."""
    result = await session.execute(
        delete(Reminder).where(col(Reminder.status) != "pending", col(Reminder.updated_at) < cutoff)
    )
    return affected_rows(result)
