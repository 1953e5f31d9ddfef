"""schemathesis over the notifications OpenAPI document against a live notifications process on
PostgreSQL with a real NATS server: no input makes it answer with a server error."""

from __future__ import annotations

from pathlib import Path

import pytest
from notifications_support import declare_producer_streams

from schulerfolg.auth import generate_signing_key, mint_token
from schulerfolg_dev.processes import free_port
from schulerfolg_dev.testing.live import live_service, run_schemathesis


@pytest.fixture
async def live_notifications(new_database, nats_url: str, tmp_path: Path):
    private_key, public_key = generate_signing_key(tmp_path / "auth")
    await declare_producer_streams(nats_url)  # the consumers (and /readyz) wait for them
    env = {
        "NOTIFICATIONS_DATABASE_URL": await new_database("postgresql"),
        "NATS_URL": nats_url,
        "AUTH_LOCAL_PUBLIC_KEY_FILE": str(public_key),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(free_port()),  # nobody listens: mails wait, nothing breaks
        "NOTIFICATIONS_SSE_MAX_SECONDS": "0.5",  # the live stream ends soon for each example
        "LOG_LEVEL": "WARNING",
    }
    with live_service("notifications", env=env, log_dir=tmp_path) as service:
        yield service, private_key


def _run(service, *headers: str):
    result = run_schemathesis(f"{service.url}/api/v1/openapi.json", headers=headers)
    assert result.returncode == 0, (
        result.stdout[-6000:]
        + result.stderr[-2000:]
        + "\nservice log:\n"
        + service.log_path.read_text()[-4000:]
    )
    return result


async def test_no_input_gives_a_server_error(live_notifications):
    """One live process, two callers: anonymous, and an admin who also has an inbox."""
    service, private_key = live_notifications
    _run(service)
    token = mint_token(private_key, role="admin", email="nutzer@schule.test", sub="sub-nutzer")
    _run(service, f"Authorization: Bearer {token}")
