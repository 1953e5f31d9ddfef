"""Request and response shapes of attachments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from offers.models import Attachment
from schulerfolg.storage import ReceivedFile

KINDS = ("quote", "cooperation_agreement", "signed_application", "receipt", "report", "other")
Kind = Literal["quote", "cooperation_agreement", "signed_application", "receipt", "report", "other"]
TITLE_MAX = 300


class AttachmentPublic(BaseModel):
    """An attachment as readers of the application see it."""

    id: uuid.UUID
    application_id: uuid.UUID
    kind: Kind
    title: str
    filename: str
    content_type: str = Field(description="The type found in the file's content.")
    size_bytes: int
    created_at: datetime
    erased_at: datetime | None = Field(
        None, description="When the file was deleted with the application's personal data."
    )

    @classmethod
    def of(cls, attachment: Attachment) -> AttachmentPublic:
        return cls.model_validate(attachment, from_attributes=True)


class Attachments(BaseModel):
    """An application's attachments, oldest first."""

    items: list[AttachmentPublic]


@dataclass(frozen=True)
class AttachmentUpload:
    """A received upload: the form's fields and the file in its temporary place."""

    kind: str
    title: str
    filename: str | None
    file: ReceivedFile

    def fingerprint(self) -> dict[str, Any]:
        """What makes two uploads the same request (for ``Idempotency-Key``)."""
        return {
            "kind": self.kind,
            "title": self.title,
            "filename": self.filename,
            "sha256": self.file.sha256,
        }


UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["kind", "title", "file"],
                    "properties": {
                        "kind": {"type": "string", "enum": list(KINDS)},
                        "title": {"type": "string", "minLength": 1, "maxLength": TITLE_MAX},
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "PDF, PNG, JPEG or an office document (docx, xlsx, "
                            "odt, ods); the type is found from the content, not the name. At most "
                            "OFFERS_ATTACHMENT_MAX_BYTES (10 MiB by default).",
                        },
                    },
                }
            }
        },
    }
}
