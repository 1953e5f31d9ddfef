"""The README documents every setting the meetings service reads."""

from __future__ import annotations

from pathlib import Path

from meetings.config import MeetingsSettings
from schulerfolg.settings import settings_reference

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_documents_every_setting():
    readme = README.read_text(encoding="utf-8")
    missing = [v for v, _, _ in settings_reference(MeetingsSettings) if f"`{v}`" not in readme]
    assert missing == []
