"""Request and response bodies of the needs surveys, and the rules a survey's questions keep."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from planning.common import TOPICS
from planning.models import Survey
from schulerfolg.http.validation import RequestModel

Audience = Literal[
    "schools", "school_social_work", "providers", "parents", "pupils", "teachers", "public"
]
QuestionKind = Literal["single", "multiple", "scale", "text"]
SurveyStatus = Literal["draft", "open", "closed"]

Key = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$"),
    Field(description="Lower-case letters, digits, '-' and '_' (up to 64), unique in its list."),
]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
QuestionText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)
]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=16, max_length=100)]

MAX_TEXT_ANSWER = 2000
MAX_CODES = 1000


def _unique(keys: list[str], what: str) -> None:
    doubled = sorted({key for key in keys if keys.count(key) > 1})
    if doubled:
        raise ValueError(f"each {what} key must be unique; repeated: {', '.join(doubled)}")


class Choice(RequestModel):
    """An option of a single or multiple choice question; ``topic`` ties it to a topic slug."""

    key: Key
    label: Label
    topic: str | None = Field(
        None, description="A topic slug of offers' GET /api/v1/topics that this option stands for."
    )

    @field_validator("topic")
    @classmethod
    def _known_topic(cls, value: str | None) -> str | None:
        if value is not None and value not in TOPICS:
            raise ValueError(
                f"'{value[:64]}' is not a topic; use a slug of GET /api/v1/topics "
                f"(e.g. {', '.join(list(TOPICS)[:3])})"
            )
        return value


class Question(RequestModel):
    """One question: single or multiple choice (with its options), a scale, or free text."""

    key: Key
    text: QuestionText
    kind: QuestionKind
    required: bool = False
    choices: list[Choice] = Field(default_factory=list, max_length=50)
    scale_min: int = Field(1, ge=0, le=10)
    scale_max: int = Field(5, ge=1, le=10)

    @model_validator(mode="after")
    def _fits_its_kind(self) -> Self:
        if self.kind in ("single", "multiple"):
            if len(self.choices) < 2:
                raise ValueError("a choice question needs at least two choices")
            _unique([choice.key for choice in self.choices], "choice")
        elif self.choices:
            raise ValueError(f"a {self.kind} question has no choices")
        if self.kind == "scale" and self.scale_min >= self.scale_max:
            raise ValueError("scale_min must be below scale_max")
        return self


class SurveyCreate(RequestModel):
    """A new survey; it starts as a draft."""

    title: Title
    description: Description = ""
    region: str | None = Field(
        None, description="Region slug of the network office; null or `state`: state-wide."
    )
    audience: list[Audience] = Field(min_length=1, max_length=7)
    anonymous: bool = Field(
        False,
        description=(
            "True: anyone with the link answers once per form (a ticket); false: only holders "
            "of an invitation code answer, once each."
        ),
    )
    opens_on: date | None = None
    closes_on: date | None = None
    questions: list[Question] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _unique([question.key for question in self.questions], "question")
        if len(set(self.audience)) != len(self.audience):
            raise ValueError("each audience must be named once")
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValueError("closes_on must not be before opens_on")
        return self


class SurveyPublic(BaseModel):
    """A survey as its office sees it, and (when open) as a respondent sees it."""

    id: uuid.UUID
    version: int
    region: str | None
    title: str
    description: str
    audience: list[str]
    anonymous: bool
    status: SurveyStatus
    opens_on: date | None
    closes_on: date | None
    questions: list[dict[str, Any]]
    responses: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, survey: Survey) -> SurveyPublic:
        return cls.model_validate(survey, from_attributes=True)


class ResponseCreate(RequestModel):
    """Answers to a survey: question key → a choice key, a list of them, a number or text."""

    answers: dict[str, Any] = Field(max_length=100)
    invitation: Code | None = Field(None, description="The invitation code (invited surveys).")
    ticket: Code | None = Field(None, description="The form's ticket (anonymous surveys).")


class ResponseAccepted(BaseModel):
    """What a respondent learns: that the answers were counted."""

    survey_id: uuid.UUID
    accepted: bool = True


class CodesCreate(RequestModel):
    """How many invitation codes to issue (one per invited person)."""

    count: int = Field(ge=1, le=MAX_CODES)


class Codes(BaseModel):
    """Freshly issued invitation codes: shown once, only their hashes are kept."""

    survey_id: uuid.UUID
    codes: list[str]


class CodesSummary(BaseModel):
    """How many invitation codes were issued and how many were used."""

    survey_id: uuid.UUID
    issued: int
    used: int


class Ticket(BaseModel):
    """A one-time ticket for one anonymous answer."""

    survey_id: uuid.UUID
    ticket: str


class ChoiceCount(BaseModel):
    key: str
    label: str
    topic: str | None = None
    count: int


class ScaleCount(BaseModel):
    value: int
    count: int


class QuestionResult(BaseModel):
    """The counts of one question: per choice, per scale value (with the mean), or the texts."""

    key: str
    text: str
    kind: QuestionKind
    answered: int
    choices: list[ChoiceCount] = Field(default_factory=list)
    scale: list[ScaleCount] = Field(default_factory=list)
    mean: float | None = None
    texts: list[str] = Field(default_factory=list)


class TopicDemand(BaseModel):
    """How often a topic was chosen (over all choices that stand for it)."""

    slug: str
    name: str
    count: int


class SurveyResults(BaseModel):
    """A survey's results: counts per question and option, and the demand per topic."""

    survey_id: uuid.UUID
    title: str
    status: SurveyStatus
    responses: int
    questions: list[QuestionResult]
    topics: list[TopicDemand]

    def csv_rows(self) -> tuple[list[str], list[list[Any]]]:
        """One row per choice, scale value and topic (free texts are not counted in the CSV)."""
        header = ["frage", "art", "antwort", "thema", "anzahl"]
        rows: list[list[Any]] = []
        for question in self.questions:
            rows += [
                [question.key, question.kind, c.key, c.topic or "", c.count]
                for c in question.choices
            ]
            rows += [[question.key, question.kind, s.value, "", s.count] for s in question.scale]
            if question.kind == "text":
                rows.append([question.key, question.kind, "", "", question.answered])
        rows += [["", "thema", "", topic.slug, topic.count] for topic in self.topics]
        return header, rows
