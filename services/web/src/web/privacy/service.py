"""Privacy over the services' APIs: what each service holds about the signed-in person
(``GET /me/data`` of all four, collected into one download with the web service's own record
of the session), erasure requests (registry's ``/erasure-requests``) and the audit log (every
service's ``GET /audit``, merged newest first). German names for what the services count."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import EmailStr, TypeAdapter, ValidationError

from web.auth.schemas import User
from web.inbox.service import page_path
from web.site.catalogue import STATUSES, status_name
from web.site.client import SERVICES, Api, ApiError

UNREACHABLE = "nicht erreichbar"
PRIVACY_OFFICERS = ("admin", "state_coordinator")
"""Who files erasure requests and reads the audit log (the services check it again)."""

ERASURE_PAGE_SIZE = 20
AUDIT_LIMIT = 200
"""The audit page shows this many entries of each service at most, merged (newest first)."""
SHOWN_RECORDS = 20
"""Records per kind listed on „Meine Daten“ (the download holds all)."""

SERVICE_NAMES = {
    "registry": "Verzeichnis (Personen, Schulen, Organisationen, Gremien)",
    "offers": "Förderung (Fonds und Anträge)",
    "meetings": "Termine und Veranstaltungen",
    "notifications": "Benachrichtigungen (Posteingang und E-Mails)",
    "web": "Webseiten (Ihre Anmeldung)",
}

# What the services count and list, in German: kind → (singular, plural).
KIND_NAMES: dict[str, tuple[str, str]] = {
    "persons": ("Personendatensatz", "Personendatensätze"),
    "person": ("Personendatensatz", "Personendatensätze"),
    "memberships": ("Gremienmitgliedschaft", "Gremienmitgliedschaften"),
    "committee_memberships": ("Gremienmitgliedschaft", "Gremienmitgliedschaften"),
    "committees": ("Gremium", "Gremien"),
    "contacts": ("Kontaktangabe", "Kontaktangaben"),
    "schools": ("Schule", "Schulen"),
    "organizations": ("Organisation", "Organisationen"),
    "materials": ("Material", "Materialien"),
    "applications": ("Antrag", "Anträge"),
    "application_contacts": ("Ansprechperson eines Antrags", "Ansprechpersonen von Anträgen"),
    "contact_persons": ("Ansprechperson eines Antrags", "Ansprechpersonen von Anträgen"),
    "reports": ("Bericht", "Berichte"),
    "meetings": ("Termin", "Termine"),
    "registrations": ("Anmeldung", "Anmeldungen"),
    "attendances": ("Teilnahme", "Teilnahmen"),
    "votes": ("Stimme", "Stimmen"),
    "inbox": ("Posteingangseintrag", "Posteingangseinträge"),
    "inbox_entries": ("Posteingangseintrag", "Posteingangseinträge"),
    "notifications": ("Benachrichtigung", "Benachrichtigungen"),
    "deliveries": ("E-Mail-Zustellung", "E-Mail-Zustellungen"),
    "email_deliveries": ("E-Mail-Zustellung", "E-Mail-Zustellungen"),
    "preferences": ("Einstellung", "Einstellungen"),
    "digests": ("Sammel-E-Mail", "Sammel-E-Mails"),
    "recipients": ("Empfängerangabe", "Empfängerangaben"),
    "stored_responses": ("gespeicherte Antwort", "gespeicherte Antworten"),
    "outbox_rows": ("ausgehende Nachricht", "ausgehende Nachrichten"),
    "dead_letters": ("nicht zugestellte Nachricht", "nicht zugestellte Nachrichten"),
    "stream_messages": ("Ereignisnachricht", "Ereignisnachrichten"),
    "erasure_requests": ("Löschauftrag", "Löschaufträge"),
    "sessions": ("Anmeldesitzung", "Anmeldesitzungen"),
    "directory": ("Verzeichniseintrag", "Verzeichniseinträge"),
    "history": ("Schritt in einem Antrag", "Schritte in Anträgen"),
    "history_entries": ("Schritt in einem Antrag", "Schritte in Anträgen"),
    "application_texts": ("Antragstext", "Antragstexte"),
    "decisions": ("Beschluss", "Beschlüsse"),
    "committee_seats": ("Sitz in einem Gremium", "Sitze in Gremien"),
    "attendance": ("Teilnahme", "Teilnahmen"),
    "digest_items": ("Eintrag für eine Sammel-E-Mail", "Einträge für Sammel-E-Mails"),
    "reminders": ("Erinnerung", "Erinnerungen"),
    "mentions": ("Erwähnung", "Erwähnungen"),
    "person_stream_messages": ("Ereignisnachricht zur Person", "Ereignisnachrichten zur Person"),
}

ERASURE_STATUSES = {"pending": "ausstehend", "completed": "erledigt"}
ERASURE_ORIGINS = {
    "request": "Löschauftrag",
    "person_erased": "Person im Verzeichnis gelöscht",
}

# Audited actions in German (others are shown as the service names them).
ACTIONS = {
    "application.created": "Antrag angelegt",
    "application.updated": "Antrag geändert",
    "application.submitted": "Antrag eingereicht",
    "application.withdrawn": "Antrag zurückgezogen",
    "application.returned": "Antrag zurückgegeben",
    "application.consultation_recorded": "Beratung erfasst",
    "application.decided": "Über den Antrag entschieden",
    "application.approved": "Antrag bewilligt",
    "application.rejected": "Antrag abgelehnt",
    "application.reported": "Bericht eingereicht",
    "application.completed": "Antrag abgeschlossen",
    "application.read": "Antrag gelesen",
    "application.personal_data_erased": "Personendaten im Antrag gelöscht",
    "application.personal_data_anonymised": "Personendaten im Antrag anonymisiert",
    "application.history_read": "Verlauf des Antrags gelesen",
    "application.decisions_read": "Beschlüsse zum Antrag gelesen",
    "applications.listed": "Anträge aufgelistet",
    "agenda.item_added": "Tagesordnungspunkt angelegt",
    "agenda.item_moved": "Tagesordnungspunkt verschoben",
    "committee.member_added": "Mitglied ins Gremium aufgenommen",
    "committee.member_removed": "Mitglied aus dem Gremium entfernt",
    "committee.member_changed": "Mitgliedschaft im Gremium geändert",
    "minutes.published": "Niederschrift veröffentlicht",
    "fund.created": "Förderfonds angelegt",
    "fund.updated": "Förderfonds geändert",
    "persons.listed": "Personen aufgelistet",
    "registration.created": "Anmeldung angelegt",
    "registration.cancelled": "Anmeldung storniert",
    "registration.promoted": "Von der Warteliste nachgerückt",
    "registrations.read": "Anmeldungen gelesen",
    "deliveries.read": "E-Mail-Zustellungen gelesen",
    "dead_letters.read": "Nicht zugestellte Nachrichten gelesen",
    "preferences.updated": "Einstellungen geändert",
    "decision.recorded": "Beschluss erfasst",
    "payment.recorded": "Zahlung erfasst",
    "person.created": "Person angelegt",
    "person.updated": "Person geändert",
    "person.erased": "Person gelöscht",
    "person.read": "Personendaten gelesen",
    "registration.read": "Anmeldung gelesen",
    "erasure.requested": "Löschauftrag erteilt",
    "erasure.completed": "Löschauftrag erledigt",
}

_EMAIL = TypeAdapter(EmailStr)


def kind_name(kind: str, count: int = 2) -> str:
    singular, plural = KIND_NAMES.get(kind, (f"Eintrag „{kind}“", f"Einträge „{kind}“"))
    return singular if count == 1 else plural


def counted(kind: str, count: int) -> str:
    """„2 Anmeldungen“, „1 Antrag“, „keine Anmeldungen“."""
    if count == 0:
        return f"keine {kind_name(kind)}"
    return f"{count} {kind_name(kind, count)}"


def counts_text(counts: dict[str, Any] | None) -> str:
    """A service's erasure counts in German: „2 Anmeldungen, 1 Antrag“ (zero counts left out)."""
    parts = [
        counted(kind, int(value))
        for kind, value in (counts or {}).items()
        if isinstance(value, int) and value > 0
    ]
    return ", ".join(parts) if parts else "nichts gefunden"


