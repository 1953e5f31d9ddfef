"""Turning one fact into notifications: who gets it, on which channel, and when.

``Notifier.notify`` runs inside the transaction of the consumer (or the reminder scheduler), so
the inbox guard of the consumer makes it exactly-once: the inbox entries, the e-mail deliveries
and the digest items of an event are created together with the record that the event was
processed, or not at all. The sender sends deliveries after the commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email.utils import make_msgid
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.common import Signals, normalize_email
from notifications.config import NotificationsSettings
from notifications.dispatch import repository
from notifications.messages.service import Renderer
from notifications.models import Delivery, DigestItem, Notification, Preference, Recipient
from notifications.preferences import repository as preferences
from schulerfolg.db import after_commit, utcnow
from schulerfolg.events.meetings import RegistrationData
from schulerfolg.local_time import BERLIN

log = structlog.get_logger("notifications.dispatch")

_HOOKED = "notifications.hooked"


@dataclass(frozen=True)
class Addressee:
    """Someone a notification goes to: a registry person, or just a name and an address."""

    name: str | None
    email: str | None
    person_id: str | None = None
    user_sub: str | None = None

    @property
    def key(self) -> str:
        """Identifies the addressee among one notification's recipients."""
        if self.person_id:
            return f"person:{self.person_id}"
        return f"email:{normalize_email(self.email)}"

    @classmethod
    def of(cls, recipient: Recipient) -> Addressee:
        """A registry person as an addressee."""
        return cls(recipient.name, recipient.email, recipient.id, recipient.user_sub)

    @classmethod
    def of_registration(cls, registration: RegistrationData) -> Addressee:
        """A registrant, as a registration event names them."""
        person = registration.person_id
        return cls(
            registration.name,
            registration.email,
            str(person) if person is not None else None,
            registration.user_sub,
        )


def unique_addressees(addressees: Iterable[Addressee]) -> list[Addressee]:
    """Each person and each address once (the first mention wins, so list persons first)."""
    seen: set[str] = set()
    result = []
    for addressee in addressees:
        email = normalize_email(addressee.email)
        keys = {addressee.key} | ({f"email:{email}"} if email else set())
        if keys & seen or (not email and not addressee.person_id):
            continue
        seen |= keys
        result.append(addressee)
    return result


@dataclass(frozen=True)
class Choice:
    """Where one notification kind goes for one user."""

    inbox: bool = True
    email: bool = True
    digest: str = "off"


def choice_for(preference: Preference | None, kind: str) -> Choice:
    """What a user's preferences say about ``kind`` (everything on without preferences)."""
    if preference is None:
        return Choice()
    per_kind = (preference.kinds or {}).get(kind) or {}
    return Choice(
        inbox=preference.inbox_enabled and per_kind.get("inbox", True),
        email=preference.email_enabled and per_kind.get("email", True),
        digest=preference.digest,
    )


def next_digest_at(now: datetime, period: str, *, hour: int, weekday: int) -> datetime:
    """The next digest time after ``now``: daily or weekly at ``hour`` Berlin time."""
    local = now.astimezone(BERLIN)
    day = local.date()
    while True:
        candidate = datetime.combine(day, time(hour), tzinfo=BERLIN)
        if candidate > local and (period == "daily" or candidate.weekday() == weekday):
            return candidate.astimezone(now.tzinfo)
        day += timedelta(days=1)


