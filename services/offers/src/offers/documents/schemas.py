"""Request and response bodies of the documents API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from offers.models import GeneratedDocument

DocumentKind = Literal["grant_notice", "rejection_letter"]


class DocumentPublic(BaseModel):
    """A generated document as the application's readers see it (the PDF is its own path)."""

    id: uuid.UUID
    kind: DocumentKind = Field(
        description="`grant_notice` (Zuwendungsbescheid) or `rejection_letter`."
    )
    title: str = Field(description="German title, e.g. „Zuwendungsbescheid“.")
    filename: str = Field(description="The PDF's German file name.")
    created_at: datetime
    size: int = Field(description="Bytes of the PDF.")

    @classmethod
    def of(cls, doc: GeneratedDocument, filename: str, size: int) -> DocumentPublic:
        """The document with its PDF's ``size`` (``doc.size`` is 0 until it is rendered)."""
        return cls(
            id=doc.id,
            kind=doc.kind,  # type: ignore[arg-type]  # only the two kinds are ever stored
            title=doc.title,
            filename=filename,
            created_at=doc.created_at,
            size=size,
        )


class Documents(BaseModel):
    """An application's documents, oldest first."""

    items: list[DocumentPublic]
