"""What the deployment tests derive from the code: each service's settings and OpenAPI paths."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from schulerfolg.settings import SHARED_FIELDS
from schulerfolg_dev.routes import SERVICES, WEB, GatewaySettings

ROOT = Path(__file__).resolve().parents[1]
# Everything deployed as its own image, migration and database: the four services (the API
# under /api/v1) and the web service (every other path).
DEPLOYED: tuple[str, ...] = (*SERVICES, WEB)
API_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
# Defaults that only make sense on one machine: a deployment must set these settings.
LOCAL_DEFAULTS = ("127.0.0.1", "localhost", "sqlite", "./")


def settings_class(service: str) -> type[BaseSettings]:
    """``<service>.config:<Service>Settings``, or the gateway's settings."""
    if service == "gateway":
        return GatewaySettings
    module = importlib.import_module(f"{service}.config")
    return getattr(module, f"{service.capitalize()}Settings")  # type: ignore[no-any-return]


def variables(settings_cls: type[BaseSettings]) -> dict[str, set[str]]:
    """Per setting, every environment variable it is read from (prefixed, shared, aliases)."""
    prefix = str(settings_cls.model_config.get("env_prefix", ""))
    found: dict[str, set[str]] = {}
    for name, field in settings_cls.model_fields.items():
        names = {f"{prefix}{name}".upper()}
        if name in SHARED_FIELDS and prefix != "GATEWAY_":
            names.add(name.upper())
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {choice.upper() for choice in alias.choices if isinstance(choice, str)}
        elif isinstance(alias, str):
            names.add(alias.upper())
        found[name] = names
    return found


def required_in_deployment(settings_cls: type[BaseSettings]) -> set[str]:
    """Settings a deployment must set: local-machine defaults, the port, the OIDC issuer."""
    fields = set(settings_cls.model_fields)
    needed = {name for name in ("port", "auth_issuer") if name in fields}
    for name, field in settings_cls.model_fields.items():
        default = field.get_default(call_default_factory=True)
        if isinstance(default, str) and any(marker in default for marker in LOCAL_DEFAULTS):
            needed.add(name)
    return needed


def check_environment(service: str, provided: set[str]) -> list[str]:
    """Problems with the variables a deployment gives ``service``: unknown or missing ones."""
    known = variables(settings_class(service))
    every = set().union(*known.values())
    problems = [
        f"{service}: {variable} is read by no setting (misspelt?)"
        for variable in sorted(provided)
        if variable not in every and not variable.startswith("OTEL_")
    ]
    problems += [
        f"{service}: setting {name} is not provided (one of {sorted(known[name])})"
        for name in sorted(required_in_deployment(settings_class(service)))
        if not known[name] & provided
    ]
    return problems


def service_app(service: str, tmp_path: Path, **overrides: Any) -> Any:
    """A service's FastAPI app, created but not started."""
    settings_cls = settings_class(service)
    settings = settings_cls(
        database_url=f"sqlite+aiosqlite:///{tmp_path / service}.db", **overrides
    )
    return importlib.import_module(f"{service}.main").create_app(settings)


def openapi_operations(tmp_path: Path) -> dict[str, list[tuple[str, str]]]:
    """Per service: (method, path template) of every operation in its OpenAPI document."""
    return {
        service: [
            (method, path)
            for path, operations in service_app(service, tmp_path).openapi()["paths"].items()
            for method in operations
            if method in API_METHODS
        ]
        for service in SERVICES
    }


def concrete(path: str) -> str:
    """A path template with sample values: ``/schools/{id}`` → ``/schools/0b6c…``."""
    return re.sub(r"\{[^}]+\}", "0b6c2a8e-2c7e-4a7b-9f5e-3d1c8e4b7a21", path)
