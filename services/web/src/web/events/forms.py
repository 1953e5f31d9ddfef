"""The event form („Veranstaltung planen“, „Veranstaltung bearbeiten“) read back: what a posted
form says, what meetings is sent, and the German errors beside the fields.

Field names (the ids after ``feld-``): ``kind``, ``title``, ``description``, ``starts``,
``ends``, ``location``, ``online_url``, ``capacity``, ``deadline``, ``public``, ``region``,
``collects_participant_figures``, ``topics`` (checkboxes, the topic slugs); the cancellation's ``reason``; the ESF+ table's
``esf_<sex>_<age group>`` (read by ``web.proof_of_use.figures``). Dates and times are typed as „10.03.2027 14:00“ (or ISO,
„2027-03-10T14:00“) and meant in Europe/Berlin.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import FormData

from schulerfolg.local_time import BERLIN
from schulerfolg.topics import TOPICS
from web.applications.forms import read_date
from web.public.schemas import MEETING_KINDS
from web.sessions.forms import text

Errors = list[dict[str, Any]]

# The kinds of event the office plans here (committee sessions are planned on /sitzungen).
EVENT_KINDS = {
    kind: MEETING_KINDS[kind]
    for kind in ("training", "network_meeting", "expert_exchange", "conference")
}
MAX_CAPACITY = 100_000

# „10.03.2027 14:00“, „10.03.2027, 14:00 Uhr“, „2027-03-10T14:00“, „2027-03-10 14.00“
_MOMENT = re.compile(r"^(\S+?)(?:,?\s+|T)(\d{1,2})[:.](\d{2})(?::\d{2})?(?:\s*Uhr)?$")

# The form's fields as meetings names them in a refusal.
API_FIELDS = {
    "title": "title",
    "description": "description",
    "starts_at": "starts",
    "ends_at": "ends",
    "location": "location",
    "online_url": "online_url",
    "capacity": "capacity",
    "registration_deadline": "deadline",
    "region": "region",
    "kind": "kind",
    "topics": "topics",
}
MESSAGES = {
    "kind": "Bitte wählen Sie die Art der Veranstaltung.",
    "title": "Bitte geben Sie einen Titel ein (höchstens 300 Zeichen).",
    "description": "Die Beschreibung darf höchstens 10.000 Zeichen haben.",
    "starts": "Bitte geben Sie Datum und Uhrzeit des Beginns an, z. B. 10.03.2027 14:00.",
    "ends": "Bitte geben Sie Datum und Uhrzeit des Endes an, z. B. 10.03.2027 16:00.",
    "location": "Der Ort darf höchstens 500 Zeichen haben.",
    "online_url": "Bitte geben Sie einen Link wie https://meet.example/raum an "
    "(höchstens 500 Zeichen).",
    "capacity": f"Bitte geben Sie die Plätze als ganze Zahl von 1 bis {MAX_CAPACITY:,}".replace(
        ",", "."
    )
    + " an, oder lassen Sie das Feld leer (dann ohne Begrenzung).",
    "deadline": "Bitte geben Sie Datum und Uhrzeit des Anmeldeschlusses an, z. B. "
    "03.03.2027 12:00, oder lassen Sie das Feld leer.",
    "region": "Bitte wählen Sie die Region.",
    "topics": "Bitte wählen Sie nur Themen aus der Liste.",
    "end_before_start": "Das Ende muss nach dem Beginn liegen.",
    "in_the_past": "Der Beginn muss in der Zukunft liegen.",
    "deadline_after_start": "Der Anmeldeschluss darf nicht nach dem Beginn liegen.",
}


def read_moment(typed: str) -> datetime | None:
    """„10.03.2027 14:00“ (Europe/Berlin) → an aware date-time; None when it is none."""
    found = _MOMENT.match(typed.strip())
    if not found:
        return None
    try:
        day = read_date(found.group(1))
    except ValueError:
        return None
    hour, minute = int(found.group(2)), int(found.group(3))
    if day is None or hour > 23 or minute > 59:
        return None
    moment = datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=BERLIN)
    return moment if 2000 <= moment.year <= 2100 else None


def moment_input(value: str | None) -> str:
    """A stored date-time as the form shows it: „10.03.2027 14:00“ in Europe/Berlin."""
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")


def values_of_meeting(meeting: dict[str, Any]) -> dict[str, Any]:
    """A meeting as the edit form shows it."""
    return {
        "kind": str(meeting["kind"]),
        "title": str(meeting["title"]),
        "description": meeting.get("description") or "",
        "starts": moment_input(meeting["starts_at"]),
        "ends": moment_input(meeting["ends_at"]),
        "location": meeting.get("location") or "",
        "online_url": meeting.get("online_url") or "",
        "capacity": "" if meeting.get("capacity") is None else str(meeting["capacity"]),
        "deadline": moment_input(meeting.get("registration_deadline")),
        "public": "ja" if meeting.get("public") else "",
        "collects_participant_figures": "ja" if meeting.get("collects_participant_figures") else "",
        "region": meeting.get("region") or "state",
        "topics": list(meeting.get("topics") or []),
    }


def topics_of(form: FormData) -> list[str]:
    """The topic slugs ticked in the form."""
    return [slug for slug in form.getlist("topics") if isinstance(slug, str)]


def _capacity(typed: str) -> tuple[int | None, Errors]:
    if not typed:
        return None, []
    compact = typed.replace(".", "").replace(" ", "")
    if not compact.isdigit() or not 1 <= int(compact) <= MAX_CAPACITY:
        return None, [{"field": "capacity", "message": MESSAGES["capacity"]}]
    return int(compact), []


def _url(typed: str) -> tuple[str | None, Errors]:
    if not typed:
        return None, []
    parts = urlsplit(typed)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(typed) > 500:
        return None, [{"field": "online_url", "message": MESSAGES["online_url"]}]
    return typed, []


def event_body(
    form: FormData, regions: dict[str, str], *, new: bool
) -> tuple[dict[str, Any], Errors]:
    """The event as meetings takes it (``new``: a POST with kind and region; else a PATCH),
    or the German errors beside the fields. ``regions``: where the person may plan (slug → name,
    ``state`` for the state level)."""
    errors: Errors = []
    body: dict[str, Any] = {}
    if new:
        kind = text(form, "kind")
        if kind not in EVENT_KINDS:
            errors.append({"field": "kind", "message": MESSAGES["kind"]})
        region = text(form, "region") or (next(iter(regions)) if len(regions) == 1 else "")
        if region not in regions:
            errors.append({"field": "region", "message": MESSAGES["region"]})
        body |= {"kind": kind, "region": None if region == "state" else region}
    title = text(form, "title")
    if not title or len(title) > 300:
        errors.append({"field": "title", "message": MESSAGES["title"]})
    description = text(form, "description")
    if len(description) > 10000:
        errors.append({"field": "description", "message": MESSAGES["description"]})
    location = text(form, "location")
    if len(location) > 500:
        errors.append({"field": "location", "message": MESSAGES["location"]})
    online_url, error = _url(text(form, "online_url"))
    errors += error
    capacity, error = _capacity(text(form, "capacity"))
    errors += error
    moments: dict[str, datetime | None] = {}
    for name in ("starts", "ends", "deadline"):
        typed = text(form, name)
        moments[name] = read_moment(typed) if typed else None
        if (typed or name != "deadline") and moments[name] is None:
            errors.append({"field": name, "message": MESSAGES[name]})
    starts, ends, deadline = moments["starts"], moments["ends"], moments["deadline"]
    if starts and ends and ends <= starts:
        errors.append({"field": "ends", "message": MESSAGES["end_before_start"]})
    if starts and new and starts <= datetime.now(BERLIN):
        errors.append({"field": "starts", "message": MESSAGES["in_the_past"]})
    if starts and deadline and deadline > starts:
        errors.append({"field": "deadline", "message": MESSAGES["deadline_after_start"]})
    topics = topics_of(form)
    if any(slug not in TOPICS for slug in topics):
        errors.append({"field": "topics", "message": MESSAGES["topics"]})
    if errors or starts is None or ends is None:
        return {}, errors
    return body | {
        "title": title,
        "description": description or None,
        "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(),
        "location": location or None,
        "online_url": online_url,
        "capacity": capacity,
        "registration_deadline": deadline.isoformat() if deadline else None,
        "public": text(form, "public") == "ja",
        "collects_participant_figures": text(form, "collects_participant_figures") == "ja",
        "topics": topics,
    }, []


def cancel_body(form: FormData) -> tuple[dict[str, Any], Errors]:
    """„Veranstaltung absagen“: the optional reason (told to the registrants)."""
    reason = text(form, "reason")
    if len(reason) > 2000:
        return {}, [{"field": "reason", "message": "Der Grund darf höchstens 2.000 Zeichen haben."}]
    return {"reason": reason or None}, []
