"""Request and response bodies of the materials API, and the rules for their text."""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from registry.common import REGION_SLUGS
from registry.models import Material
from schulerfolg.app import API_PREFIX
from schulerfolg.http.problems import FieldError
from schulerfolg.http.validation import RequestModel
from schulerfolg.storage import ReceivedFile

STATE = "state"  # the region token for state-wide materials (``?region=state``)
MAX_FILENAME_LENGTH = 255
FALLBACK_FILENAME = "material"

# Characters that never belong in stored names and titles (beyond what RequestModel refuses):
# control and format characters (bidi overrides that disguise "exe.pdf" as "fdp.exe"), lone
# surrogates (unencodable; PostgreSQL would refuse them with a server error) and line or
# paragraph separators.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_PATH_SEPARATORS = re.compile(r"[/\\]")


def _has_unsafe(text: str, *, allow: str = "") -> bool:
    return any(unicodedata.category(c) in _UNSAFE_CATEGORIES and c not in allow for c in text)


def _single_line(value: str) -> str:
    if _has_unsafe(value):
        raise PydanticCustomError(
            "control_characters", "must not contain control characters or line breaks"
        )
    return value


def _multi_line(value: str) -> str:
    if _has_unsafe(value, allow="\t\n\r"):
        raise PydanticCustomError(
            "control_characters", "must not contain control characters (line breaks are fine)"
        )
    return value


def _known_region(value: str | None) -> str | None:
    """A region slug, with empty and ``state`` meaning state-wide (None)."""
    if value is None or value.strip() in ("", STATE):
        return None
    if value not in REGION_SLUGS:
        raise PydanticCustomError(
            "region",
            "'{region}' is not a region; use one of the 14 slugs of GET /api/v1/regions, "
            "or leave it empty (or 'state') for a state-wide material",
            {"region": value[:64]},
        )
    return value


Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
    AfterValidator(_single_line),
]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=4000), AfterValidator(_multi_line)
]
RegionSlug = Annotated[str | None, AfterValidator(_known_region)]
SearchQuery = Annotated[str, AfterValidator(_single_line)]


def _empty_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class MaterialForm(RequestModel):
    """The text fields of an upload (``multipart/form-data`` next to the ``file``)."""

    title: Title
    description: Description | None = None
    region: RegionSlug = Field(
        default=None, description="Region slug; empty or 'state' for a state-wide material."
    )

    @field_validator("description", mode="before")
    @classmethod
    def _blank_description(cls, value: Any) -> Any:
        return _empty_is_none(value)


class MaterialUpdate(RequestModel):
    """A partial change of a material's title, description or region (its file stays)."""

    title: Title | None = None
    description: Description | None = Field(default=None, description="Empty or null clears it.")
    region: RegionSlug = Field(
        default=None, description="Region slug; null or 'state' makes the material state-wide."
    )

    @field_validator("description", mode="before")
    @classmethod
    def _blank_description(cls, value: Any) -> Any:
        return _empty_is_none(value)

    @field_validator("title")
    @classmethod
    def _title_not_null(cls, value: str | None) -> str:
        if value is None:
            raise PydanticCustomError(
                "title_required", "a material needs a title; leave the field out to keep it"
            )
        return value

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, as column values."""
        return self.model_dump(include=self.model_fields_set)


class MaterialPublic(BaseModel):
    """A material: its description and where to download its file."""

    id: uuid.UUID
    title: str
    description: str | None
    region: str | None = Field(description="Region slug; null for a state-wide material.")
    filename: str
    content_type: str
    size_bytes: int
    sha256: str = Field(description="SHA-256 of the file, hex; also the download's ETag.")
    download_url: str
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, material: Material) -> MaterialPublic:
        """The public view of a material row."""
        return cls(
            id=material.id,
            title=material.title,
            description=material.description,
            region=material.region,
            filename=material.filename,
            content_type=material.content_type,
            size_bytes=material.size_bytes,
            sha256=material.sha256,
            download_url=download_url(material.id),
            created_at=material.created_at,
            updated_at=material.updated_at,
            version=material.version,
        )


@dataclass(frozen=True)
class MaterialUpload:
    """A received upload: its validated fields and the file waiting in a temporary place."""

    form: MaterialForm
    file: ReceivedFile
    filename: str
    content_type: str

    def fingerprint(self) -> dict[str, Any]:
        """What makes two uploads the same request (for ``Idempotency-Key``)."""
        return self.form.model_dump() | {
            "filename": self.filename,
            "content_type": self.content_type,
            "sha256": self.file.sha256,
        }


def material_path(material_id: uuid.UUID) -> str:
    """The URL path of a material."""
    return f"{API_PREFIX}/materials/{material_id}"


def download_url(material_id: uuid.UUID) -> str:
    """The URL path of a material's file."""
    return f"{material_path(material_id)}/file"


def clean_filename(raw: str | None, *, extension: str = "") -> str:
    """A stored file name: the base name only, no control characters, at most 255 characters.

    Browsers may send a whole path ("C:\\Users\\…\\Leitfaden.pdf"); macOS sends decomposed
    umlauts (NFD), which are composed here so "Börde" is always the same string.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = _PATH_SEPARATORS.split(name)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in _UNSAFE_CATEGORIES).strip()
    if name in ("", ".", ".."):
        name = FALLBACK_FILENAME + extension
    if len(name) > MAX_FILENAME_LENGTH:
        suffix = PurePosixPath(name).suffix
        suffix = suffix if len(suffix) <= 16 else ""
        name = name[: MAX_FILENAME_LENGTH - len(suffix)].rstrip() + suffix
    return name


def field_errors(exc: ValidationError, *, location: str = "body") -> list[FieldError]:
    """The invalid fields of a pydantic validation error, as problem entries."""
    return [
        FieldError(
            field=".".join(str(part) for part in error["loc"]) or location,
            location=location,
            message=error["msg"],
            type=error["type"],
        )
        for error in exc.errors(include_url=False)
    ]
