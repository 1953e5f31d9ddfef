"""schemathesis over the offers OpenAPI document against a live offers process on PostgreSQL
with a real NATS server: no input makes it answer with a server error — anonymously and for
the widest role (state coordination) and an applicant (a school). Network-office paths are
the state coordinator's paths restricted by region; the rule checks have their own tests."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from schulerfolg.auth import generate_signing_key, mint_token
from schulerfolg_dev.testing.live import live_service, run_schemathesis


@pytest.fixture
async def live_offers(new_database, nats_url: str, tmp_path: Path):
    private_key, public_key = generate_signing_key(tmp_path / "auth")
    env = {
        "OFFERS_DATABASE_URL": await new_database("postgresql"),
        "NATS_URL": nats_url,
        "AUTH_LOCAL_PUBLIC_KEY_FILE": str(public_key),
        "LOG_LEVEL": "WARNING",
    }
    with live_service("offers", env=env, log_dir=tmp_path) as service:
        yield service, private_key


def _run(service, *headers: str) -> None:
    result = run_schemathesis(f"{service.url}/api/v1/openapi.json", headers=headers)
    assert result.returncode == 0, (
        result.stdout[-6000:]
        + result.stderr[-2000:]
        + "\nservice log:\n"
        + service.log_path.read_text()[-4000:]
    )


@pytest.mark.parametrize(
    "claims",
    [
        None,
        {"role": "state_coordinator"},
        {"role": "school", "school_id": str(uuid.uuid4())},
    ],
    ids=["anonymous", "state_coordinator", "school"],
)
async def test_no_input_gives_a_server_error(live_offers, claims):
    service, private_key = live_offers
    if claims is None:
        _run(service)
    else:
        token = mint_token(private_key, **claims)
        _run(service, f"Authorization: Bearer {token}")
