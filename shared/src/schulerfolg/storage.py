"""Where uploaded files live, and how an upload gets there (registry's materials, offers'
attachments). ``FileStorage`` is the one interface: a directory on disk today; an object store
can replace it behind the same methods.

An upload is streamed into a private temporary file under ``<root>/.incoming``; its
size, SHA-256 and first bytes are recorded on the way, and it is refused (413) the moment it
grows past the limit. Only an accepted upload is moved into place — a rename within one file
system, so no reader ever sees half a file — at ``<root>/<key[:2]>/<key>`` under a
random storage key (the client's file name never becomes a path).

The file is placed first and its row written in the same request's unit of work; if that unit
of work does not commit, the placed file is removed again (``remove_unless_committed``). A
deleted record's file goes only once the deletion has committed (``remove_after_commit``).
A process killed between placing and committing can leave an orphan file; it is never served
(no row names it).
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import os
import re
import stat
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import structlog
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from schulerfolg.db import after_commit
from schulerfolg.http.problems import FieldError, Problem

log = structlog.get_logger("schulerfolg.storage")

INCOMING_DIR = ".incoming"
HEAD_BYTES = 64  # enough for every signature the type check looks at
STALE_INCOMING_SECONDS = 24 * 60 * 60  # temporary files older than this are left-overs of crashes
_STORAGE_KEY = re.compile(r"^[0-9a-f]{32}$")


def human_size(size: int) -> str:
    """A byte count as people read it ("20 MB")."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"


class FileTooLarge(Problem):
    """The uploaded file is larger than the storage's ``max_bytes`` (a service may subclass it
    for its own slug)."""

    status, title, slug = 413, "Content too large", "file-too-large"

    def __init__(self, max_bytes: int) -> None:
        limit = f"{human_size(max_bytes)} ({max_bytes} bytes)"
        super().__init__(
            f"The file is larger than the limit of {limit}; upload a smaller file.",
            errors=[
                FieldError(
                    field="file",
                    location="body",
                    message=f"larger than {limit}",
                    type="file_too_large",
                )
            ],
        )


@dataclass(frozen=True)
class ReceivedFile:
    """A completely received upload in its temporary file, with what was learnt on the way."""

    path: Path
    size_bytes: int
    sha256: str
    head: bytes  # the first bytes, for the signature check
    is_utf8_text: bool  # decodes as UTF-8 and contains no NUL byte


class IncomingFile:
    """A private temporary file an upload is written into chunk by chunk (blocking calls)."""

    def __init__(
        self, directory: Path, max_bytes: int, too_large: type[FileTooLarge] = FileTooLarge
    ) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=directory, prefix="upload-", suffix=".part")
        self.path = Path(name)
        self._file = os.fdopen(fd, "wb")
        self._max_bytes = max_bytes
        self._too_large = too_large
        self._size = 0
        self._sha256 = hashlib.sha256()
        self._head = bytearray()
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._text = True

    def write(self, data: bytes) -> None:
        """Append a chunk; the too-large problem before anything past the limit is written."""
        if self._size + len(data) > self._max_bytes:
            raise self._too_large(self._max_bytes)
        self._size += len(data)
        self._sha256.update(data)
        if len(self._head) < HEAD_BYTES:
            self._head += data[: HEAD_BYTES - len(self._head)]
        if self._text:
            self._text = self._still_text(data)
        self._file.write(data)

    def _still_text(self, data: bytes, *, final: bool = False) -> bool:
        if b"\x00" in data:
            return False
        try:
            self._utf8.decode(data, final)
        except UnicodeDecodeError:
            return False
        return True

    def finish(self) -> ReceivedFile:
        """Flush the file to disk and describe it."""
        if self._text:
            self._text = self._still_text(b"", final=True)  # a sequence cut off at the end
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        return ReceivedFile(
            path=self.path,
            size_bytes=self._size,
            sha256=self._sha256.hexdigest(),
            head=bytes(self._head),
            is_utf8_text=self._text,
        )

    def discard(self) -> None:
        """Close and remove the temporary file (a no-op once it has been moved into place)."""
        self._file.close()
        self.path.unlink(missing_ok=True)


