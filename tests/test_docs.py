"""The READMEs document every setting the services read."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from registry.config import RegistrySettings
from schulerfolg.settings import ServiceSettings, settings_reference

ROOT = Path(__file__).resolve().parents[1]


class _Generic(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="<SERVICE>_")


def test_the_root_readme_documents_every_common_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [v for v, _, _ in settings_reference(_Generic) if f"`{v}`" not in readme]
    assert missing == []


def test_the_registry_readme_documents_every_registry_setting():
    readme = (ROOT / "services/registry/README.md").read_text(encoding="utf-8")
    missing = [v for v, _, _ in settings_reference(RegistrySettings) if f"`{v}`" not in readme]
    assert missing == []
