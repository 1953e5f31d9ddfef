"""Building iCalendar documents with the ``icalendar`` library.

Times are written in Europe/Berlin (``DTSTART;TZID=Europe/Berlin``) with a VTIMEZONE
component for the zone, so calendar programs show the same local time on both sides of a
daylight-saving change. The VTIMEZONE is built from the zoneinfo data, one RDATE line per
transition: readers such as ical.js (most web calendars) take only the first date of an RDATE
line with several, and would place every summer after the first in winter time. Each meeting keeps one UID for life; SEQUENCE is its version, so a
rescheduled or cancelled meeting replaces the earlier entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from icalendar import Calendar, Event, Timezone

from meetings.models import Meeting
from schulerfolg.local_time import BERLIN

UID_DOMAIN = "meetings.schulerfolg.de"
PRODID = "-//Schulerfolg sichern//Termine//DE"

KIND_LABELS: dict[str, str] = {
    "committee_session": "Gremiensitzung",
    "expert_exchange": "Fachaustausch",
    "network_meeting": "Vernetzungstreffen",
    "regional_group_meeting": "Regionalgruppentreffen",
    "training": "Fortbildung",
    "conference": "Fachtagung",
    "case_consultation": "Kollegiale Fallberatung",
    "jury_session": "Jurysitzung",
}


def meeting_uid(meeting: Meeting) -> str:
    """The stable UID of a meeting's calendar entry."""
    return f"{meeting.id}@{UID_DOMAIN}"


def _description(meeting: Meeting) -> str:
    lines = [f"Art: {KIND_LABELS.get(meeting.kind, meeting.kind)}"]
    if meeting.description:
        lines.insert(0, meeting.description)
    if meeting.online_url:
        lines.append(f"Online-Teilnahme: {meeting.online_url}")
    if meeting.registration_deadline:
        deadline = meeting.registration_deadline.astimezone(BERLIN)
        lines.append(f"Anmeldeschluss: {deadline:%d.%m.%Y, %H:%M} Uhr")
    if meeting.status == "cancelled":
        lines.append(
            "Dieser Termin wurde abgesagt."
            + (f" Grund: {meeting.cancel_reason}" if meeting.cancel_reason else "")
        )
    return "\n\n".join(lines)


def meeting_event(meeting: Meeting) -> Event:
    """The VEVENT of one meeting."""
    cancelled = meeting.status == "cancelled"
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", meeting.updated_at)
    event.add("created", meeting.created_at)
    event.add("last-modified", meeting.updated_at)
    event.add("sequence", meeting.version)
    event.add("summary", ("Abgesagt: " if cancelled else "") + meeting.title)
    event.add("dtstart", meeting.starts_at.astimezone(BERLIN))
    event.add("dtend", meeting.ends_at.astimezone(BERLIN))
    event.add("description", _description(meeting))
    if meeting.location:
        event.add("location", meeting.location)
    if meeting.online_url:
        event.add("url", meeting.online_url)
    event.add("categories", [KIND_LABELS.get(meeting.kind, meeting.kind)])
    event.add("class", "PUBLIC" if meeting.public else "PRIVATE")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    return event


@cache
def berlin_timezone() -> Timezone:
    """The Europe/Berlin VTIMEZONE (1970 to 2038), one transition per RDATE property."""
    timezone = Timezone.from_tzid("Europe/Berlin")
    for observance in timezone.subcomponents:
        rdates = observance.pop("RDATE", None)
        for rdate in rdates if isinstance(rdates, list) else [rdates] if rdates else []:
            for transition in rdate.dts:
                observance.add("RDATE", transition.dt)
    return timezone


def calendar_of(meetings: Iterable[Meeting], *, name: str) -> bytes:
    """An iCalendar document with the meetings and the Europe/Berlin time zone."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Berlin")
    calendar.add_component(berlin_timezone())
    for meeting in meetings:
        calendar.add_component(meeting_event(meeting))
    document: bytes = calendar.to_ical()
    return document
