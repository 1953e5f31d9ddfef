"""The JWT attack set against every service, end to end: each service must refuse a forged,
stale, misdirected or malformed bearer token with 401 (a problem with a ``WWW-Authenticate:
Bearer`` challenge) on a protected endpoint, must not treat a bad token on an endpoint that
also serves anonymous callers as "no token", and must grant nothing for roles or regions it
does not know. The verifier's own unit tests are in ``shared/tests/test_auth.py``; this file
checks that every running service actually enforces it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from security.stack import Stack

from schulerfolg.auth import DEFAULT_AUDIENCE, LOCAL_ISSUER, MAX_TOKEN_LENGTH

OWN = "boerde"


@dataclass(frozen=True)
class Target:
    """A protected endpoint of a service, and a role and regions that pass it."""

    method: str
    url: str
    roles: tuple[str, ...]
    regions: tuple[str, ...] = ()
    json: dict[str, Any] | None = None
    ok: tuple[int, ...] = (200,)
    extra: dict[str, Any] = field(default_factory=dict)


# One endpoint per service that needs a token and whose answer depends on role and region.
TARGETS = {
    "registry": Target(
        "PUT",
        f"/api/v1/regions/{OWN}/office",
        ("network_office",),
        (OWN,),
        json={"name": "Netzwerkstelle Schulerfolg Börde"},
    ),
    "offers": Target(
        "GET", "/api/v1/statistics", ("network_office",), (OWN,), extra={"params": {"region": OWN}}
    ),
    "meetings": Target(
        "POST",
        "/api/v1/committees",
        ("network_office",),
        (OWN,),
        json={"name": "Arbeitsgruppe Medienbildung", "kind": "working_group", "region": OWN},
        ok=(201,),
    ),
    "notifications": Target("GET", "/api/v1/dead-letters", ("admin",)),
}

# Endpoints that serve anonymous callers too but read a token when one is sent.
OPTIONAL_AUTH = {
    "registry": "/api/v1/persons",
    "meetings": "/api/v1/meetings",
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(obj: dict[str, Any]) -> str:
    return _b64(json.dumps(obj, separators=(",", ":")).encode())


def claims_for(target: Target, **overrides: Any) -> dict[str, Any]:
    """Claims that pass ``target``; ``None`` in ``overrides`` removes a claim."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": LOCAL_ISSUER,
        "aud": DEFAULT_AUDIENCE,
        "sub": "attacker-1",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "roles": list(target.roles),
        "regions": list(target.regions),
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def _private_key(stack: Stack) -> Any:
    path: Path = stack["registry"].private_key
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def _public_pem(stack: Stack) -> bytes:
    return (
        _private_key(stack)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def signed(stack: Stack, claims: dict[str, Any], **headers: Any) -> str:
    """A token signed with the key every service trusts."""
    return jwt.encode(claims, _private_key(stack), algorithm="EdDSA", headers=headers or None)


def _unsigned(alg: str, claims: dict[str, Any]) -> str:
    return f"{_segment({'alg': alg, 'typ': 'JWT'})}.{_segment(claims)}."


def _hs256(secret: bytes, claims: dict[str, Any]) -> str:
    signing_input = f"{_segment({'alg': 'HS256', 'typ': 'JWT'})}.{_segment(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _tampered(token: str, claims: dict[str, Any]) -> str:
    header, _payload, signature = token.split(".")
    return f"{header}.{_segment(claims)}.{signature}"


def attack(stack: Stack, target: Target, name: str) -> str:
    """The forged or unacceptable token called ``name`` for ``target``."""
    now = int(time.time())
    good = claims_for(target)
    match name:
        case "alg none":
            return _unsigned("none", good)
        case "alg NoNe":
            return _unsigned("NoNe", good)
        case "alg none with a signature kept":
            header = _segment({"alg": "none", "typ": "JWT"})
            return f"{header}.{_segment(good)}.{signed(stack, good).split('.')[2]}"
        case "HS256 with the public key as secret":
            return _hs256(_public_pem(stack), good)
        case "HS256 with the raw public key bytes as secret":
            raw = (
                _private_key(stack)
                .public_key()
                .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            )
            return _hs256(raw, good)
        case "another Ed25519 key":
            return jwt.encode(good, ed25519.Ed25519PrivateKey.generate(), algorithm="EdDSA")
        case "another key with the trusted key's kid and a jwk header":
            other = ed25519.Ed25519PrivateKey.generate()
            jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(other.public_key()))
            return jwt.encode(good, other, algorithm="EdDSA", headers={"jwk": jwk, "kid": "local"})
        case "RS256 from an unknown RSA key":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return jwt.encode(good, key, algorithm="RS256")
        case "expired":
            return signed(stack, claims_for(target, iat=now - 7200, nbf=now - 7200, exp=now - 3600))
        case "not yet valid (nbf in the future)":
            return signed(stack, claims_for(target, nbf=now + 3600))
        case "issued in the future (iat)":
            return signed(stack, claims_for(target, iat=now + 3600, nbf=None))
        case "wrong audience":
            return signed(stack, claims_for(target, aud="another-application"))
        case "audience list without ours":
            return signed(stack, claims_for(target, aud=["account", "another-application"]))
        case "wrong issuer":
            return signed(stack, claims_for(target, iss="https://idp.example/realms/evil"))
        case "missing sub":
            return signed(stack, claims_for(target, sub=None))
        case "empty sub":
            return signed(stack, claims_for(target, sub="  "))
        case "missing exp":
            return signed(stack, claims_for(target, exp=None))
        case "missing iss":
            return signed(stack, claims_for(target, iss=None))
        case "missing aud":
            return signed(stack, claims_for(target, aud=None))
        case "tampered payload (role raised, signature kept)":
            weak = signed(stack, claims_for(target, roles=["school"], regions=[]))
            return _tampered(weak, claims_for(target, roles=["state_coordinator", "admin"]))
        case "tampered payload (region changed, signature kept)":
            weak = signed(stack, claims_for(target, regions=["harz"]))
            return _tampered(weak, claims_for(target))
        case "signature stripped":
            return signed(stack, good).rsplit(".", 1)[0] + "."
        case "garbage":
            return "hello"
        case "three dots of garbage":
            return "a.b.c"
        case "header not JSON":
            return f"{_b64(b'not json')}.{_segment(good)}.{_b64(b'x')}"
        case "oversized (> 16 KiB, validly signed)":
            token = signed(stack, claims_for(target, padding="x" * MAX_TOKEN_LENGTH))
            assert len(token) > MAX_TOKEN_LENGTH
            return token
    raise ValueError(name)


