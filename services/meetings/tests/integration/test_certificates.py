"""Participation certificates (issue 20) on PostgreSQL with a real NATS server: a training with
registrants from outside the registry; only those marked present get a German PDF — read back —
for the organisers and, by the registration's id from their e-mail, the registrant; refused for
the others, other kinds of meeting and an anonymised registration."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta

from meetings_support import BERLIN, OFFICE, create_meeting, in_days
from pypdf import PdfReader
from sqlalchemy import update
from sqlmodel import col

from meetings.models import Registration
from meetings.persons.repository import anonymised_registration_values

URL = "/api/v1/meetings"


def pdf_text(document: bytes) -> str:
    """The PDF's text, whitespace collapsed."""
    pages = PdfReader(io.BytesIO(document)).pages
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pages)


async def attended_training(meetings, *, kind: str = "training", token: bool = False) -> tuple:
    """A training (or ``kind``) yesterday 9–15:30 with three guests, the first two present."""
    meeting = await create_meeting(
        meetings, kind=kind, title="Fortbildung Konfliktlotsen", location="Haldensleben, Aula"
    )
    office = meetings.auth(*OFFICE)
    guests = []
    for i, name in enumerate(["Anna Außenstehend", "Ben Gast", "Cem Abwesend"]):
        headers = meetings.auth("partner", "boerde", sub=f"guest-{i}") if token else {}
        response = await meetings.client.post(
            f"{URL}/{meeting['id']}/registrations",
            json={"name": name, "email": f"gast{i}@example.org"},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        guests.append(response.json())
    starts = in_days(-1, hour=9)
    moved = await meetings.client.patch(
        f"{URL}/{meeting['id']}",
        json={
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=6, minutes=30)).isoformat(),
        },
        headers=office,
    )
    assert moved.status_code == 200, moved.text
    for guest in guests[:2]:
        marked = await meetings.client.post(
            f"{URL}/{meeting['id']}/registrations/{guest['id']}/attended",
            json={"attended": True},
            headers=office,
        )
        assert marked.status_code == 200, marked.text
    return meeting, guests, starts


def certificate_url(meeting_id: str, registration_id: str) -> str:
    return f"{URL}/{meeting_id}/registrations/{registration_id}/certificate"


async def test_only_those_present_get_a_certificate_naming_them_and_the_training(meetings):
    meeting, guests, starts = await attended_training(meetings)
    # The registrant, by the registration's id (no token), as the e-mail's link.
    own = await meetings.client.get(certificate_url(meeting["id"], guests[0]["id"]))
    assert own.status_code == 200, own.text
    assert own.headers["content-type"] == "application/pdf"
    text = pdf_text(own.content)
    day = starts.strftime("%d.%m.%Y")
    today = datetime.now(BERLIN).strftime("%d.%m.%Y")
    for expected in (
        "Teilnahmebescheinigung",
        "Anna Außenstehend",
        "„Fortbildung Konfliktlotsen“",
        f"Datum: {day}",
        "Umfang: 6,5 Zeitstunden",
        "Ort: Haldensleben, Aula",
        "Veranstalter: Regionale Netzwerkstelle",
        f"Ausgestellt am {today}",
    ):
        assert expected in text, (expected, text)
    assert "Ben Gast" not in text

    office = await meetings.client.get(
        certificate_url(meeting["id"], guests[1]["id"]), headers=meetings.auth(*OFFICE)
    )
    assert office.status_code == 200 and "Ben Gast" in pdf_text(office.content)

    absent = await meetings.client.get(certificate_url(meeting["id"], guests[2]["id"]))
    assert absent.status_code == 409 and absent.json()["rule"] == "not-attended"
    unknown = await meetings.client.get(certificate_url(meeting["id"], str(uuid.uuid4())))
    assert unknown.status_code == 404
    undone = await meetings.client.post(
        f"{URL}/{meeting['id']}/registrations/{guests[1]['id']}/attended",
        json={"attended": False},
        headers=meetings.auth(*OFFICE),
    )
    assert undone.status_code == 200
    gone = await meetings.client.get(certificate_url(meeting["id"], guests[1]["id"]))
    assert gone.status_code == 409

    # Anonymised (retention, erasure): no name, no certificate — nothing was stored.
    async with meetings.runtime.db.transaction() as session:
        await session.execute(
            update(Registration)
            .where(col(Registration.id) == uuid.UUID(guests[0]["id"]))
            .values(**anonymised_registration_values())
        )
    erased = await meetings.client.get(certificate_url(meeting["id"], guests[0]["id"]))
    assert erased.status_code == 409 and erased.json()["rule"] == "registration-erased"


async def test_a_signed_in_registrants_certificate_is_theirs_and_the_organisers(meetings):
    meeting, guests, _ = await attended_training(meetings, token=True)
    url = certificate_url(meeting["id"], guests[0]["id"])
    assert (await meetings.client.get(url)).status_code == 401
    stranger = await meetings.client.get(
        url, headers=meetings.auth("partner", "boerde", sub="guest-1")
    )
    assert stranger.status_code == 403
    own = await meetings.client.get(url, headers=meetings.auth("partner", "boerde", sub="guest-0"))
    assert own.status_code == 200 and "Anna Außenstehend" in pdf_text(own.content)


async def test_a_network_meeting_issues_no_certificates(meetings):
    meeting, guests, _ = await attended_training(meetings, kind="network_meeting")
    refused = await meetings.client.get(certificate_url(meeting["id"], guests[0]["id"]))
    assert refused.status_code == 409 and refused.json()["rule"] == "no-certificates-for-kind"
