"""What the public pages show: German labels for the services' values, and the shapes the
templates get."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REGION_KINDS = {"district": "Landkreis", "city": "Kreisfreie Stadt"}

MEETING_KINDS = {
    "committee_session": "Gremiensitzung",
    "expert_exchange": "Fachaustausch",
    "network_meeting": "Vernetzungstreffen",
    "regional_group_meeting": "Regionalgruppentreffen",
    "training": "Fortbildung",
    "conference": "Fachtagung",
    "case_consultation": "Kollegiale Fallberatung",
    "jury_session": "Sitzung der Jugendjury",
}

# Media types of materials as people name them („PDF, 1,2 MB“).
FILE_TYPES = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word-Dokument",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel-Tabelle",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint-Präsentation",
    "application/vnd.oasis.opendocument.text": "OpenDocument-Text",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument-Tabelle",
    "application/vnd.oasis.opendocument.presentation": "OpenDocument-Präsentation",
    "image/png": "PNG-Bild",
    "image/jpeg": "JPEG-Bild",
    "text/plain": "Textdatei",
    "text/csv": "CSV-Tabelle",
}

# Applications that are projects the public may hear of: approved, and later reported or done.
PROJECT_STATUSES = ("approved", "reported", "completed")
PROJECT_STATUS_LABELS = {
    "approved": "Bewilligt",
    "reported": "Durchgeführt, Bericht liegt vor",
    "completed": "Abgeschlossen",
}

# The registration form's fields, with meetings' names (``RegistrationCreate``).
REGISTRATION_FIELDS = ("name", "email", "organization")


@dataclass(frozen=True)
class Material:
    """A download: what it is, and where the file is (the registry's public download)."""

    title: str
    description: str | None
    url: str
    kind: str
    size: str

    @property
    def label(self) -> str:
        """„PDF, 1,2 MB“."""
        return f"{self.kind}, {self.size}"


@dataclass(frozen=True)
class RegionPage:
    """Everything the region page shows."""

    region: dict[str, Any]
    contacts: list[dict[str, Any]]
    materials: list[Material]
    state_materials: list[Material]
    events: list[dict[str, Any]]
    projects: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Registration:
    """Meetings' answer to a registration."""

    status: str
    email: str
    waitlist_position: int | None