class FileStorage:
    """The directory uploaded files are stored in (a service setting); blocking calls."""

    def __init__(
        self,
        root: Path | str,
        *,
        max_bytes: int,
        too_large: type[FileTooLarge] = FileTooLarge,
    ) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.too_large = too_large

    def incoming(self) -> IncomingFile:
        """A new temporary file for an upload; left-overs of crashed uploads are swept first."""
        directory = self.root / INCOMING_DIR
        self._sweep(directory)
        return IncomingFile(directory, self.max_bytes, self.too_large)

    def path_of(self, key: str) -> Path:
        """Where the file with storage key ``key`` lives."""
        if not _STORAGE_KEY.match(key):
            raise ValueError("not a storage key")
        return self.root / key[:2] / key

    def place(self, source: Path, key: str) -> None:
        """Move a received file to ``key`` atomically, creating directories as needed."""
        target = self.path_of(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        _fsync_directory(target.parent)

    def stat(self, key: str) -> os.stat_result | None:
        """The stored file's status, or None when there is no such regular file."""
        try:
            result = self.path_of(key).stat()
        except FileNotFoundError:
            return None
        return result if stat.S_ISREG(result.st_mode) else None

    def remove(self, key: str) -> bool:
        """Remove a stored file; whether there was one."""
        try:
            self.path_of(key).unlink()
        except FileNotFoundError:
            return False
        return True

    def _sweep(self, directory: Path) -> None:
        cutoff = time.time() - STALE_INCOMING_SECONDS
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(directory):
                with contextlib.suppress(OSError):
                    if entry.name.endswith(".part") and entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)
                        log.info("storage.stale_upload_removed", file=entry.name)


def _fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (where the platform allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_unless_committed(session: AsyncSession, storage: FileStorage, key: str) -> None:
    """Remove the file ``key`` when the session's current transaction ends without a commit.

    The session must be in a transaction (flush first). ``after_transaction_end`` fires however
    the transaction ends — rollback, failed commit, a session closed on cancellation — so the
    file goes unless ``after_commit`` saw this very transaction commit (that event also fires
    for savepoints, hence the check that no nested transaction is the current one).
    """
    sync_session = session.sync_session
    root = sync_session.get_transaction()
    if root is None:
        raise RuntimeError("remove_unless_committed needs a session inside a transaction")
    committed = False
    settled = False

    def on_commit(this: Any) -> None:
        nonlocal committed
        if not this.in_nested_transaction() and this.get_transaction() is root:
            committed = True

    def on_end(_session: Any, transaction: Any) -> None:
        nonlocal settled
        if transaction is not root or settled:
            return
        settled = True
        if committed:
            return
        try:
            removed = storage.remove(key)
        except OSError as exc:  # never break the rollback; an orphan file is never served
            log.warning("storage.file_not_discarded", storage_key=key, error=str(exc))
            return
        log.info("storage.file_discarded", storage_key=key, removed=removed)

    # Listeners on this session instance only; they go with it at the end of the request.
    event.listen(sync_session, "after_commit", on_commit)
    event.listen(sync_session, "after_transaction_end", on_end)


def remove_after_commit(session: AsyncSession, storage: FileStorage, key: str) -> None:
    """Remove the file ``key`` once the session's unit of work has committed (never before)."""

    def remove() -> None:
        try:
            removed = storage.remove(key)
        except OSError as exc:  # the deletion stands; an orphan file is never served
            log.warning("storage.file_not_removed", storage_key=key, error=str(exc))
            return
        log.info("storage.file_removed", storage_key=key, removed=removed)

    after_commit(session, remove)


_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact name as RFC 8187 UTF-8."""
    decomposed = unicodedata.normalize("NFKD", filename.translate(_TRANSLITERATION))
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
        for c in decomposed
        if not unicodedata.combining(c)
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
