"""Domain functions for attachments. They change state and append events; they never commit.

Who may do what:

- read (list, download): whoever may read the application;
- add and remove: the applying school or partner while the application is ``draft`` or
  ``returned``, and receipts and reports (for the proof of use) while it is ``approved``; the
  network office of its region (and the state coordination) always.

An upload's type is found from its content (the first bytes; for ZIP containers the entries
inside), never from its name or declared type: a PNG named ``.pdf`` is stored as a PNG, a program
renamed ``.pdf`` is refused. Files live in a ``FileStorage`` (``attachments_dir``). When the
application's retention ends (``retention_contact_years``, the same moment its contact data is
anonymised) each attachment's file is deleted and ``erased_at`` set; the row stays.

An erasure request for the contact's address (``erasing``) deletes the files of the contact's
applications the same way, at once — except, on a funded application (``approved``,
``reported``, ``completed``), its receipts, proof-of-use report and signed application
(``KEPT_WHILE_FUNDED``): they prove how public money was granted and used, which funding law
requires to be kept (five years, CONTRACT.md "privacy"), so erasure does not reach them
(Art. 17(3)(b) GDPR) until the retention ends and deletes them. Their texts (title, receipts'
payees) lost the contact's name with the erasure already. Quotes, cooperation agreements and
other files, and every file of an application that never got money, go.
"""

from __future__ import annotations

import os
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import anyio
import structlog
from sqlalchemy import and_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from offers.applications import access
from offers.applications import service as applications
from offers.applications.rules import FUNDED
from offers.attachments import repository
from offers.attachments.schemas import KINDS, TITLE_MAX, AttachmentUpload
from offers.common import subject_region
from offers.models import Application, Attachment, audit_log, outbox
from offers.privacy import service as privacy
from schulerfolg.auth import Principal
from schulerfolg.db import Database, utcnow
from schulerfolg.events.offers import AttachmentAdded, AttachmentRemoved
from schulerfolg.http.problems import Conflict, FieldError, Forbidden, NotFound, Problem
from schulerfolg.privacy import audit
from schulerfolg.privacy.retention import RetentionTask
from schulerfolg.storage import (
    FileStorage,
    FileTooLarge,
    remove_after_commit,
    remove_unless_committed,
)

log = structlog.get_logger("offers.attachments")

APPLICANT_STATUSES = ("draft", "returned")
# What the applicant side adds for the proof of use once the application is approved.
PROOF_KINDS = ("receipt", "report")
PROOF_STATUSES = ("approved",)
BATCH = 500  # files deleted per housekeeping round at most

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", DOCX: ".docx", XLSX: ".xlsx", ODT: ".odt"}
EXTENSIONS[ODS] = ".ods"
ACCEPTED = "PDF, PNG, JPEG, docx, xlsx, odt, ods"


class AttachmentTooLarge(FileTooLarge):
    """The file is larger than ``attachment_max_bytes``."""

    slug = "attachment-too-large"


class UnsupportedAttachmentType(Problem):
    """The file's content is none of the accepted types."""

    status, title, slug = 415, "Unsupported media type", "unsupported-attachment-type"

    def __init__(self) -> None:
        super().__init__(
            f"The file's content is not one of the accepted types ({ACCEPTED}).",
            errors=[
                FieldError(
                    field="file",
                    location="body",
                    message=f"not one of {ACCEPTED}",
                    type="file_type",
                )
            ],
        )


class TooManyAttachments(Conflict):
    """The application already has as many attachments as allowed."""

    slug = "attachment-limit-reached"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"The application already has {limit} attachments, the most allowed; remove one first.",
            errors=[
                FieldError(
                    field="file",
                    location="body",
                    message=f"at most {limit} attachments",
                    type="too_many",
                )
            ],
        )


class AttachmentNotFound(NotFound):
    """No such attachment on that application."""

    slug = "attachment-not-found"

    def __init__(self, attachment_id: uuid.UUID) -> None:
        super().__init__(f"There is no attachment {attachment_id} on this application.")


class AttachmentFileGone(NotFound):
    """The attachment's file was deleted (retention) or is missing."""

    slug = "attachment-file-gone"

    def __init__(self, attachment_id: uuid.UUID) -> None:
        super().__init__(
            f"The file of attachment {attachment_id} is no longer available "
            "(deleted with the application's personal data, or lost)."
        )


class AttachmentsLocked(Conflict):
    """The applicant may no longer change the attachments."""

    slug = "attachments-locked"

    def __init__(self, status: str) -> None:
        super().__init__(
            f"The application is '{status}': the applicant may add or remove attachments only "
            "while it is a draft or returned, and receipts and reports while it is approved; "
            "ask the network office."
        )


def storage_of(settings: Any) -> FileStorage:
    """The attachments' file storage for the service's settings."""
    return FileStorage(
        settings.attachments_dir,
        max_bytes=settings.attachment_max_bytes,
        too_large=AttachmentTooLarge,
    )


# --------------------------------------------------------------------------- content


