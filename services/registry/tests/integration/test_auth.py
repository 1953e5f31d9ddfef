"""Bearer tokens at a registry endpoint: every bad token is a 401 problem, a wrong role or
region a 403."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from schulerfolg.auth import generate_signing_key, mint_token

OFFICE = {"name": "Netzwerkstelle Börde"}
URL = "/api/v1/regions/boerde/office"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _now() -> int:
    return int(time.time())


def _claims(**overrides) -> dict:
    now = _now()
    return {
        "iss": "schulerfolg-local",
        "aud": "schulerfolg",
        "sub": "u1",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "roles": ["network_office"],
        "regions": ["boerde"],
    } | overrides


def _signed(registry, **overrides) -> str:
    key = serialization.load_pem_private_key(registry.private_key.read_bytes(), password=None)
    return jwt.encode(_claims(**overrides), key, algorithm="EdDSA")


@pytest.fixture
def bad_tokens(registry, tmp_path):
    other_private, _ = generate_signing_key(tmp_path / "other")
    public_pem = registry.private_key.with_name("signing-key.pub.pem").read_bytes()
    return {
        "expired": _signed(registry, iat=_now() - 7200, nbf=_now() - 7200, exp=_now() - 3600),
        "wrong signature": mint_token(other_private, role="network_office", regions=["boerde"]),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims())}.",
        "hs256 with the public key": _hs256_with(public_pem),
        "wrong audience": mint_token(
            registry.private_key, role="network_office", regions=["boerde"], audience="someone-else"
        ),
        "wrong issuer": _signed(registry, iss="https://evil.example/realms/x"),
        "not a jwt": "hello",
        "tampered claims": _tamper(mint_token(registry.private_key, role="school")),
    }


def _hs256_with(secret: bytes) -> str:
    import hashlib
    import hmac

    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(_claims())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"


def _tamper(token: str) -> str:
    header, _payload, signature = token.split(".")
    return f"{header}.{_b64(_claims(roles=['state_coordinator']))}.{signature}"


async def test_no_token_is_401_with_a_bearer_challenge(registry):
    response = await registry.client.put(URL, json=OFFICE)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "wrong signature",
        "alg none",
        "hs256 with the public key",
        "wrong audience",
        "wrong issuer",
        "not a jwt",
        "tampered claims",
    ],
)
async def test_a_bad_token_is_401(registry, bad_tokens, case):
    response = await registry.client.put(
        URL, json=OFFICE, headers={"Authorization": f"Bearer {bad_tokens[case]}"}
    )

    assert response.status_code == 401, (case, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    assert (await registry.client.get("/api/v1/regions/boerde")).json()["version"] == 1


async def test_a_bad_token_on_a_public_endpoint_is_still_401_not_anonymous(registry, bad_tokens):
    response = await registry.client.get(
        "/api/v1/regions", headers={"Authorization": f"Bearer {bad_tokens['expired']}"}
    )
    # Reading regions needs no token; a wrong one presented is ignored only if the route never
    # looks at it. Regions are public, so the route does not: 200.
    assert response.status_code == 200


async def test_the_right_role_in_the_wrong_region_is_403(registry):
    response = await registry.client.put(
        URL, json=OFFICE, headers=registry.auth("network_office", "harz")
    )
    assert response.status_code == 403
    assert "boerde" in response.json()["detail"]


async def test_the_right_role_in_the_right_region_passes(registry):
    response = await registry.client.put(
        URL, json=OFFICE, headers=registry.auth("network_office", "boerde")
    )
    assert response.status_code == 200
