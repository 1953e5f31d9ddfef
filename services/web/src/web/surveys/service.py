"""What the survey pages ask planning (the office with its token, the public form without one),
and planning's refusals as German errors beside the forms' fields."""

from __future__ import annotations

import re
from typing import Any

from web.auth.schemas import User
from web.site.catalogue import rule_error, table_errors
from web.site.client import Api, ApiError

Errors = list[dict[str, Any]]

ANSWERED = "Sie haben an dieser Umfrage bereits teilgenommen."
ENDED = "Diese Umfrage ist beendet."
NOT_YET = "Diese Umfrage hat noch nicht begonnen. Bitte versuchen Sie es später noch einmal."

# planning's field location of a survey → (form field, German sentence); the first full match wins.
FIELDS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(p), f, s)
    for p, f, s in [
        (r"title", "title", "Bitte geben Sie einen Titel an (höchstens 300 Zeichen)."),
        (r"description", "description", "Die Beschreibung ist zu lang (höchstens 4.000 Zeichen)."),
        (r"region", "region", "Bitte wählen Sie eine Region."),
        (r"audience.*", "audience", "Bitte wählen Sie, wen Sie fragen."),
        (r"opens_on", "opens_on", "Bitte geben Sie den Beginn als Datum an."),
        (r"closes_on|body", "closes_on", "Das Ende darf nicht vor dem Beginn liegen."),
        (
            r"questions\.(\d+)\.text",
            "questions-{0}-text",
            "Bitte geben Sie den Text der Frage an (höchstens 1.000 Zeichen).",
        ),
        (r"questions\.(\d+)\.kind", "questions-{0}-kind", "Bitte wählen Sie die Art der Frage."),
        (
            r"questions\.(\d+)\.choices\.\d+\.topic",
            "questions-{0}-choices",
            "Ein Thema in eckigen Klammern ist unbekannt; bitte nehmen Sie eins aus der Liste.",
        ),
        (
            r"questions\.(\d+)(\.choices.*)?",
            "questions-{0}-choices",
            "Eine Auswahlfrage braucht 2 bis 50 verschiedene Antworten, eine je Zeile "
            "(höchstens 300 Zeichen).",
        ),
        (r"questions.*", "questions", "Bitte stellen Sie 1 bis 100 Fragen mit verschiedenem Text."),
    ]
]
ANSWER_MESSAGES = {
    "missing": "Bitte beantworten Sie diese Frage.",
    "answer": "Bitte wählen Sie eine der Antworten (beim Freitext: höchstens 2.000 Zeichen).",
    "unknown_question": "Diese Frage gehört nicht zur Umfrage.",
}
STEP_ERRORS = {
    "survey-closing-date-passed": "Das Ende der Abfrage liegt schon in der Vergangenheit; so kann "
    "sie nicht mehr geöffnet werden.",
    "survey-not-open": "Die Abfrage wurde inzwischen schon geöffnet oder geschlossen.",
}
CODE_MISSING = "Bitte geben Sie den Zugangscode aus Ihrer Einladung ein."
CODE_MESSAGE = "Dieser Zugangscode gehört nicht zu dieser Umfrage. Bitte prüfen Sie ihn."


def errors_of(exc: ApiError) -> Errors:
    """planning's refusal of a survey as page errors beside the form's fields."""
    return table_errors(exc, FIELDS)


def answer_errors(exc: ApiError) -> Errors:
    """planning's refusal of answers as errors beside the questions (``antwort-<key>``)."""
    errors: Errors = []
    for item in exc.field_errors:
        location, kind = str(item.get("field") or ""), str(item.get("type") or "")
        if location.startswith("answers."):
            message = ANSWER_MESSAGES.get(kind, ANSWER_MESSAGES["answer"])
            errors.append(
                {"field": f"antwort-{location.removeprefix('answers.')}", "message": message}
            )
        elif location in ("invitation", "ticket"):
            missing = kind == "missing" and location == "invitation"
            errors.append({"field": "code", "message": CODE_MISSING if missing else CODE_MESSAGE})
    return errors or [rule_error(exc.rule, exc.status)]


def step_error(exc: ApiError) -> dict[str, Any]:
    """planning's refusal to open or close a survey as a page error."""
    return {
        "field": None,
        "message": STEP_ERRORS.get(exc.rule or "", STEP_ERRORS["survey-not-open"]),
    }


def closed_notice(survey: dict[str, Any], today: str) -> str | None:
    """The sentence for a survey that takes no answers on ``today`` (ISO date), or None."""
    if survey["status"] == "closed" or (survey["closes_on"] or today) < today:
        return ENDED
    if (survey["opens_on"] or today) > today:
        return NOT_YET
    return None


def refusal_notice(exc: ApiError) -> str | None:
    """The sentence for an answer that cannot count any more: a spent code, an ended survey."""
    if exc.rule == "survey-already-answered":
        return ANSWERED
    if exc.rule == "survey-not-open":
        return ENDED
    return None


async def surveys(api: Api, user: User) -> list[dict[str, Any]]:
    found = await api.all_items("planning", "/surveys", token=user.token)
    return sorted(found, key=lambda s: str(s["created_at"]), reverse=True)


async def survey(api: Api, survey_id: str, token: str | None = None) -> dict[str, Any]:
    return await api.get("planning", f"/surveys/{survey_id}", token=token)  # type: ignore[no-any-return]


async def create(api: Api, user: User, body: dict[str, Any], key: str) -> dict[str, Any]:
    reply = await api.call(
        "POST",
        "planning",
        "/surveys",
        token=user.token,
        json=body,
        headers={"Idempotency-Key": key},
    )
    return reply.body  # type: ignore[no-any-return]


async def step(api: Api, user: User, survey_id: str, action: str) -> None:
    """Open or close the survey (``action``: ``open``, ``close``)."""
    await api.call("POST", "planning", f"/surveys/{survey_id}/{action}", token=user.token)


async def invite(api: Api, user: User, survey_id: str, count: int) -> list[str]:
    reply = await api.call(
        "POST",
        "planning",
        f"/surveys/{survey_id}/invitations",
        token=user.token,
        json={"count": count},
    )
    return list(reply.body["codes"])


async def invitation_counts(api: Api, user: User, survey_id: str) -> dict[str, Any]:
    return await api.get("planning", f"/surveys/{survey_id}/invitations", token=user.token)  # type: ignore[no-any-return]


async def results(api: Api, user: User, survey_id: str, *, csv: bool = False) -> Any:
    accept = "text/csv" if csv else "application/json"
    return await api.get(
        "planning", f"/surveys/{survey_id}/results", token=user.token, accept=accept
    )


async def ticket(api: Api, survey_id: str) -> str:
    reply = await api.call("POST", "planning", f"/surveys/{survey_id}/tickets")
    return str(reply.body["ticket"])


async def respond(api: Api, survey_id: str, body: dict[str, Any]) -> None:
    await api.call("POST", "planning", f"/surveys/{survey_id}/responses", json=body)


async def topic_demand(api: Api, user: User, region: str | None, *, csv: bool = False) -> Any:
    accept = "text/csv" if csv else "application/json"
    return await api.get(
        "planning", "/topic-demand", token=user.token, params={"region": region}, accept=accept
    )
