"""Request bodies every service accepts: unknown fields refused, strings stripped, and no
control characters (PostgreSQL cannot store NUL; the others have no place in names and
addresses). Multi-line text keeps tabs and line breaks.

Invisible characters that change how text looks are refused too:

* Unicode bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) in every string:
  they reorder what a reader sees ("Trojan Source", spoofed file names) and no text of this
  programme needs them.
* Every other invisible format character (category Cf: U+200B–U+200D, U+2060, U+FEFF, …) in
  names and titles (fields called ``name``, ``title`` or ``…_name``/``…_title``), where two
  entries that look the same must be the same. Free text keeps them: the zero-width joiner
  builds emoji sequences, the soft hyphen marks where a long German word may break.
* Lone surrogates (from ``\ud800`` escapes in JSON) anywhere: they are not text and no database
  stores them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NAME_FIELD = re.compile(r"(?:^|_)(?:name|title)$")


def _check_text(text: str, *, name_like: bool) -> None:
    if _CONTROL.search(text):
        raise ValueError("must not contain control characters")
    if _SURROGATE.search(text):
        raise ValueError("must be valid Unicode text (it holds a lone surrogate)")
    if _BIDI.search(text):
        raise ValueError(
            "must not contain bidirectional control characters (such as U+202E), which "
            "change the order in which the text is shown"
        )
    if name_like and any(unicodedata.category(char) == "Cf" for char in text):
        raise ValueError(
            "must not contain invisible formatting characters (such as U+200B zero width space)"
        )


def reject_control_characters(value: Any, *, name_like: bool = False) -> Any:
    """Raise ValueError if a string, or a string in a list, holds control characters, bidi
    controls or lone surrogates; with ``name_like`` also any invisible format character.

    Nested objects are not entered here: nested request models are RequestModels themselves
    and report the exact field (``address.city``).
    """
    if isinstance(value, str):
        _check_text(value, name_like=name_like)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            if isinstance(item, str):
                _check_text(item, name_like=name_like)
    return value


def is_name_like(field_name: str | None) -> bool:
    """Whether a field holds a name or title (``name``, ``title``, ``…_name``, ``…_title``)."""
    return bool(field_name and _NAME_FIELD.search(field_name))


class RequestModel(BaseModel):
    """Base of every request body: ``extra="forbid"``, stripped strings, no control characters,
    no bidi controls, and no invisible characters in names and titles."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        return reject_control_characters(value, name_like=is_name_like(info.field_name))


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds a control character (for query strings and paths)."""
    return bool(_CONTROL.search(text))


def reject_null(value: Any) -> Any:
    """For PATCH bodies: a field that may be left out but never set to null."""
    if value is None:
        raise ValueError("may be left out but not set to null")
    return value
