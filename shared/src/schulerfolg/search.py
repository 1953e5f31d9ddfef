"""Search that ignores case and umlauts: "Borde", "boerde" and "Börde" all find "Börde".

Each searchable row stores ``search_text``: its words folded twice — diacritics stripped
("borde") and transliterated ("boerde"). A query is folded the first way and matched as a
substring, so both spellings a person might type find the row. On PostgreSQL a trigram
index serves the substring match.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy.orm import Mapped
from sqlalchemy.sql.elements import ColumnElement

_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_SPACES = re.compile(r"\s+")


def _strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: how queries are compared."""
    return _SPACES.sub(" ", _strip_diacritics(text.casefold())).strip()


def search_text(*parts: str | None) -> str:
    """The ``search_text`` of a row made of ``parts`` (name, city, …)."""
    joined = " ".join(p for p in parts if p)
    lowered = joined.casefold()
    variants = {fold(lowered), fold(lowered.translate(_TRANSLITERATION))}
    return " | ".join(sorted(variants))[:2000]


def matches(column: ColumnElement[Any] | Mapped[Any], query: str) -> ColumnElement[bool]:
    """``column`` contains the folded ``query`` (LIKE with its wildcards escaped)."""
    folded = fold(query)
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")
