"""Domain functions for materials. They change state; they never commit.

Materials emit no events (the contract lists none): nothing else in the suite keeps a copy.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import anyio
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from registry.common import apply_changes, check_region_filter, get_by_id
from registry.materials import repository
from registry.materials.schemas import STATE, MaterialUpdate, MaterialUpload, clean_filename
from registry.models import Material
from schulerfolg.auth import Principal, ensure_may_manage_region
from schulerfolg.db import utcnow
from schulerfolg.http.etag import check_if_match
from schulerfolg.http.pagination import PageParams, decode_cursor
from schulerfolg.http.problems import (
    BadRequest,
    FieldError,
    Forbidden,
    NotFound,
    Problem,
)
from schulerfolg.search import search_text
from schulerfolg.storage import (
    FileStorage,
    FileTooLarge,
    ReceivedFile,
    remove_after_commit,
    remove_unless_committed,
)

log = structlog.get_logger("registry.materials")

WRITER_ROLES = ("network_office", "state_coordinator")

_ZIP = b"PK\x03\x04"  # OOXML (docx, xlsx, pptx) and ODF (odt, ods, odp) are ZIP containers

# What a file of each type starts with (text types: valid UTF-8 without NUL bytes). An allowed
# type without a rule here (a deployment may add one) is accepted on its declared type alone;
# downloads are attachments with ``nosniff``, so a browser never renders them in the page.
SIGNATURES: dict[str, tuple[str, Callable[[ReceivedFile], bool]]] = {
    "application/pdf": ("a PDF document", lambda f: f.head.startswith(b"%PDF-")),
    "image/png": ("a PNG image", lambda f: f.head.startswith(b"\x89PNG\r\n\x1a\n")),
    "image/jpeg": ("a JPEG image", lambda f: f.head.startswith(b"\xff\xd8\xff")),
    "text/plain": ("UTF-8 text", lambda f: f.is_utf8_text),
    "text/csv": ("UTF-8 text", lambda f: f.is_utf8_text),
} | {
    office_type: ("an office document (ZIP container)", lambda f: f.head.startswith(_ZIP))
    for office_type in (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    )
}

# The extension of the fallback name "material.<ext>" for an upload sent without a file name.
EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
    "text/csv": ".csv",
}


class MaterialTooLarge(FileTooLarge):
    """The uploaded file is larger than ``materials_max_bytes``."""

    slug = "material-too-large"


class MaterialNotFound(NotFound):
    """No material has that id (or it was deleted)."""

    slug = "material-not-found"

    def __init__(self, material_id: uuid.UUID) -> None:
        super().__init__(f"There is no material {material_id}; it may have been deleted.")


class MaterialFileMissing(NotFound):
    """The material exists but its stored file does not."""

    slug = "material-file-missing"

    def __init__(self, material_id: uuid.UUID) -> None:
        super().__init__(
            f"The file of material {material_id} is not available; "
            "please tell the network office that published it."
        )


class UnsupportedMaterialType(Problem):
    """The file's type is not accepted, or its content is not what its type says."""

    status, title, slug = 415, "Unsupported media type", "unsupported-material-type"

    def __init__(self, reason: str, allowed_types: Sequence[str]) -> None:
        super().__init__(
            f"{reason} Accepted types: {', '.join(allowed_types)}.",
            errors=[FieldError(field="file", location="body", message=reason, type="file_type")],
        )


def ensure_may_upload(principal: Principal) -> None:
    """403 unless the caller's role may publish materials at all (checked before the upload)."""
    if not principal.has_role(*WRITER_ROLES):
        raise Forbidden("Only network offices and the state coordination may publish materials.")


def ensure_accepted_type(content_type: str, allowed_types: Sequence[str]) -> None:
    """415 unless the declared content type is one of ``allowed_types``."""
    if content_type not in allowed_types:
        shown = content_type[:100] or "no type"
        raise UnsupportedMaterialType(f"Files of type '{shown}' are not accepted.", allowed_types)


def ensure_content_matches(
    content_type: str, received: ReceivedFile, allowed_types: Sequence[str]
) -> None:
    """415 unless the file's bytes are what its declared type says."""
    rule = SIGNATURES.get(content_type)
    if rule is not None and not rule[1](received):
        raise UnsupportedMaterialType(
            f"The file was sent as '{content_type}' but its content is not {rule[0]}.",
            allowed_types,
        )


def stored_filename(raw: str | None, content_type: str) -> str:
    """The file name a material keeps (see ``clean_filename``)."""
    return clean_filename(raw, extension=EXTENSIONS.get(content_type, ""))


