"""Domain functions for needs surveys. They change state and append events; they never commit.

Who answered is never stored. An invited survey hands out one-time invitation codes (one per
invited person; the office passes them on); an anonymous survey hands each form a one-time
ticket. Only the SHA-256 of a code is kept, and a code is spent by the answer it lets in, so a
second answer with the same code is refused while nothing links an answer to a person.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from planning.common import TOPICS, check_region_filter, normalise_region, subject_region
from planning.models import Survey, SurveyResponse, audit_log, outbox
from planning.surveys import repository
from planning.surveys.repository import PassKind
from planning.surveys.schemas import (
    MAX_TEXT_ANSWER,
    ChoiceCount,
    CodesCreate,
    QuestionResult,
    ResponseCreate,
    ScaleCount,
    SurveyCreate,
    SurveyResults,
    TopicDemand,
)
from schulerfolg.auth import Principal, ensure_may_manage_region
from schulerfolg.db import utcnow
from schulerfolg.events.planning import SurveyClosed, SurveyOpened
from schulerfolg.http.pagination import PageParams
from schulerfolg.http.problems import Conflict, FieldError, Forbidden, NotFound, Unprocessable
from schulerfolg.local_time import berlin_day
from schulerfolg.privacy.audit import record, resource_of
from schulerfolg.privacy.retention import RetentionTask


class SurveyNotFound(NotFound):
    """No survey with that id is visible to the caller."""

    slug = "survey-not-found"

    def __init__(self, survey_id: uuid.UUID) -> None:
        super().__init__(f"There is no survey {survey_id}.")


class SurveyNotOpen(Conflict):
    """The survey takes no answers now."""

    slug = "survey-not-open"


def code_hash(code: str) -> str:
    """What is stored of a one-time code."""
    return hashlib.sha256(code.encode()).hexdigest()


def new_code() -> str:
    """A one-time code (URL-safe, 128 bits of chance)."""
    return secrets.token_urlsafe(16)


def readable_regions(principal: Principal) -> frozenset[str] | None:
    """The regions whose surveys the caller manages (None: every region); Forbidden otherwise."""
    if principal.has_role("state_coordinator"):
        return None
    if principal.has_role("network_office") and principal.regions:
        return principal.regions
    raise Forbidden("Only the state coordination and network offices work with surveys.")


async def list_surveys(
    *,
    session: AsyncSession,
    principal: Principal,
    page: PageParams,
    region: str | None = None,
    status: str | None = None,
) -> tuple[list[Survey], str | None]:
    """The surveys the caller manages (state-wide ones included), one page."""
    check_region_filter(region)
    return await repository.list_surveys(
        session, page=page, regions=readable_regions(principal), region=region, status=status
    )


async def create_survey(
    *, session: AsyncSession, principal: Principal, data: SurveyCreate
) -> Survey:
    """A new survey as a draft (no event yet: nobody outside the office needs a draft)."""
    region = normalise_region(data.region)
    ensure_may_manage_region(principal, region)
    survey = Survey(
        region=region,
        title=data.title,
        description=data.description,
        audience=list(data.audience),
        anonymous=data.anonymous,
        opens_on=data.opens_on,
        closes_on=data.closes_on,
        questions=[question.model_dump() for question in data.questions],
    )
    session.add(survey)
    await session.flush()
    await record(
        session, audit_log, actor=principal, action="survey.created", resource=_resource(survey)
    )
    return survey


async def get_survey(
    *, session: AsyncSession, principal: Principal | None, survey_id: uuid.UUID
) -> Survey:
    """A survey its office manages, or (for anyone) one that is not a draft: respondents read
    its questions, and a link followed late learns that the survey has closed."""
    survey = await repository.get_survey(session, survey_id)
    if survey is None:
        raise SurveyNotFound(survey_id)
    if principal is not None and principal.may_manage_region(survey.region):
        return survey
    if survey.status != "draft":
        return survey
    raise SurveyNotFound(survey_id)


async def _managed(
    session: AsyncSession, principal: Principal, survey_id: uuid.UUID, *, for_update: bool = False
) -> Survey:
    survey = await repository.get_survey(session, survey_id, for_update=for_update)
    if survey is None or not principal.may_manage_region(survey.region):
        if survey is not None and survey.status != "draft":
            raise Forbidden("Only the survey's network office or the state coordination may.")
        raise SurveyNotFound(survey_id)
    return survey


async def open_survey(
    *, session: AsyncSession, principal: Principal, survey_id: uuid.UUID
) -> Survey:
    """Open a draft for answers; emits ``planning.survey.opened``."""
    survey = await _managed(session, principal, survey_id, for_update=True)
    if survey.status != "draft":
        raise Conflict(
            f"The survey is {survey.status}; only a draft can be opened.", rule="survey-not-draft"
        )
    if survey.closes_on is not None and survey.closes_on < berlin_day(utcnow()):
        raise Conflict(
            f"The survey closed on {survey.closes_on.isoformat()}; set a later closing date.",
            rule="survey-closing-date-passed",
        )
    survey.status = "open"
    survey.touch()
    await _announce(session, survey, SurveyOpened(**_event_data(survey)))
    await record(
        session, audit_log, actor=principal, action="survey.opened", resource=_resource(survey)
    )
    return survey


async def close_survey(
    *, session: AsyncSession, principal: Principal, survey_id: uuid.UUID
) -> Survey:
    """Close an open survey; emits ``planning.survey.closed`` with the demand per topic."""
    survey = await _managed(session, principal, survey_id, for_update=True)
    if survey.status != "open":
        raise Conflict(
            f"The survey is {survey.status}; only an open one can be closed.",
            rule="survey-not-open",
        )
    survey.status = "closed"
    survey.touch()
    results = tally(survey, await repository.answers_of(session, survey.id))
    demand = {topic.slug: topic.count for topic in results.topics}
    await _announce(
        session,
        survey,
        SurveyClosed(**_event_data(survey), responses=results.responses, topic_demand=demand),
    )
    await record(
        session, audit_log, actor=principal, action="survey.closed", resource=_resource(survey)
    )
    return survey


async def issue_invitations(
    *, session: AsyncSession, principal: Principal, survey_id: uuid.UUID, data: CodesCreate
) -> list[str]:
    """New invitation codes for an invited survey (shown once; only their hashes are kept)."""
    survey = await _managed(session, principal, survey_id, for_update=True)
    if survey.anonymous:
        raise Conflict(
            "The survey is anonymous: anyone with its link answers; it has no invitations.",
            rule="survey-anonymous",
        )
    if survey.status == "closed":
        raise SurveyNotOpen("The survey is closed; it takes no more invitations.")
    codes = [new_code() for _ in range(data.count)]
    await repository.add_passes(
        session, survey.id, "invitation", [code_hash(c) for c in codes], utcnow()
    )
    await record(
        session,
        audit_log,
        actor=principal,
        action="survey.invitations_issued",
        resource=_resource(survey),
    )
    return codes


async def invitation_counts(
    *, session: AsyncSession, principal: Principal, survey_id: uuid.UUID
) -> tuple[int, int]:
    """(issued, used) invitation codes of a survey."""
    survey = await _managed(session, principal, survey_id)
    return await repository.pass_counts(session, survey.id, "invitation")


async def issue_ticket(*, session: AsyncSession, survey_id: uuid.UUID) -> str:
    """A ticket for one anonymous answer to an open anonymous survey."""
    survey = await get_survey(session=session, principal=None, survey_id=survey_id)
    if not survey.anonymous:
        raise Conflict(
            "The survey answers by invitation: use the code from your invitation.",
            rule="survey-invited",
        )
    _check_open(survey)
    ticket = new_code()
    await repository.add_passes(session, survey.id, "ticket", [code_hash(ticket)], utcnow())
    return ticket


async def respond(
    *, session: AsyncSession, survey_id: uuid.UUID, data: ResponseCreate, max_responses: int
) -> None:
    """Count one set of answers: checked against the questions, let in by an unused code."""
    survey = await get_survey(session=session, principal=None, survey_id=survey_id)
    _check_open(survey)
    answers = check_answers(survey.questions, data.answers)
    kind: PassKind = "ticket" if survey.anonymous else "invitation"
    code = data.ticket if survey.anonymous else data.invitation
    if code is None:
        raise Unprocessable(
            "An anonymous survey's answer carries the form's ticket (POST …/tickets)."
            if survey.anonymous
            else "An invited survey's answer carries the invitation code.",
            errors=[_error(kind, "required", "missing")],
        )
    hashed = code_hash(code)
    if not await repository.use_pass(session, survey.id, kind, hashed, utcnow()):
        if await repository.pass_exists(session, survey.id, kind, hashed):
            raise Conflict(
                "This survey was already answered with this code; each code counts once.",
                rule="survey-already-answered",
            )
        raise Unprocessable(
            f"The {kind} is not one of this survey's.",
            errors=[_error(kind, "unknown code", "code")],
        )
    if not await repository.count_response(session, survey.id, max_responses):
        raise SurveyNotOpen(f"The survey has taken its {max_responses} answers.")
    await repository.add_response(
        session,
        SurveyResponse(survey_id=survey.id, answers=answers, submitted_on=berlin_day(utcnow())),
    )


async def results(
    *, session: AsyncSession, principal: Principal, survey_id: uuid.UUID
) -> SurveyResults:
    """The counts of a survey's answers, for its office and the state coordination."""
    survey = await _managed(session, principal, survey_id)
    return tally(survey, await repository.answers_of(session, survey.id))