class Notifier:
    """Creates notifications for addressees according to their preferences."""

    def __init__(self, settings: NotificationsSettings, signals: Signals | None = None) -> None:
        self.settings = settings
        self.signals = signals or Signals()
        self.renderer = Renderer(settings.public_base_url)
        self.message_id_domain = _domain_of(settings.smtp_from)

    def _committed(self) -> None:
        self.signals.deliveries.fire()
        self.signals.inbox.fire()

    def hook(self, session: AsyncSession) -> None:
        """Wake the sender and the open streams once ``session`` committed."""
        if not session.info.get(_HOOKED):
            session.info[_HOOKED] = True
            after_commit(session, self._committed)

    async def notify(
        self,
        session: AsyncSession,
        *,
        kind: str,
        source_id: str,
        link: str,
        addressees: Iterable[Addressee],
        **context: Any,
    ) -> int:
        """Create inbox entries, e-mail deliveries and digest items of ``kind`` for each addressee
        (each once), as their preferences say; return for how many addressees."""
        unique = unique_addressees(addressees)
        if not unique:
            return 0
        saved = await preferences.for_subs_or_emails(
            session,
            [a.user_sub for a in unique if a.user_sub],
            [e for a in unique if (e := normalize_email(a.email))],
        )
        by_sub = {p.sub: p for p in saved}
        by_email = {normalize_email(p.email): p for p in saved if p.email}
        now, clock = utcnow(), self.signals.now()
        inbox, mails, digest = [], [], []
        for addressee in unique:
            email = normalize_email(addressee.email)
            preference = by_sub.get(addressee.user_sub or "") or by_email.get(email)
            choice = choice_for(preference, kind)
            wants_mail = choice.email and email is not None
            if not (choice.inbox or wants_mail):
                continue
            text = self.renderer.render(kind, link=link, name=addressee.name, **context)
            common = {
                "source_event_id": source_id,
                "recipient_key": addressee.key,
                "person_id": addressee.person_id,
            }
            if choice.inbox:
                inbox.append(
                    common
                    | {
                        "id": uuid.uuid4(),
                        "created_at": now,
                        "updated_at": now,
                        "version": 1,
                        "kind": kind,
                        "title": text.subject,
                        "body": text.summary,
                        "link": link,
                        "user_sub": addressee.user_sub,
                        "email": email,
                    }
                )
            if wants_mail and choice.digest != "off":
                digest.append(
                    common
                    | {
                        "id": uuid.uuid4(),
                        "to_address": addressee.email.strip(),  # type: ignore[union-attr]  # wants_mail: the address is set
                        "to_name": addressee.name,
                        "kind": kind,
                        "title": text.subject,
                        "body": text.summary,
                        "link": link,
                        "period": choice.digest,
                        "due_at": next_digest_at(
                            clock,
                            choice.digest,
                            hour=self.settings.digest_hour,
                            weekday=self.settings.digest_weekday,
                        ),
                        "created_at": now,
                    }
                )
            elif wants_mail:
                mails.append(
                    self.delivery_row(
                        kind=kind,
                        to_address=addressee.email.strip(),  # type: ignore[union-attr]  # wants_mail: the address is set
                        to_name=addressee.name,
                        subject=text.subject,
                        text=text.text,
                        html=text.html,
                        now=now,
                    )
                    | common
                )
        for model, rows in ((Notification, inbox), (Delivery, mails), (DigestItem, digest)):
            await repository.insert_new(session, model, rows)
        self.hook(session)
        log.info(
            "notifications.created",
            kind=kind,
            source_id=source_id,
            inbox=len(inbox),
            emails=len(mails),
            digest_items=len(digest),
        )
        return len(unique)

    def delivery_row(
        self,
        *,
        kind: str,
        to_address: str,
        to_name: str | None,
        subject: str,
        text: str,
        html: str,
        now: datetime,
    ) -> dict[str, Any]:
        """The columns of a new pending e-mail (its Message-ID is fixed now, so a resend after a
        crash carries the same id and mail clients show it once)."""
        return {
            "id": uuid.uuid4(),
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "kind": kind,
            "to_address": to_address,
            "to_name": to_name,
            "subject": subject,
            "text_body": text,
            "html_body": html,
            "message_id": make_msgid(domain=self.message_id_domain),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
        }


def _domain_of(sender: str) -> str:
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    return address.rsplit("@", 1)[-1] if "@" in address else "schulerfolg.local"