def detect_type(path: Path, head: bytes) -> str | None:
    """The accepted media type the file's content is, or None (blocking: may open a ZIP)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _office_type(path)
    return None


def _office_type(path: Path) -> str | None:
    """An OOXML or ODF document by the entries of its ZIP container."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:  # ODF: the type is the first entry's (stored) content
                with archive.open("mimetype") as entry:
                    declared = entry.read(100).decode("ascii", "replace").strip()
                return declared if declared in (ODT, ODS) else None
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        return None
    return None


def stored_filename(name: str | None, content_type: str) -> str:
    """The client's file name without directories or control characters, with the extension of
    the type found in the content."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = "".join(c for c in unicodedata.normalize("NFC", base) if c.isprintable())
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", base).strip(" .") or "anhang"
    return stem[:200] + EXTENSIONS[content_type]


def check_form(kind: str | None, title: str | None) -> list[FieldError]:
    """The form's field errors (kind one of KINDS, a title of 1–300 characters)."""
    errors = []
    if kind not in KINDS:
        errors.append(
            FieldError(
                field="kind",
                location="body",
                message=f"must be one of {', '.join(KINDS)}",
                type="enum",
            )
        )
    text = (title or "").strip()
    if not text or len(text) > TITLE_MAX:
        errors.append(
            FieldError(
                field="title",
                location="body",
                message=f"1 to {TITLE_MAX} characters",
                type="string_length",
            )
        )
    return errors


# --------------------------------------------------------------------------- access


def ensure_may_change(principal: Principal, app: Application, kind: str) -> None:
    """The office always; the applicant side while ``draft``/``returned`` (receipts and reports
    also while ``approved``); nobody else."""
    if access.is_office_for(principal, app.region):
        return
    if not access.is_applicant(principal, app):
        raise Forbidden(
            "Only the applying school, its partners or the network office may change attachments."
        )
    if app.status in APPLICANT_STATUSES:
        return
    if kind in PROOF_KINDS and app.status in PROOF_STATUSES:
        return
    raise AttachmentsLocked(app.status)


async def application_for_change(
    *, session: AsyncSession, principal: Principal, application_id: uuid.UUID, kind: str
) -> Application:
    """The application, locked, once the caller may change its attachments of ``kind``."""
    app = await locked_application(
        session=session, principal=principal, application_id=application_id
    )
    ensure_may_change(principal, app, kind)
    return app