# --------------------------------------------------------------------------- rules


def _check_open(survey: Survey) -> None:
    today = berlin_day(utcnow())
    if survey.status != "open":
        raise SurveyNotOpen(f"The survey is {survey.status}; it takes no answers.")
    if survey.opens_on is not None and today < survey.opens_on:
        raise SurveyNotOpen(f"The survey opens on {survey.opens_on.isoformat()}.")
    if survey.closes_on is not None and today > survey.closes_on:
        raise SurveyNotOpen(f"The survey closed on {survey.closes_on.isoformat()}.")


def _error(field: str, message: str, kind: str) -> FieldError:
    return FieldError(field=field, location="body", message=message, type=kind)


def check_answers(questions: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, Any]:
    """The answers as stored (unanswered questions left out), or a 422 naming each wrong one."""
    errors: list[FieldError] = []
    by_key = {question["key"]: question for question in questions}
    errors += [
        _error(f"answers.{key}"[:200], "not a question of this survey", "unknown_question")
        for key in answers
        if key not in by_key
    ]
    kept: dict[str, Any] = {}
    for key, question in by_key.items():
        value = answers.get(key)
        if value is None or value == "" or value == []:
            if question["required"]:
                errors.append(_error(f"answers.{key}", "this question must be answered", "missing"))
            continue
        problem = _answer_problem(question, value)
        if problem:
            errors.append(_error(f"answers.{key}", problem, "answer"))
        else:
            kept[key] = value.strip() if isinstance(value, str) else value
    if errors:
        raise Unprocessable("Some answers do not fit their questions.", errors=errors)
    return kept