async def create_material(
    *,
    session: AsyncSession,
    principal: Principal,
    storage: FileStorage,
    upload: MaterialUpload,
    allowed_types: Sequence[str],
) -> Material:
    """Publish a received upload: file into storage, row into the unit of work."""
    form = upload.form
    ensure_may_manage_region(principal, form.region)
    ensure_accepted_type(upload.content_type, allowed_types)
    ensure_content_matches(upload.content_type, upload.file, allowed_types)
    material = Material(
        title=form.title,
        description=form.description,
        region=form.region,
        filename=upload.filename,
        content_type=upload.content_type,
        size_bytes=upload.file.size_bytes,
        sha256=upload.file.sha256,
        storage_key=uuid.uuid4().hex,
        search_text=search_text(form.title, form.description),
    )
    session.add(material)
    await session.flush()
    # From here the file is in place; should the unit of work not commit, it is removed again.
    remove_unless_committed(session, storage, material.storage_key)
    await anyio.to_thread.run_sync(storage.place, upload.file.path, material.storage_key)
    log.info(
        "registry.material.created",
        material_id=str(material.id),
        region=material.region or STATE,
        content_type=material.content_type,
        size_bytes=material.size_bytes,
    )
    return material


async def list_materials(
    *, session: AsyncSession, page: PageParams, region: str | None = None, q: str | None = None
) -> tuple[list[Material], str | None]:
    """Materials, one page; ``region`` is a slug or ``state`` (state-wide only)."""
    check_region_filter(region)
    _ensure_cursor_is_ours(page)
    return await repository.list_materials(session, page=page, region=region, q=q)


async def get_material(
    *, session: AsyncSession, material_id: uuid.UUID, for_update: bool = False
) -> Material:
    """One material that is not deleted, or MaterialNotFound."""
    material = await get_by_id(session, Material, material_id, for_update=for_update)
    if material is None or material.deleted_at is not None:
        raise MaterialNotFound(material_id)
    return material


async def update_material(
    *,
    session: AsyncSession,
    principal: Principal,
    material_id: uuid.UUID,
    update: MaterialUpdate,
    if_match: str | None,
) -> Material:
    """Change title, description or region; whoever moves it must manage both regions."""
    material = await get_material(session=session, material_id=material_id, for_update=True)
    ensure_may_manage_region(principal, material.region)
    changes = update.changes()
    if "region" in changes:
        ensure_may_manage_region(principal, changes["region"])
    check_if_match(if_match, material.version)
    if "title" in changes or "description" in changes:
        title = changes.get("title", material.title)
        description = changes.get("description", material.description)
        changes["search_text"] = search_text(title, description)
    if apply_changes(material, changes):
        session.add(material)
        log.info(
            "registry.material.updated", material_id=str(material.id), version=material.version
        )
    return material


async def delete_material(
    *,
    session: AsyncSession,
    principal: Principal,
    storage: FileStorage,
    material_id: uuid.UUID,
    if_match: str | None,
) -> None:
    """Soft-delete a material; its file is removed once the deletion has committed."""
    material = await get_material(session=session, material_id=material_id, for_update=True)
    ensure_may_manage_region(principal, material.region)
    check_if_match(if_match, material.version)
    material.deleted_at = utcnow()
    material.touch()
    session.add(material)
    remove_after_commit(session, storage, material.storage_key)
    log.info("registry.material.deleted", material_id=str(material.id))


async def material_file(
    *, session: AsyncSession, storage: FileStorage, material_id: uuid.UUID
) -> tuple[Material, Path, os.stat_result]:
    """A material with its stored file's path and status; a missing file is a logged 404."""
    material = await get_material(session=session, material_id=material_id)
    found = await anyio.to_thread.run_sync(storage.stat, material.storage_key)
    if found is None or found.st_size != material.size_bytes:
        log.error(
            "registry.material.file_missing",
            material_id=str(material.id),
            storage_key=material.storage_key,
            size_on_disk=None if found is None else found.st_size,
        )
        raise MaterialFileMissing(material.id)
    return material, storage.path_of(material.storage_key), found


def _ensure_cursor_is_ours(page: PageParams) -> None:
    """400 for a crafted cursor whose title holds NUL or a lone surrogate: PostgreSQL cannot
    compare such a string and would answer with a server error."""
    if not page.cursor:
        return
    title, material_id = decode_cursor(page.cursor, 2)
    if (
        isinstance(title, str)
        and isinstance(material_id, str)
        and "\x00" not in title
        and _encodable(title)
    ):
        return
    raise BadRequest(
        "The cursor is not valid; use the next_cursor of a previous page.",
        errors=[
            FieldError(field="cursor", location="query", message="invalid cursor", type="cursor")
        ],
    )


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return True
