"""The circular pages' forms: start (an application or a question, the deadline) and the vote."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.datastructures import FormData

from schulerfolg.local_time import BERLIN
from web.applications.forms import read_date
from web.sessions.forms import _time, text

Errors = list[dict[str, Any]]

VOTES = {"yes": "Ja", "no": "Nein", "abstain": "Enthaltung"}
STATES = {
    "yes": "Ja",
    "no": "Nein",
    "abstain": "Enthaltung",
    "not_voted": "Noch nicht abgestimmt",
    "recused": "Befangen – stimmt nicht ab",
}
STATUSES = {
    "open": "Läuft",
    "decided": "Entschieden",
    "failed": "Nicht beschlussfähig",
    "refused": "Beschluss nicht übernommen",
}
OUTCOMES = {"approved": "angenommen", "rejected": "abgelehnt"}


def start_body(form: FormData, applications: dict[str, str]) -> tuple[dict[str, Any], Errors]:
    """„Umlaufverfahren starten“: an application waiting for the committee (``applications``:
    id → title) or a question; the deadline's day and time (Europe/Berlin)."""
    errors: Errors = []
    application_id, question = text(form, "application_id"), text(form, "question")
    if bool(application_id) == bool(question):
        errors.append(
            {
                "field": "application_id",
                "message": "Bitte wählen Sie einen Antrag oder stellen Sie eine Frage – eines "
                "von beiden.",
            }
        )
    elif application_id and application_id not in applications:
        errors.append({"field": "application_id", "message": "Bitte wählen Sie einen Antrag."})
    if len(question) > 5000:
        errors.append(
            {"field": "question", "message": "Die Frage darf höchstens 5000 Zeichen haben."}
        )
    title = text(form, "title")
    if len(title) > 500:
        errors.append({"field": "title", "message": "Der Titel darf höchstens 500 Zeichen haben."})
    try:
        day = read_date(text(form, "day"))
    except ValueError:
        day = None
    if day is None:
        errors.append(
            {"field": "day", "message": "Bitte geben Sie das Datum an, z. B. 10.03.2027."}
        )
    at = _time(text(form, "time") or "18:00")
    if at is None:
        errors.append({"field": "time", "message": "Bitte geben Sie die Uhrzeit an, z. B. 18:00."})
    if errors or day is None or at is None:
        return {}, errors
    deadline = datetime.fromisoformat(day).replace(tzinfo=BERLIN, hour=at[0], minute=at[1])
    if deadline <= datetime.now(BERLIN):
        return {}, [{"field": "day", "message": "Die Frist muss in der Zukunft liegen."}]
    body: dict[str, Any] = {"deadline": deadline.isoformat()}
    if application_id:
        body["application_id"] = application_id
    else:
        body["question"] = question
    if title:
        body["title"] = title
    return body, []


def vote_of(form: FormData) -> tuple[dict[str, Any], Errors]:
    """The vote chosen (yes, no, abstain)."""
    vote = text(form, "vote")
    if vote not in VOTES:
        return {}, [{"field": "vote", "message": "Bitte wählen Sie Ja, Nein oder Enthaltung."}]
    return {"vote": vote}, []
