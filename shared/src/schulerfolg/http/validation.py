"""Request bodies every service accepts: unknown fields refused, strings stripped, and no
control characters (PostgreSQL cannot store NUL; the others have no place in names and
addresses). Multi-line text keeps tabs and line breaks."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def reject_control_characters(value: Any) -> Any:
    """Raise ValueError if a string, or a string in a list, holds control characters.

    Nested objects are not entered here: nested request models are RequestModels themselves
    and report the exact field (``address.city``).
    """
    if isinstance(value, str):
        if _CONTROL.search(value):
            raise ValueError("must not contain control characters")
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            if isinstance(item, str):
                reject_control_characters(item)
    return value


class RequestModel(BaseModel):
    """Base of every request body: ``extra="forbid"``, stripped strings, no control characters."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        return reject_control_characters(value)


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds a control character (for query strings and paths)."""
    return bool(_CONTROL.search(text))


def reject_null(value: Any) -> Any:
    """For PATCH bodies: a field that may be left out but never set to null."""
    if value is None:
        raise ValueError("may be left out but not set to null")
    return value
