"""The deployment files validate with the real tools, and pass only settings services read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from registry.config import RegistrySettings
from schulerfolg.settings import SHARED_FIELDS

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SECRETS = {
    "POSTGRES_PASSWORD": "pg-secret",
    "REGISTRY_DB_PASSWORD": "registry-secret",
    "AUTH_ISSUER": "https://login.example/realms/schulerfolg",
}
SETTINGS = {"registry": RegistrySettings}


def compose(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS} | env
    return subprocess.run(
        [str(BIN / "docker-compose"), "-f", str(ROOT / "docker-compose.yml"), *args],
        capture_output=True,
        text=True,
        env=clean,
        timeout=60,
        check=False,
    )


def test_the_compose_file_passes_compose_config():
    result = compose("config", "--quiet", env=SECRETS)
    assert result.returncode == 0, result.stderr


def test_the_compose_file_refuses_to_start_without_its_secrets():
    result = compose("config", "--quiet", env={})
    assert result.returncode != 0
    for name in SECRETS:
        assert name in result.stderr


def test_the_compose_file_matches_the_compose_spec_schema():
    result = subprocess.run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            str(ROOT / "docker-compose.yml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_compose_passes_only_settings_the_service_reads(service):
    config = json.loads(compose("config", "--format", "json", env=SECRETS).stdout)
    settings = SETTINGS[service]
    prefix = settings.model_config["env_prefix"]
    known = {f"{prefix}{name}".upper() for name in settings.model_fields}
    known |= {name.upper() for name in SHARED_FIELDS}
    for container in (service, f"{service}-migrate"):
        variables = set(config["services"][container].get("environment", {}))
        unknown = {v for v in variables if v not in known and not v.startswith("OTEL_")}
        assert unknown == set(), f"{container} sets variables no setting reads: {unknown}"
    assert f"{prefix}DATABASE_URL" in config["services"][service]["environment"]