def _answer_problem(question: dict[str, Any], value: Any) -> str | None:
    kind = question["kind"]
    keys = [choice["key"] for choice in question["choices"]]
    if kind == "single":
        return None if isinstance(value, str) and value in keys else f"one of: {', '.join(keys)}"
    if kind == "multiple":
        if (
            isinstance(value, list)
            and all(isinstance(v, str) and v in keys for v in value)
            and len(set(value)) == len(value)
        ):
            return None
        return f"a list of distinct choices out of: {', '.join(keys)}"
    if kind == "scale":
        low, high = question["scale_min"], question["scale_max"]
        ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        return None if ok else f"a whole number from {low} to {high}"
    ok = isinstance(value, str) and len(value.strip()) <= MAX_TEXT_ANSWER
    return None if ok else f"a text of at most {MAX_TEXT_ANSWER} characters"


def tally(survey: Survey, answers: list[dict[str, Any]]) -> SurveyResults:
    """Count the answers per question, choice and scale value, and the demand per topic."""
    questions: list[QuestionResult] = []
    topics: Counter[str] = Counter()
    for question in survey.questions:
        key, kind = question["key"], question["kind"]
        given = [a[key] for a in answers if key in a]
        result = QuestionResult(key=key, text=question["text"], kind=kind, answered=len(given))
        if kind in ("single", "multiple"):
            chosen = Counter(v for value in given for v in ([value] if kind == "single" else value))
            for choice in question["choices"]:
                count = chosen[choice["key"]]
                result.choices.append(ChoiceCount(**choice, count=count))
                if choice.get("topic"):
                    topics[choice["topic"]] += count
        elif kind == "scale":
            values = Counter(given)
            result.scale = [
                ScaleCount(value=v, count=values[v])
                for v in range(question["scale_min"], question["scale_max"] + 1)
            ]
            result.mean = round(sum(given) / len(given), 2) if given else None
        else:
            result.texts = sorted(given)
        questions.append(result)
    return SurveyResults(
        survey_id=survey.id,
        title=survey.title,
        status=survey.status,  # type: ignore[arg-type]  # one of SurveyStatus by construction
        responses=len(answers),
        questions=questions,
        topics=[
            TopicDemand(slug=slug, name=TOPICS[slug], count=count)
            for slug, count in sorted(topics.items(), key=lambda item: (-item[1], item[0]))
        ],
    )