# --------------------------------------------------------------------------- own data

_LABEL_KEYS = ("title", "meeting_title", "application_title", "subject", "name", "kind", "id")
_DATE_KEYS = (
    "starts_at",
    "meeting_starts_at",
    "submitted_at",
    "registered_at",
    "created_at",
    "sent_at",
    "updated_at",
    "at",
)


def _moment_of(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def record_line(record: dict[str, Any]) -> dict[str, Any]:
    """One record as a line of „Meine Daten“: what it is about and when."""
    label = next(
        (str(record[key]) for key in _LABEL_KEYS if record.get(key) not in (None, "")), "Eintrag"
    )
    if record.get("to_status"):  # a step of an application
        label = f"Antrag auf „{status_name(str(record['to_status']))}“ gesetzt"
    when = next((record[key] for key in _DATE_KEYS if _moment_of(record.get(key))), None)
    status = record.get("status")
    known = isinstance(status, str) and status in STATUSES
    return {"label": label, "when": when, "status": status_name(str(status)) if known else None}


@dataclass
class ServiceData:
    """What one service answered (or that it did not)."""

    service: str
    answer: dict[str, Any] | None

    @property
    def name(self) -> str:
        return SERVICE_NAMES.get(self.service, self.service)

    @property
    def reachable(self) -> bool:
        return self.answer is not None

    @property
    def kinds(self) -> list[dict[str, Any]]:
        data = (self.answer or {}).get("data") or {}
        shown = []
        for kind, records in data.items():
            records = (
                [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []
            )
            shown.append(
                {
                    "kind": kind,
                    "name": kind_name(kind),
                    "count": len(records),
                    "counted": counted(kind, len(records)),
                    "lines": [record_line(r) for r in records[:SHOWN_RECORDS]],
                    "more": max(0, len(records) - SHOWN_RECORDS),
                }
            )
        return shown

    @property
    def total(self) -> int:
        return sum(kind["count"] for kind in self.kinds)

    def export(self) -> dict[str, Any]:
        if self.answer is None:
            return {"service": self.service, "status": UNREACHABLE}
        return {**self.answer, "status": "ok"}


async def _own_data(api: Api, user: User, service: str) -> ServiceData:
    try:
        answer = await api.get(service, "/me/data", token=user.token)
    except ApiError as exc:
        if exc.status == 401:
            raise
        return ServiceData(service, None)
    return ServiceData(service, answer if isinstance(answer, dict) else None)


async def own_data(api: Api, user: User) -> list[ServiceData]:
    """Every service's ``/me/data`` for the signed-in person, side by side; a service that does
    not answer (down, failing, or without the endpoint) is kept as unreachable."""
    return list(await asyncio.gather(*(_own_data(api, user, s) for s in SERVICES)))


def session_record(user: User) -> dict[str, Any]:
    """What the web service itself keeps of the person while signed in (never the tokens)."""
    return {
        "service": "web",
        "status": "ok",
        "data": {
            "sessions": [
                {
                    "name": user.name,
                    "email": user.email,
                    "roles": list(user.roles),
                    "regions": list(user.regions),
                    "school_id": user.school_id,
                    "organization_id": user.organization_id,
                    "signed_in_at": user.signed_in_at.isoformat() if user.signed_in_at else None,
                }
            ]
        },
    }


def export(user: User, found: list[ServiceData], at: datetime | None = None) -> dict[str, Any]:
    """The download: the web's record of the session and every service's answer."""
    at = at or datetime.now(UTC)
    return {
        "generated_at": at.isoformat(),
        "sub": user.sub,
        "email": user.email,
        "unreachable": [item.service for item in found if not item.reachable],
        "services": {
            "web": session_record(user),
            **{item.service: item.export() for item in found},
        },
    }


# --------------------------------------------------------------------------- erasure requests


@dataclass
class ErasureForm:
    """The erasure form's fields. ``key`` is made when the fields pass the first step and rides
    on the confirmation page: sending that page twice files one request, going back and
    confirming again files another."""

    email: str = ""
    reason: str = ""
    key: str = field(default_factory=lambda: str(uuid.uuid4()))

    @classmethod
    def read(cls, form: Any) -> ErasureForm:
        key = str(form.get("schluessel") or "")
        try:
            key = str(uuid.UUID(key))
        except ValueError:
            key = str(uuid.uuid4())
        return cls(
            email=str(form.get("email") or "").strip(),
            reason=str(form.get("grund") or "").strip(),
            key=key,
        )

    def errors(self) -> list[dict[str, Any]]:
        """German sentences beside the fields (the registry checks the same again)."""
        errors: list[dict[str, Any]] = []
        if not self.email:
            errors.append({"field": "email", "message": EMAIL_MISSING})
        else:
            try:
                _EMAIL.validate_python(self.email)
                valid = len(self.email) <= 320
            except ValidationError:
                valid = False
            if not valid:
                errors.append({"field": "email", "message": EMAIL_INVALID})
        if not self.reason:
            errors.append({"field": "grund", "message": REASON_MISSING})
        elif len(self.reason) > 500:
            errors.append({"field": "grund", "message": REASON_TOO_LONG})
        return errors


EMAIL_MISSING = "Geben Sie die E-Mail-Adresse ein, deren Daten gelöscht werden sollen."
EMAIL_INVALID = "Geben Sie eine gültige E-Mail-Adresse wie name@beispiel.de ein."
REASON_MISSING = "Geben Sie den Grund der Löschung an, z. B. „Antrag nach Art. 17 DSGVO vom …“."
REASON_TOO_LONG = "Der Grund darf höchstens 500 Zeichen lang sein."
_FIELD_SENTENCES = {"email": EMAIL_INVALID, "reason": REASON_MISSING}


def refusal_errors(exc: ApiError) -> list[dict[str, Any]]:
    """The registry's 422 as sentences beside the form's fields."""
    errors: list[dict[str, Any]] = []
    for item in exc.field_errors:
        name = str(item.get("field") or "").rsplit(".", 1)[-1]
        if name == "email":
            errors.append({"field": "email", "message": EMAIL_INVALID})
        elif name == "reason":
            errors.append({"field": "grund", "message": REASON_MISSING})
    return errors or [
        {
            "field": None,
            "message": "Der Löschauftrag wurde nicht angenommen. Bitte prüfen Sie Ihre Angaben.",
        }
    ]


async def file_erasure(api: Api, user: User, form: ErasureForm) -> dict[str, Any]:
    """``POST /erasure-requests``; the form's key makes a second send the same request."""
    reply = await api.call(
        "POST",
        "registry",
        "/erasure-requests",
        token=user.token,
        json={"email": form.email, "reason": form.reason},
        headers={"Idempotency-Key": form.key},
    )
    body: dict[str, Any] = reply.body
    return body


def erasure_view(item: dict[str, Any]) -> dict[str, Any]:
    """A request as the pages show it: German status, each service's counts in words."""
    services = [
        {
            "service": entry.get("service", ""),
            "name": SERVICE_NAMES.get(str(entry.get("service")), str(entry.get("service"))),
            "done": entry.get("status") == "completed",
            "status": ERASURE_STATUSES.get(str(entry.get("status")), str(entry.get("status"))),
            "completed_at": entry.get("completed_at"),
            "counts": counts_text(entry.get("counts"))
            if entry.get("status") == "completed"
            else None,
        }
        for entry in item.get("services") or []
        if isinstance(entry, dict)
    ]
    return {
        **item,
        "done": item.get("status") == "completed",
        "status_text": ERASURE_STATUSES.get(str(item.get("status")), str(item.get("status"))),
        "origin_text": ERASURE_ORIGINS.get(str(item.get("origin")), ""),
        "services": services,
        "open": sum(1 for s in services if not s["done"]),
    }


async def erasure_requests(api: Api, user: User, cursor: str | None) -> dict[str, Any]:
    page = await api.get(
        "registry",
        "/erasure-requests",
        token=user.token,
        params={"limit": ERASURE_PAGE_SIZE, "cursor": cursor},
    )
    return {
        "items": [erasure_view(item) for item in page.get("items", [])],
        "next_cursor": page.get("next_cursor"),
    }


async def erasure_request(api: Api, user: User, request_id: str) -> dict[str, Any]:
    return erasure_view(
        await api.get("registry", f"/erasure-requests/{request_id}", token=user.token)
    )


# --------------------------------------------------------------------------- audit log


@dataclass
class AuditLog:
    entries: list[dict[str, Any]]
    unreachable: list[str]
    cut: bool
    """Whether a service had more entries than were fetched."""


async def _audit_of(
    api: Api, user: User, service: str, params: dict[str, Any]
) -> tuple[str, dict[str, Any] | None]:
    try:
        return service, await api.get(service, "/audit", token=user.token, params=params)
    except ApiError as exc:
        if exc.status in (401, 403):
            raise
        return service, None


def audit_entry(service: str, item: dict[str, Any], me: str) -> dict[str, Any]:
    resource = str(item.get("resource") or "")
    actor = str(item.get("actor") or "")
    action = str(item.get("action") or "")
    return {
        "service": service,
        "service_name": SERVICE_NAMES.get(service, service),
        "at": item.get("at"),
        "actor": actor,
        "actor_text": "System" if actor == "system" else ("Sie" if actor == me else actor),
        "action": action,
        "action_text": ACTIONS.get(action, action),
        "resource": resource,
        "link": page_path("/" + resource),
    }


def _moment(entry: dict[str, Any]) -> datetime:
    try:
        at = datetime.fromisoformat(str(entry["at"]))
    except (KeyError, ValueError):
        return datetime.min.replace(tzinfo=UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def audit_log(api: Api, user: User, *, resource: str | None, actor: str | None) -> AuditLog:
    """The four services' audit entries, filtered, merged newest first."""
    params = {"resource": resource, "actor": actor, "limit": AUDIT_LIMIT}
    answers = await asyncio.gather(*(_audit_of(api, user, s, params) for s in SERVICES))
    entries: list[dict[str, Any]] = []
    unreachable: list[str] = []
    cut = False
    for service, page in answers:
        if page is None:
            unreachable.append(service)
            continue
        entries += [audit_entry(service, item, user.sub) for item in page.get("items", [])]
        cut = cut or bool(page.get("next_cursor"))
    entries.sort(key=_moment, reverse=True)
    return AuditLog(entries=entries, unreachable=unreachable, cut=cut)
