"""Grant notices and rejection letters (CONTRACT.md, "offers — the money after approval"),
against a real NATS server and PostgreSQL: an approval issues the grant notice as a PDF whose
text names the recipient, the amount in euros and the proof-of-use deadline, with its event; a
rejection issues the rejection letter with the reason; only the application's readers get them;
an erasure of the contact, or the end of its retention, renders the documents again without the
name."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import uuid
from datetime import timedelta
from typing import Any

from offers_support import World, request_erasure
from pypdf import PdfReader

from offers.documents import repository as documents_repository
from offers.models import GeneratedDocument
from schulerfolg_dev.testing.events import collect_events
from schulerfolg_dev.testing.plugin import eventually

LINES = [
    {"category": "fees", "description": "Honorar Trainerin", "amount_cents": 100_000},
    {"category": "materials", "description": "Seile und Karten", "amount_cents": 23_400},
]


def contact() -> dict[str, str]:
    n = uuid.uuid4().hex[:6]
    return {"name": f"Erika Bescheid-{n}", "email": f"erika.{n}@schule.example", "phone": "0391 1"}


async def documents(world: World, app: dict[str, Any], headers: dict[str, str], count: int = 1):
    """The application's documents once ``count`` of them are there."""
    found: list[dict[str, Any]] = []

    async def issued() -> bool:
        response = await world.client.get(
            f"/api/v1/applications/{app['id']}/documents", headers=headers
        )
        assert response.status_code == 200, response.text
        found[:] = response.json()["items"]
        return len(found) >= count

    await eventually(issued, timeout=30)
    return found


def text_of(pdf: bytes) -> str:
    return " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )


async def pdf_of(world: World, app: dict[str, Any], doc: dict[str, Any], headers: Any) -> Any:
    response = await world.client.get(
        f"/api/v1/applications/{app['id']}/documents/{doc['id']}", headers=headers
    )
    assert response.status_code == 200, response.text
    return response


async def test_an_approval_issues_the_grant_notice(world: World):
    fund = await world.fund(requires_consultation=False)
    person = contact()
    app = await world.submitted(fund, contact=person, budget_lines=LINES)
    await world.act(
        app,
        "decision",
        world.office(),
        {"outcome": "approved", "conditions": "Fotos nur mit Einwilligung der Eltern."},
    )

    [doc] = await documents(world, app, world.school())
    assert doc["kind"] == "grant_notice"
    assert doc["title"] == "Zuwendungsbescheid"
    assert doc["filename"] == "Zuwendungsbescheid Erlebnispädagogik für die Klassen 5.pdf"
    response = await pdf_of(world, app, doc, world.school())
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert "filename*=UTF-8''Zuwendungsbescheid%20Erlebnisp%C3%A4dagogik" in disposition
    assert 'filename="Zuwendungsbescheid Erlebnispaedagogik' in disposition
    assert doc["size"] == len(response.content)
    text = text_of(response.content)
    assert "Zuwendungsbescheid" in text
    assert person["name"] in text
    assert "Schule 0 boerde" in text
    assert "Erlebnispädagogik für die Klassen 5" in text
    assert "1.234,00 €" in text
    assert "01.03.2027 bis 03.03.2027" in text
    assert "28.04.2027" in text  # end date 03.03.2027 + 8 weeks
    assert "Fotos nur mit Einwilligung der Eltern." in text
    assert "Rechtsbehelfsbelehrung" in text
    assert "Auszahlung auf Anforderung" in text  # the fund has no advance
    assert person["email"] not in text

    [(event, message)] = await collect_events(
        world.nats_url,
        stream="OFFERS",
        subject="sfs.*.offers.application.grant_notice_issued",
        where=lambda e: str(e.data.application_id) == app["id"],
        settle=0.5,
    )
    assert str(event.data.document_id) == doc["id"]
    assert event.data.approved_cents == 123_400
    assert event.data.proof_of_use_due.isoformat() == "2027-04-28"
    assert person["name"].encode() not in message.data
    assert person["email"].encode() not in message.data

    # readers of the application only; another region's office sees nothing
    for headers in (world.office(), world.state(), world.partner()):
        assert (await pdf_of(world, app, doc, headers)).content == response.content
    for path in (f"/documents/{doc['id']}", "/documents"):
        other = await world.client.get(
            f"/api/v1/applications/{app['id']}{path}", headers=world.office("harz")
        )
        assert other.status_code == 404
        anonymous = await world.client.get(f"/api/v1/applications/{app['id']}{path}")
        assert anonymous.status_code == 401
    missing = await world.client.get(
        f"/api/v1/applications/{app['id']}/documents/{uuid.uuid4()}", headers=world.office()
    )
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


async def stored_document(world: World, document_id: uuid.UUID) -> GeneratedDocument:
    async with world.service.runtime.db.transaction(readonly=True) as session:
        stored = await session.get(GeneratedDocument, document_id)
    assert stored is not None
    return stored


