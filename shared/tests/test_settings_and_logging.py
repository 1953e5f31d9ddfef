"""Settings from the environment and log lines without personal data."""

from __future__ import annotations

import json
import logging

import structlog
from pydantic_settings import SettingsConfigDict

from schulerfolg.observability import configure_logging, mask_personal_data
from schulerfolg.settings import ServiceSettings


class DemoSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEMO_", extra="ignore")


def test_settings_read_the_service_prefix_and_shared_unprefixed_variables(monkeypatch):
    monkeypatch.setenv("DEMO_DATABASE_URL", "postgresql+asyncpg://db/demo")
    monkeypatch.setenv("NATS_URL", "nats://shared:4222")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://db/someone-else")
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "https://a.example, https://b.example")

    settings = DemoSettings()

    assert settings.database_url == "postgresql+asyncpg://db/demo"  # never the unprefixed one
    assert settings.nats_url == "nats://shared:4222"
    assert settings.cors_allowed_origins == ["https://a.example", "https://b.example"]


def test_the_prefixed_variable_wins_over_the_shared_one(monkeypatch):
    monkeypatch.setenv("NATS_URL", "nats://shared:4222")
    monkeypatch.setenv("DEMO_NATS_URL", "nats://own:4222")
    assert DemoSettings().nats_url == "nats://own:4222"


def test_database_url_is_never_taken_from_the_unprefixed_variable(monkeypatch):
    monkeypatch.delenv("DEMO_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://db/someone-else")
    assert DemoSettings().database_url.startswith("sqlite")


def test_e_mail_addresses_and_phone_numbers_are_masked():
    text = "Frau Müller (anna.mueller@schule.example, 0391 540-3210 / +49 3904 12345) rief an"
    masked = mask_personal_data(text)
    assert "anna.mueller" not in masked and "540-3210" not in masked and "12345" not in masked
    assert masked.count("[email]") == 1 and masked.count("[phone]") == 2
    # Things that are not phone numbers stay as they are.
    untouched = "2026-11-23T01:02:03Z region 15083 version 12 id 0c6f2a1e-1b2c"
    assert mask_personal_data(untouched) == untouched


def test_log_lines_are_json_with_the_service_and_no_personal_data(capsys):
    configure_logging("demo", level="INFO", json=True)
    structlog.get_logger("demo").info("person.contacted", note="mail to a.b@c.example")
    logging.getLogger("uvicorn.error").warning("failure for +49 391 5403210")

    lines = [json.loads(line) for line in capsys.readouterr().err.strip().splitlines()]
    assert lines[0]["event"] == "person.contacted" and lines[0]["service"] == "demo"
    assert lines[0]["note"] == "mail to [email]"
    assert "5403210" not in lines[1]["event"]


def test_objects_sets_and_keys_with_personal_data_are_masked_too(capsys):
    from pydantic import BaseModel

    class Contact(BaseModel):
        email: str

    configure_logging("demo", level="INFO", json=True)
    structlog.get_logger("demo").warning(
        "odd.values",
        model=Contact(email="anna@schule.example"),
        addresses={"b@x.example"},
        error=ValueError("no mailbox carl@x.example"),
        by_address={"dora@x.example": 1},
    )
    line = capsys.readouterr().err
    assert "@" not in line.replace("[email]", "")
