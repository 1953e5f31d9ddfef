"""Request and response bodies of erasure requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, EmailStr, Field, field_validator

from registry.common import Text
from registry.models import ErasureAnswer, ErasureRequest
from schulerfolg.http.validation import RequestModel

ErasureStatus = Literal["pending", "completed"]
ErasureOrigin = Literal["request", "person_erased"]


def email_hint(email: str) -> str:
    """``m…@example.org``: the first letter and the domain, never the whole address."""
    local, _, domain = email.strip().rpartition("@")
    return f"{local[:1]}…@{domain}"


class ErasureRequestCreate(RequestModel):
    """Erase what every service holds for an e-mail address."""

    email: Annotated[
        EmailStr, Field(max_length=320, description="The address whose data is to be erased.")
    ]
    reason: Annotated[Text, Field(max_length=500, description="Why (e.g. the person asked).")]

    @field_validator("email", mode="before")
    @classmethod
    def _address_only(cls, value: Any) -> Any:
        if isinstance(value, str) and ("<" in value or ">" in value):
            raise ValueError("give the address only, without a name")
        return value


class ServiceAnswer(BaseModel):
    """One service's part of an erasure request."""

    service: str
    status: ErasureStatus
    completed_at: datetime | None
    counts: dict[str, int] = Field(
        description="Records erased or pseudonymised, per kind (empty while pending)."
    )

    @classmethod
    def of(cls, answer: ErasureAnswer) -> ServiceAnswer:
        """The view of an answer row."""
        return cls(
            service=answer.service,
            status="pending" if answer.completed_at is None else "completed",
            completed_at=answer.completed_at,
            counts=dict(answer.counts or {}),
        )


class ErasureRequestView(BaseModel):
    """An erasure request as the state coordination sees it: never the full address."""

    id: uuid.UUID
    status: ErasureStatus
    email_hint: str = Field(description="First letter and domain of the address, e.g. m…@x.org.")
    reason: str
    origin: ErasureOrigin = Field(
        description="`request`: filed by hand; `person_erased`: a registry person was erased."
    )
    requested_by: str = Field(description="The token subject of whoever filed it.")
    created_at: datetime
    completed_at: datetime | None
    services: list[ServiceAnswer] = Field(description="Each service's answer, in a fixed order.")

    @classmethod
    def of(cls, request: ErasureRequest, answers: list[ErasureAnswer]) -> ErasureRequestView:
        """The view of a request row and its answers."""
        return cls(
            id=request.id,
            status=request.status,  # type: ignore[arg-type]  # a text column; written only from the Literal
            email_hint=request.email_hint,
            reason=request.reason,
            origin=request.origin,  # type: ignore[arg-type]  # a text column; written only from the Literal
            requested_by=request.requested_by,
            created_at=request.created_at,
            completed_at=request.completed_at,
            services=[ServiceAnswer.of(answer) for answer in answers],
        )