async def locked_application(
    *, session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> Application:
    """The application the caller may read, locked for a change of its attachments."""
    return await applications.get_visible(
        session=session, principal=principal, application_id=application_id, lock=True
    )


# --------------------------------------------------------------------------- changes


def _event_data(app: Application, attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "application_id": app.id,
        "region": app.region,
        "kind": attachment.kind,
        "title": attachment.title,
        "content_type": attachment.content_type,
        "size_bytes": attachment.size_bytes,
    }


async def _emit(session: AsyncSession, payload: Any, app: Application) -> None:
    """The event on ``attachments/<id>`` in the application's region."""
    await outbox.append(
        session, payload, entity_id=str(payload.id), region=subject_region(app.region)
    )


async def add(
    *,
    session: AsyncSession,
    principal: Principal,
    app: Application,
    storage: FileStorage,
    upload: AttachmentUpload,
    max_count: int,
) -> Attachment:
    """Store an upload as an attachment of ``app`` (already checked with ``ensure_may_change``)."""
    content_type = await anyio.to_thread.run_sync(detect_type, upload.file.path, upload.file.head)
    if content_type is None:
        raise UnsupportedAttachmentType()
    if await repository.count_for(session, app.id) >= max_count:
        raise TooManyAttachments(max_count)
    attachment = Attachment(
        application_id=app.id,
        kind=upload.kind,
        title=upload.title,
        filename=stored_filename(upload.filename, content_type),
        content_type=content_type,
        size_bytes=upload.file.size_bytes,
        sha256=upload.file.sha256,
        storage_key=uuid.uuid4().hex,
        uploaded_by=principal.sub,
    )
    session.add(attachment)
    await session.flush()
    remove_unless_committed(session, storage, attachment.storage_key)
    await anyio.to_thread.run_sync(storage.place, upload.file.path, attachment.storage_key)
    await privacy.record_change(session, principal, "attachment.added", app.id)
    await _emit(session, AttachmentAdded(**_event_data(app, attachment)), app)
    log.info(
        "offers.attachment.added",
        application_id=str(app.id),
        attachment_id=str(attachment.id),
        content_type=content_type,
        size_bytes=attachment.size_bytes,
    )
    return attachment


async def remove(
    *,
    session: AsyncSession,
    principal: Principal,
    storage: FileStorage,
    application_id: uuid.UUID,
    attachment_id: uuid.UUID,
) -> None:
    """Delete an attachment; its file goes once the deletion has committed."""
    app = await locked_application(
        session=session, principal=principal, application_id=application_id
    )
    attachment = await repository.get(session, app.id, attachment_id)
    if attachment is None:
        ensure_may_change(principal, app, "other")  # who may not change learns nothing more
        raise AttachmentNotFound(attachment_id)
    ensure_may_change(principal, app, attachment.kind)
    data = _event_data(app, attachment)
    await session.delete(attachment)
    if attachment.erased_at is None:
        remove_after_commit(session, storage, attachment.storage_key)
    await privacy.record_change(session, principal, "attachment.removed", app.id)
    await _emit(session, AttachmentRemoved(**data), app)
    log.info(
        "offers.attachment.removed", application_id=str(app.id), attachment_id=str(attachment_id)
    )


# --------------------------------------------------------------------------- reading


async def list_attachments(
    *, session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> tuple[Application, list[Attachment]]:
    """The application's attachments, for whoever may read the application."""
    app = await applications.get_visible(
        session=session, principal=principal, application_id=application_id
    )
    return app, await repository.list_for(session, app.id)


async def attachment_file(
    *,
    session: AsyncSession,
    principal: Principal,
    storage: FileStorage,
    application_id: uuid.UUID,
    attachment_id: uuid.UUID,
) -> tuple[Application, Attachment, Path, os.stat_result]:
    """An attachment with its stored file's path and status (404 when erased or missing)."""
    app = await applications.get_visible(
        session=session, principal=principal, application_id=application_id
    )
    attachment = await repository.get(session, app.id, attachment_id)
    if attachment is None:
        raise AttachmentNotFound(attachment_id)
    if attachment.erased_at is not None:
        raise AttachmentFileGone(attachment_id)
    found = await anyio.to_thread.run_sync(storage.stat, attachment.storage_key)
    if found is None or found.st_size != attachment.size_bytes:
        log.error(
            "offers.attachment.file_missing",
            attachment_id=str(attachment.id),
            storage_key=attachment.storage_key,
        )
        raise AttachmentFileGone(attachment_id)
    return app, attachment, storage.path_of(attachment.storage_key), found


async def record_download(
    db: Database, principal: Principal, app: Application, attachment: Attachment
) -> None:
    """Audit a download by anyone but the applying school or partner."""
    if access.is_applicant(principal, app):
        return
    await audit.record_read(
        db,
        audit_log,
        actor=principal,
        action="attachment.downloaded",
        resource=audit.resource_of("applications", app.id),
    )


# --------------------------------------------------------------------------- retention


async def erase_due_files(
    session: AsyncSession, storage: FileStorage, now: datetime, *, years: int
) -> int:
    """Delete the files of attachments whose application's retention has ended (the rows stay,
    with ``erased_at``); how many (at most ``BATCH`` per round)."""
    due = privacy.due(privacy.years_before(now, years))
    attachments = await repository.files_due(session, due, BATCH)
    for app_id in sorted(_erase_files(session, storage, attachments, now)):
        await privacy.record_change(session, audit.SYSTEM, "attachment.files_erased", app_id)
    return len(attachments)


def _erase_files(
    session: AsyncSession, storage: FileStorage, attachments: list[Attachment], now: datetime
) -> set[uuid.UUID]:
    """Mark the attachments' files deleted and remove them after the commit; their applications."""
    for attachment in attachments:
        repository.erased_now(attachment, now)
        session.add(attachment)
        remove_after_commit(session, storage, attachment.storage_key)
    return {a.application_id for a in attachments}


# --------------------------------------------------------------------------- erasure

KEPT_WHILE_FUNDED = ("receipt", "report", "signed_application")
"""The files a funded application keeps after its contact's erasure (see the module text)."""

Erase = Callable[[AsyncSession, str], Awaitable[dict[str, int]]]


def erasing(erase: Erase, runtime: Any) -> Erase:
    """Offers' erase, then the files of the erased contact's applications deleted (in the
    erasure's transaction) but those funding law keeps; the count ``attachment_files``."""
    storage = storage_of(runtime.settings)
    kept = and_(col(Application.status).in_(FUNDED), col(Attachment.kind).in_(KEPT_WHILE_FUNDED))

    async def run(session: AsyncSession, email: str) -> dict[str, int]:
        app_ids = await repository.contact_applications(session, email)
        counts = await erase(session, email)
        attachments = await repository.files_of(session, app_ids, kept)
        for app_id in sorted(_erase_files(session, storage, attachments, utcnow())):
            await privacy.record_change(session, audit.SYSTEM, "attachment.files_erased", app_id)
        return counts | {"attachment_files": len(attachments)}

    return run


def retention_tasks(runtime: Any) -> list[RetentionTask]:
    """Attachments' files go with the application's contact data (``retention_contact_years``);
    listed before the contacts' task, whose anonymisation changes a draft's ``updated_at``."""
    settings = runtime.settings
    storage = storage_of(settings)

    async def run(session: AsyncSession, now: datetime) -> int:
        return await erase_due_files(session, storage, now, years=settings.retention_contact_years)

    return [RetentionTask("attachment_files", run)]