def _resource(survey: Survey) -> str:
    return resource_of("surveys", survey.id)


def survey_topics(survey: Survey) -> list[str]:
    """The topic slugs the survey's choices stand for."""
    return sorted({c["topic"] for q in survey.questions for c in q["choices"] if c.get("topic")})


def _event_data(survey: Survey) -> dict[str, Any]:
    topics = survey_topics(survey)
    return {
        "version": survey.version,
        "id": survey.id,
        "title": survey.title,
        "region": survey.region,
        "audience": survey.audience,
        "anonymous": survey.anonymous,
        "topics": topics,
    }


async def _announce(
    session: AsyncSession, survey: Survey, payload: SurveyOpened | SurveyClosed
) -> None:
    await session.flush()
    await outbox.append(
        session, payload, entity_id=str(survey.id), region=subject_region(survey.region)
    )


async def own_data(
    _session: AsyncSession, _principal: Principal
) -> dict[str, list[dict[str, Any]]]:
    """What planning holds about the caller for ``GET /me/data``: nothing. Answers are linked to
    no one (a code, stored hashed, lets one answer in), and the figures are aggregates; what the
    caller changed here is in the audit log (``GET /audit``), named by the token subject only."""
    return {}


async def demand_per_topic(
    session: AsyncSession, region: str | None
) -> tuple[Counter[str], Counter[str]]:
    """How often each topic was chosen in the surveys of a region (None: all), and in how many
    of those surveys it was on offer."""
    chosen: Counter[str] = Counter()
    offered: Counter[str] = Counter()
    for survey in await repository.answered_surveys(session, region):
        found = tally(survey, await repository.answers_of(session, survey.id))
        chosen.update({topic.slug: topic.count for topic in found.topics})
        offered.update(survey_topics(survey))
    return chosen, offered


def housekeeping_tasks(runtime: Any) -> list[RetentionTask]:
    """Planning's clean-up run by the housekeeping: every view of an anonymous survey's form
    issues a ticket, so the unused ones are dropped after ``survey_ticket_hours`` and all of a
    closed survey's (nothing about anyone is in them; this keeps the table small)."""
    hours: int = runtime.settings.survey_ticket_hours

    async def tickets(session: AsyncSession, now: datetime) -> int:
        return await repository.drop_spare_tickets(session, now - timedelta(hours=hours))

    return [RetentionTask("survey_tickets", tickets, personal=False)]
