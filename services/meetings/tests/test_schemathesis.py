"""schemathesis over the meetings OpenAPI document against a live meetings process on
PostgreSQL with a real NATS server: no input makes it answer with a server error."""

from __future__ import annotations

from pathlib import Path

import pytest
from meetings_support import declare_upstream_streams

from schulerfolg.auth import generate_signing_key, mint_token
from schulerfolg_dev.testing.live import live_service, run_schemathesis


@pytest.fixture
async def live_meetings(new_database, nats_url: str, tmp_path: Path):
    private_key, public_key = generate_signing_key(tmp_path / "auth")
    await declare_upstream_streams(nats_url)
    env = {
        "MEETINGS_DATABASE_URL": await new_database("postgresql"),
        "NATS_URL": nats_url,
        "AUTH_LOCAL_PUBLIC_KEY_FILE": str(public_key),
        "LOG_LEVEL": "WARNING",
    }
    with live_service("meetings", env=env, log_dir=tmp_path) as service:
        yield service, private_key


def _run(service, *headers: str):
    result = run_schemathesis(f"{service.url}/api/v1/openapi.json", headers=headers, max_examples=6)
    assert result.returncode == 0, (
        result.stdout[-6000:]
        + result.stderr[-2000:]
        + "\nservice log:\n"
        + service.log_path.read_text()[-4000:]
    )
    return result


async def test_no_input_gives_a_server_error_anonymously_or_with_an_office_role(live_meetings):
    """One live service for the three runs (starting a process costs more than a run)."""
    service, private_key = live_meetings
    _run(service)
    office = mint_token(private_key, role="network_office", regions=["boerde"])
    _run(service, f"Authorization: Bearer {office}")
    state = mint_token(private_key, role="state_coordinator")
    _run(service, f"Authorization: Bearer {state}")
