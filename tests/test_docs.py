"""The READMEs document every setting the services and the gateway read, and the operators'
documentation names what it describes."""

from __future__ import annotations

from pathlib import Path

import pytest
from deploy_facts import settings_class
from pydantic_settings import SettingsConfigDict

from schulerfolg.settings import ServiceSettings, settings_reference
from schulerfolg_dev.routes import SERVICES

ROOT = Path(__file__).resolve().parents[1]


class _Generic(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="<SERVICE>_")


def test_the_root_readme_documents_every_common_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [v for v, _, _ in settings_reference(_Generic) if f"`{v}`" not in readme]
    assert missing == []


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_readme_documents_every_setting(service):
    readme = (ROOT / "services" / service / "README.md").read_text(encoding="utf-8")
    documented = [v for v, _, _ in settings_reference(settings_class(service))]
    missing = [v for v in documented if f"`{v}`" not in readme]
    assert missing == []


def test_the_deploy_readme_documents_every_gateway_setting():
    readme = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    documented = settings_reference(settings_class("gateway"))  # type: ignore[arg-type]
    missing = [v for v, _, _ in documented if f"`{v}`" not in readme]
    assert missing == []


def test_the_operators_section_covers_compose_helm_the_region_and_traces():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    deploy = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    assert "## Operating it" in readme
    for needle in (
        "docker compose",
        "values-state.yaml",
        "values-region.yaml",
        "leaf.conf",
        "federate.py",
        "16686",
    ):
        assert needle in readme + deploy, needle