ATTACKS = (
    "alg none",
    "alg NoNe",
    "alg none with a signature kept",
    "HS256 with the public key as secret",
    "HS256 with the raw public key bytes as secret",
    "another Ed25519 key",
    "another key with the trusted key's kid and a jwk header",
    "RS256 from an unknown RSA key",
    "expired",
    "not yet valid (nbf in the future)",
    "issued in the future (iat)",
    "wrong audience",
    "audience list without ours",
    "wrong issuer",
    "missing sub",
    "empty sub",
    "missing exp",
    "missing iss",
    "missing aud",
    "tampered payload (role raised, signature kept)",
    "tampered payload (region changed, signature kept)",
    "signature stripped",
    "garbage",
    "three dots of garbage",
    "header not JSON",
    "oversized (> 16 KiB, validly signed)",
)


async def send(stack: Stack, service: str, headers: dict[str, str]) -> Any:
    target = TARGETS[service]
    return await stack[service].client.request(
        target.method, target.url, json=target.json, headers=headers, **target.extra
    )


def assert_401(response: Any, *, invalid_token: bool) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    challenge = response.headers.get("www-authenticate", "")
    assert challenge.startswith("Bearer "), challenge
    if invalid_token:
        assert 'error="invalid_token"' in challenge, challenge


@pytest.mark.parametrize("service", TARGETS)
async def test_a_good_token_passes_the_target(stack: Stack, service: str):
    """The control: the token the attacks imitate is accepted, so their 401s are the attack's."""
    target = TARGETS[service]
    token = signed(stack, claims_for(target))
    response = await send(stack, service, {"Authorization": f"Bearer {token}"})
    assert response.status_code in target.ok, response.text