async def test_the_pdf_is_rendered_when_first_asked_for_and_then_kept(world: World):
    fund = await world.fund(requires_consultation=False)
    app = await world.submitted(fund, budget_lines=LINES)
    await world.act(app, "decision", world.office(), {"outcome": "approved"})
    issued: list[GeneratedDocument] = []

    async def stored() -> bool:
        async with world.service.runtime.db.transaction(readonly=True) as session:
            issued[:] = await documents_repository.of_application(session, uuid.UUID(app["id"]))
        return bool(issued)

    await eventually(stored, timeout=30)
    [doc] = issued
    assert (doc.size, doc.content) == (0, b"")  # the decision did not wait for WeasyPrint
    first, second = await asyncio.gather(
        *(pdf_of(world, app, {"id": str(doc.id)}, world.office()) for _ in range(2))
    )
    assert first.content == second.content  # two first reads answer the one stored PDF
    kept = await stored_document(world, doc.id)
    assert kept.content == first.content and kept.size == len(first.content)
    assert "Zuwendungsbescheid" in text_of(kept.content)
    [listed] = await documents(world, app, world.office())
    assert listed["size"] == kept.size


async def test_the_funds_advance_and_proof_of_use_weeks_stand_in_the_grant_notice(world: World):
    fund = await world.fund(
        requires_consultation=False, payment_rule={"advance_percent": 50}, proof_of_use_weeks=12
    )
    app = await world.submitted(fund, budget_lines=LINES)
    await world.act(app, "decision", world.office(), {"outcome": "approved"})
    [doc] = await documents(world, app, world.office())
    text = text_of((await pdf_of(world, app, doc, world.office())).content)
    assert "Ein Abschlag von 50 % der Zuwendung (617,00 €)" in text
    assert "Auszahlung auf Anforderung" not in text
    assert "26.05.2027" in text  # end date 03.03.2027 + 12 weeks
    [(event, _)] = await collect_events(
        world.nats_url,
        stream="OFFERS",
        subject="sfs.*.offers.application.grant_notice_issued",
        where=lambda e: str(e.data.application_id) == app["id"],
    )
    assert (event.data.advance_cents, str(event.data.proof_of_use_due)) == (61_700, "2027-05-26")


async def test_a_rejection_issues_the_rejection_letter_with_the_reason(world: World):
    fund = await world.fund(requires_consultation=False)
    app = await world.submitted(fund, budget_lines=LINES)
    reason = "Das Vorhaben gehört zum Regelunterricht und ist nicht förderfähig."
    await world.act(app, "decision", world.office(), {"outcome": "rejected", "reason": reason})

    [doc] = await documents(world, app, world.office())
    assert (doc["kind"], doc["title"]) == ("rejection_letter", "Ablehnungsbescheid")
    text = text_of((await pdf_of(world, app, doc, world.school())).content)
    assert "Ablehnungsbescheid" in text
    assert reason in text
    assert "1.234,00 €" in text  # what was asked for
    assert "Rechtsbehelfsbelehrung" in text


async def test_an_erasure_renders_the_grant_notice_again_without_the_name(world: World):
    fund = await world.fund(requires_consultation=False)
    person = contact()
    app = await world.submitted(fund, contact=person, budget_lines=LINES)
    conditions = f"Rückfragen an {person['email']}."
    await world.act(
        app, "decision", world.office(), {"outcome": "approved", "conditions": conditions}
    )
    [doc] = await documents(world, app, world.office())
    before = (await pdf_of(world, app, doc, world.office())).content
    assert person["name"] in text_of(before) and person["email"] in text_of(before)

    [(answer, _)] = await request_erasure(world, person["email"])
    assert answer.data.counts["documents"] == 1
    stored = await stored_document(world, uuid.UUID(doc["id"]))
    assert (stored.size, stored.content) == (0, b"")  # the PDF naming the person is gone

    [again] = await documents(world, app, world.office())
    assert (again["id"], again["created_at"]) == (doc["id"], doc["created_at"])
    text = text_of((await pdf_of(world, app, again, world.office())).content)
    assert person["name"] not in text and person["email"] not in text
    assert "z. Hd. gelöscht" in text and "Rückfragen an gelöscht." in text
    assert "1.234,00 €" in text and "28.04.2027" in text
    async with world.service.runtime.db.transaction(readonly=True) as session:
        stored = await session.get(GeneratedDocument, uuid.UUID(doc["id"]))
        assert stored is not None
        facts = json.dumps(stored.facts, ensure_ascii=False)
    assert person["name"] not in facts and person["email"] not in facts


async def test_the_end_of_the_retention_renders_the_rejection_letter_without_the_name(
    world: World,
):
    fund = await world.fund(requires_consultation=False)
    person = contact()
    app = await world.submitted(fund, contact=person, budget_lines=LINES)
    await world.act(app, "decision", world.office(), {"outcome": "rejected", "reason": "Zu spät."})
    [doc] = await documents(world, app, world.office())
    assert person["name"] in text_of((await pdf_of(world, app, doc, world.office())).content)

    housekeeping = world.service.runtime.housekeeping
    await housekeeping.purge()  # not yet due: the letter stays as it is
    assert person["name"] in text_of((await pdf_of(world, app, doc, world.office())).content)
    housekeeping.retention = dataclasses.replace(
        housekeeping.retention, clock_offset=timedelta(days=6 * 365)
    )
    assert (await housekeeping.purge()).anonymised["contacts"] == 1
    text = text_of((await pdf_of(world, app, doc, world.office())).content)
    assert person["name"] not in text
    assert "z. Hd. gelöscht" in text and "Zu spät." in text