@pytest.mark.parametrize("service", TARGETS)
async def test_no_token_is_401_with_a_bearer_challenge(stack: Stack, service: str):
    assert_401(await send(stack, service, {}), invalid_token=False)


@pytest.mark.parametrize("scheme", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer  ", "Token abc"])
@pytest.mark.parametrize("service", TARGETS)
async def test_a_header_that_is_not_a_bearer_token_is_401(stack: Stack, service: str, scheme: str):
    assert_401(await send(stack, service, {"Authorization": scheme}), invalid_token=True)


@pytest.mark.parametrize("name", ATTACKS)
@pytest.mark.parametrize("service", TARGETS)
async def test_an_attack_token_is_401(stack: Stack, service: str, name: str):
    token = attack(stack, TARGETS[service], name)
    response = await send(stack, service, {"Authorization": f"Bearer {token}"})
    assert_401(response, invalid_token=True)


@pytest.mark.parametrize(
    "name", ["expired", "another Ed25519 key", "alg none", "garbage", "wrong audience"]
)
@pytest.mark.parametrize("service", OPTIONAL_AUTH)
async def test_a_bad_token_where_anonymous_callers_are_served_is_still_401(
    stack: Stack, service: str, name: str
):
    """A bad token is never taken for "no token" (which would hide the error from the caller)."""
    token = attack(stack, TARGETS[service], name)
    url = OPTIONAL_AUTH[service]
    assert (await stack[service].client.get(url)).status_code == 200
    response = await stack[service].client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert_401(response, invalid_token=True)


# Validly signed tokens whose roles or regions claims must grant nothing on the target.
NO_RIGHTS = {
    "unknown role": {"roles": ["superuser"]},
    "role in other case": {"roles": ["Network_Office", "ADMIN"]},
    "role as a single 'role' claim": {"roles": None, "role": "state_coordinator"},
    "roles as an object": {"roles": {"network_office": True, "admin": True}},
    "role nested in a list": {"roles": [["network_office", "admin"]]},
    "regions as one comma-separated string": {"regions": "harz,boerde"},
    "regions as a space-separated string": {"regions": "harz boerde"},
    "regions as an object": {"regions": {"boerde": True}},
    "region wildcard": {"regions": ["*"]},
    "region 'state'": {"regions": ["state"]},
    "region in other case": {"regions": ["Boerde"]},
    "another region": {"regions": ["harz"]},
    "no roles": {"roles": []},
}


@pytest.mark.parametrize(
    ("service", "case"),
    [
        (service, case)
        for service, target in TARGETS.items()
        for case, overrides in NO_RIGHTS.items()
        if target.regions or "regions" not in overrides  # region cases need a regional target
    ],
)
async def test_claims_that_name_no_known_role_or_region_grant_nothing(
    stack: Stack, service: str, case: str
):
    target = TARGETS[service]
    overrides = NO_RIGHTS[case]
    token = signed(stack, claims_for(target, **overrides))
    response = await send(stack, service, {"Authorization": f"Bearer {token}"})
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("service", [s for s, t in TARGETS.items() if t.regions])
async def test_regions_as_one_string_mean_exactly_that_region(stack: Stack, service: str):
    """A ``regions`` claim that is a string instead of a list is that one region: no more."""
    target = TARGETS[service]
    own = signed(stack, claims_for(target, regions=OWN))
    other = signed(stack, claims_for(target, regions="harz"))
    assert (await send(stack, service, {"Authorization": f"Bearer {own}"})).status_code in target.ok
    response = await send(stack, service, {"Authorization": f"Bearer {other}"})
    assert response.status_code == 403, response.text


@pytest.mark.parametrize("service", TARGETS)
async def test_a_token_with_the_right_role_but_a_wrong_signature_gets_nothing_anywhere(
    stack: Stack, service: str
):
    """Forged state coordinator tokens are refused on a public-data write too."""
    forged = jwt.encode(
        claims_for(TARGETS[service], roles=["state_coordinator", "admin"]),
        ed25519.Ed25519PrivateKey.generate(),
        algorithm="EdDSA",
    )
    response = await send(stack, service, {"Authorization": f"Bearer {forged}"})
    assert_401(response, invalid_token=True)
