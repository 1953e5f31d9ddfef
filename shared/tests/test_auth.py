"""Tests for schulerfolg.auth: principals, token verification (local and OIDC), FastAPI guards."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from fastapi import Depends, FastAPI
from jwt.algorithms import RSAAlgorithm

from schulerfolg.auth import (
    ALLOWED_ALGORITHMS,
    DEFAULT_AUDIENCE,
    LOCAL_ISSUER,
    ROLES,
    OptionalPrincipal,
    Principal,
    TokenVerifier,
    ensure_may_manage_region,
    generate_signing_key,
    mint_token,
    require_roles,
)
from schulerfolg.http.problems import (
    PROBLEM_JSON,
    Forbidden,
    Unauthorized,
    install_problem_handlers,
)

# --------------------------------------------------------------------------- helpers


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(obj: dict[str, Any]) -> str:
    return _b64(json.dumps(obj, separators=(",", ":")).encode())


def _claims(**overrides: Any) -> dict[str, Any]:
    """Valid local-mode claims; ``None`` values remove the claim."""
    now = int(datetime.now(UTC).timestamp())
    claims: dict[str, Any] = {
        "iss": LOCAL_ISSUER,
        "aud": DEFAULT_AUDIENCE,
        "sub": "user-1",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "roles": ["network_office"],
        "regions": ["harz"],
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="module")
def key_paths(key_dir: Path) -> tuple[Path, Path]:
    return generate_signing_key(key_dir)


@pytest.fixture(scope="module")
def private_key(key_paths: tuple[Path, Path]) -> ed25519.Ed25519PrivateKey:
    key = serialization.load_pem_private_key(key_paths[0].read_bytes(), password=None)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    return key


@pytest.fixture(scope="module")
def verifier(key_paths: tuple[Path, Path]) -> TokenVerifier:
    settings = SimpleNamespace(
        auth_issuer=None,
        auth_audience="schulerfolg",
        auth_jwks_url=None,
        auth_local_public_key_file=str(key_paths[1]),
    )
    result = TokenVerifier.from_settings(settings)
    assert result is not None and result.is_local
    return result


async def _rejected(verifier: TokenVerifier, token: str) -> str:
    """The detail of the Unauthorized that ``verify`` raises for ``token``."""
    with pytest.raises(Unauthorized) as info:
        await verifier.verify(token)
    assert info.value.status == 401
    assert info.value.detail
    return info.value.detail


# --------------------------------------------------------------------------- Principal


def test_from_claims_reads_every_field() -> None:
    principal = Principal.from_claims(
        {
            "sub": "abc",
            "name": "Erika Mustermann",
            "email": "erika@example.org",
            "roles": ["network_office", "steering_member", "superuser"],
            "regions": ["harz", "halle-saale"],
            "school_id": 42,
            "organization_id": "org-7",
        }
    )
    assert principal.sub == "abc"
    assert principal.name == "Erika Mustermann"
    assert principal.email == "erika@example.org"
    assert principal.roles == frozenset({"network_office", "steering_member"})  # unknown dropped
    assert principal.regions == frozenset({"harz", "halle-saale"})
    assert principal.school_id == "42"
    assert principal.organization_id == "org-7"


def test_from_claims_falls_back_to_keycloak_realm_access() -> None:
    principal = Principal.from_claims(
        {
            "sub": "kc-user",
            "realm_access": {"roles": ["offline_access", "state_coordinator"]},
            "regions": "magdeburg",
        }
    )
    assert principal.roles == frozenset({"state_coordinator"})
    assert principal.regions == frozenset({"magdeburg"})
    assert principal.name is None and principal.email is None
    assert principal.school_id is None and principal.organization_id is None


def test_from_claims_tolerates_junk_and_requires_sub() -> None:
    principal = Principal.from_claims({"sub": "x", "roles": "school", "regions": 5})
    assert principal.roles == frozenset({"school"})
    assert principal.regions == frozenset()
    with pytest.raises(ValueError):
        Principal.from_claims({"roles": ["admin"]})


def test_repr_does_not_show_personal_data() -> None:
    principal = Principal(sub="s", name="Erika Mustermann", email="erika@example.org")
    assert "erika" not in repr(principal).lower()


def test_has_role() -> None:
    principal = Principal(sub="s", roles=frozenset({"school"}))
    assert principal.has_role("school")
    assert principal.has_role("partner", "school")
    assert not principal.has_role("partner", "admin")
    assert not principal.has_role()


# Expected (manage own, manage other, manage state, read own, read other, read state) per role.
ACCESS_MATRIX = {
    "state_coordinator": (True, True, True, True, True, True),
    "network_office": (True, False, False, True, False, False),
    "steering_member": (False, False, False, True, False, False),
    "school": (False, False, False, False, False, False),
    "partner": (False, False, False, False, False, False),
    "admin": (False, False, False, False, False, False),
}


def test_access_matrix_covers_every_role() -> None:
    assert set(ACCESS_MATRIX) == set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_region_access_matrix(role: str) -> None:
    principal = Principal(sub="s", roles=frozenset({role}), regions=frozenset({"harz"}))
    actual = (
        principal.may_manage_region("harz"),
        principal.may_manage_region("stendal"),
        principal.may_manage_region(None),
        principal.may_read_region("harz"),
        principal.may_read_region("stendal"),
        principal.may_read_region(None),
    )
    assert actual == ACCESS_MATRIX[role]


def test_regions_without_a_regional_role_grant_nothing() -> None:
    nobody = Principal(sub="s", regions=frozenset({"harz"}))
    assert not nobody.may_manage_region("harz")
    assert not nobody.may_read_region("harz")


def test_ensure_may_manage_region() -> None:
    office = Principal(sub="s", roles=frozenset({"network_office"}), regions=frozenset({"harz"}))
    ensure_may_manage_region(office, "harz")
    with pytest.raises(Forbidden) as info:
        ensure_may_manage_region(office, "stendal")
    assert "stendal" in (info.value.detail or "")
    with pytest.raises(Forbidden) as info:
        ensure_may_manage_region(office, None)
    assert "state" in (info.value.detail or "")
    ensure_may_manage_region(Principal(sub="s", roles=frozenset({"state_coordinator"})), None)


# --------------------------------------------------------------------------- keys and minting


def test_generate_signing_key_is_private_and_idempotent(tmp_path: Path) -> None:
    private_path, public_path = generate_signing_key(tmp_path / "nested")
    assert private_path.name == "signing-key.pem"
    assert public_path.name == "signing-key.pub.pem"
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600
    private_pem, public_pem = private_path.read_bytes(), public_path.read_bytes()
    assert b"PRIVATE KEY" in private_pem and b"PUBLIC KEY" in public_pem

    assert generate_signing_key(tmp_path / "nested") == (private_path, public_path)
    assert private_path.read_bytes() == private_pem
    assert public_path.read_bytes() == public_pem

    public_path.unlink()  # a lost public key is re-derived from the kept private key
    generate_signing_key(tmp_path / "nested")
    assert public_path.read_bytes() == public_pem
    assert [p.name for p in (tmp_path / "nested").iterdir() if p.name.startswith(".")] == []


def test_mint_token_claims(key_paths: tuple[Path, Path]) -> None:
    token = mint_token(
        key_paths[0],
        role="school",
        regions=["harz"],
        school_id="s-1",
        email="a@example.org",
        name="A",
        ttl=timedelta(minutes=5),
    )
    assert jwt.get_unverified_header(token)["alg"] == "EdDSA"
    claims = jwt.decode(
        token,
        serialization.load_pem_public_key(key_paths[1].read_bytes()),
        algorithms=["EdDSA"],
        audience=DEFAULT_AUDIENCE,
        issuer=LOCAL_ISSUER,
    )
    assert claims["sub"] == "local-school"
    assert claims["roles"] == ["school"]
    assert claims["regions"] == ["harz"]
    assert claims["school_id"] == "s-1"
    assert claims["email"] == "a@example.org" and claims["name"] == "A"
    assert claims["nbf"] == claims["iat"]
    assert claims["exp"] - claims["iat"] == 300
    assert "organization_id" not in claims


def test_mint_token_validates_input(key_paths: tuple[Path, Path]) -> None:
    with pytest.raises(ValueError, match="role"):
        mint_token(key_paths[0], role="root")
    with pytest.raises(ValueError, match="slug"):
        mint_token(key_paths[0], role="network_office", regions=["Harz Kreis"])
    with pytest.raises(ValueError, match="slug"):
        mint_token(key_paths[0], role="network_office", regions=["../etc"])


# --------------------------------------------------------------------------- verify(), local mode


async def test_valid_local_token(verifier: TokenVerifier, key_paths: tuple[Path, Path]) -> None:
    token = mint_token(
        key_paths[0], role="network_office", regions=["harz", "salzlandkreis"], sub="u-9"
    )
    principal = await verifier.verify(token)
    assert principal.sub == "u-9"
    assert principal.roles == frozenset({"network_office"})
    assert principal.regions == frozenset({"harz", "salzlandkreis"})
    assert principal.may_manage_region("harz")


def _count_decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every full signature check ``verify`` makes from now on (the tokens checked)."""
    checked: list[str] = []
    decode = jwt.decode

    def counting(token: str, *args: Any, **kwargs: Any) -> Any:
        checked.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting)
    return checked


async def test_a_verified_token_is_remembered_until_its_expiry(
    verifier: TokenVerifier, private_key: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = int(datetime.now(UTC).timestamp())
    token = jwt.encode(_claims(sub="cached-1", exp=now + 600), private_key, "EdDSA")
    other = jwt.encode(_claims(sub="cached-2", exp=now + 600), private_key, "EdDSA")
    checked = _count_decodes(monkeypatch)

    first = await verifier.verify(token)
    assert (await verifier.verify(token)) is first
    assert (await verifier.verify(other)).sub == "cached-2"
    assert checked == [token, other]

    later = now + 601.0  # past exp, within the leeway: checked again (and still accepted)
    monkeypatch.setattr("schulerfolg.auth.time.time", lambda: later)
    assert (await verifier.verify(token)).sub == "cached-1"
    assert checked == [token, other, token]


async def test_a_rejected_token_is_checked_every_time(
    verifier: TokenVerifier, private_key: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = jwt.encode(_claims(aud="elsewhere"), private_key, "EdDSA")
    checked = _count_decodes(monkeypatch)
    assert await _rejected(verifier, token) == "wrong audience"
    assert await _rejected(verifier, token) == "wrong audience"
    assert checked == [token, token]


async def test_expired_token(verifier: TokenVerifier, private_key: Any) -> None:
    now = int(datetime.now(UTC).timestamp())
    token = jwt.encode(
        _claims(iat=now - 7200, nbf=now - 7200, exp=now - 3600), private_key, "EdDSA"
    )
    assert await _rejected(verifier, token) == "token expired"


async def test_expiry_within_leeway_is_accepted(verifier: TokenVerifier, private_key: Any) -> None:
    now = int(datetime.now(UTC).timestamp())
    token = jwt.encode(_claims(exp=now - 5), private_key, "EdDSA")
    assert (await verifier.verify(token)).sub == "user-1"


async def test_not_yet_valid_token(verifier: TokenVerifier, private_key: Any) -> None:
    now = int(datetime.now(UTC).timestamp())
    token = jwt.encode(_claims(nbf=now + 3600, exp=now + 7200), private_key, "EdDSA")
    assert await _rejected(verifier, token) == "token not yet valid"


async def test_token_signed_by_another_key(verifier: TokenVerifier) -> None:
    other = ed25519.Ed25519PrivateKey.generate()
    token = jwt.encode(_claims(), other, "EdDSA")
    assert await _rejected(verifier, token) == "signature invalid"


async def test_tampered_payload(verifier: TokenVerifier, private_key: Any) -> None:
    header, _, signature = jwt.encode(_claims(), private_key, "EdDSA").split(".")
    forged = _segment(_claims(roles=["state_coordinator"]))
    assert await _rejected(verifier, f"{header}.{forged}.{signature}") == "signature invalid"


async def test_alg_none_is_refused(verifier: TokenVerifier) -> None:
    for alg in ("none", "None", "NONE"):
        token = f"{_segment({'alg': alg, 'typ': 'JWT'})}.{_segment(_claims())}."
        detail = await _rejected(verifier, token)
        assert detail.startswith("algorithm not allowed")
        assert alg in detail


async def test_hs256_key_confusion_is_refused(
    verifier: TokenVerifier, key_paths: tuple[Path, Path]
) -> None:
    secret = key_paths[1].read_bytes()  # the public key PEM, known to everyone
    signing_input = f"{_segment({'alg': 'HS256', 'typ': 'JWT'})}.{_segment(_claims())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{_b64(signature)}"
    assert await _rejected(verifier, token) == "algorithm not allowed: HS256"


async def test_allowed_alg_that_does_not_fit_the_key(verifier: TokenVerifier) -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(_claims(), rsa_key, "RS256")
    assert "algorithm not allowed" in await _rejected(verifier, token)


async def test_wrong_audience(verifier: TokenVerifier, private_key: Any) -> None:
    token = jwt.encode(_claims(aud="another-app"), private_key, "EdDSA")
    assert await _rejected(verifier, token) == "wrong audience"


async def test_wrong_issuer(verifier: TokenVerifier, private_key: Any) -> None:
    token = jwt.encode(_claims(iss="https://evil.example"), private_key, "EdDSA")
    assert await _rejected(verifier, token) == "wrong issuer"


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "iss", "aud"])
async def test_required_claims(verifier: TokenVerifier, private_key: Any, claim: str) -> None:
    token = jwt.encode(_claims(**{claim: None}), private_key, "EdDSA")
    detail = await _rejected(verifier, token)
    assert "required claim" in detail and claim in detail


@pytest.mark.parametrize(
    "token",
    ["garbage", "", "a.b.c", "eyJhbGciOiJFZERTQSJ9.!!!.xx", "x" * 20000, "é.é.é"],
)
async def test_malformed_tokens(verifier: TokenVerifier, token: str) -> None:
    assert "malformed token" in await _rejected(verifier, token)


def test_allowed_algorithms_are_asymmetric_only() -> None:
    assert "none" not in {alg.lower() for alg in ALLOWED_ALGORITHMS}
    assert not any(alg.startswith("HS") for alg in ALLOWED_ALGORITHMS)


def test_from_settings_modes(key_paths: tuple[Path, Path], tmp_path: Path) -> None:
    none = SimpleNamespace(
        auth_issuer=None, auth_audience="x", auth_jwks_url=None, auth_local_public_key_file=None
    )
    assert TokenVerifier.from_settings(none) is None

    oidc = SimpleNamespace(
        auth_issuer="https://idp.example/realms/sachsen-anhalt",
        auth_audience="schulerfolg",
        auth_jwks_url=None,
        auth_local_public_key_file=str(key_paths[1]),  # ignored: OIDC wins
    )
    verifier = TokenVerifier.from_settings(oidc)
    assert verifier is not None and not verifier.is_local
    assert verifier.issuer == "https://idp.example/realms/sachsen-anhalt"

    local = SimpleNamespace(
        auth_issuer=None,
        auth_audience="schulerfolg",
        auth_jwks_url=None,
        auth_local_public_key_file=str(key_paths[1]),
    )
    verifier = TokenVerifier.from_settings(local)
    assert verifier is not None and verifier.is_local and verifier.issuer == LOCAL_ISSUER

    missing = SimpleNamespace(**{**vars(local), "auth_local_public_key_file": str(tmp_path / "x")})
    with pytest.raises(FileNotFoundError):
        TokenVerifier.from_settings(missing)


# --------------------------------------------------------------------------- verify(), OIDC mode


@dataclass
class FakeIdentityProvider:
    """A tiny OIDC provider on 127.0.0.1: discovery document and JWKS."""

    issuer: str
    key: rsa.RSAPrivateKey
    kid: str = "kid-1"
    hits: dict[str, int] = field(default_factory=dict)

    def token(self, kid: str | None = None, **claims: Any) -> str:
        headers = {"kid": kid or self.kid}
        payload = _claims(iss=self.issuer, **claims)
        return jwt.encode(payload, self.key, "RS256", headers=headers)


@pytest.fixture(scope="module")
def idp() -> Iterator[FakeIdentityProvider]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    state: dict[str, Any] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            provider: FakeIdentityProvider = state["idp"]
            provider.hits[self.path] = provider.hits.get(self.path, 0) + 1
            if self.path == "/realms/test/.well-known/openid-configuration":
                body = {
                    "issuer": provider.issuer,
                    "jwks_uri": provider.issuer + "/protocol/openid-connect/certs",
                }
            elif self.path == "/realms/test/protocol/openid-connect/certs":
                body = {"keys": [{**jwk, "kid": provider.kid, "alg": "RS256", "use": "sig"}]}
            else:
                self.send_error(404)
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    state["idp"] = FakeIdentityProvider(issuer=f"http://127.0.0.1:{port}/realms/test", key=key)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["idp"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def oidc_verifier(idp: FakeIdentityProvider) -> TokenVerifier:
    settings = SimpleNamespace(
        auth_issuer=idp.issuer,
        auth_audience="schulerfolg",
        auth_jwks_url=None,
        auth_local_public_key_file=None,
    )
    verifier = TokenVerifier.from_settings(settings)
    assert verifier is not None
    return verifier


async def test_oidc_token_verified_through_discovery(
    oidc_verifier: TokenVerifier, idp: FakeIdentityProvider
) -> None:
    idp.hits.clear()
    token = idp.token(roles=None, realm_access={"roles": ["steering_member"]}, regions="harz")
    principal = await oidc_verifier.verify(token)
    assert principal.roles == frozenset({"steering_member"})
    assert principal.may_read_region("harz")

    await oidc_verifier.verify(token)  # discovery and keys are cached
    assert idp.hits == {
        "/realms/test/.well-known/openid-configuration": 1,
        "/realms/test/protocol/openid-connect/certs": 1,
    }


async def test_oidc_with_configured_jwks_url(idp: FakeIdentityProvider) -> None:
    verifier = TokenVerifier(
        issuer=idp.issuer,
        audience=DEFAULT_AUDIENCE,
        jwks_url=idp.issuer + "/protocol/openid-connect/certs",
    )
    idp.hits.clear()
    assert (await verifier.verify(idp.token())).sub == "user-1"
    assert "/realms/test/.well-known/openid-configuration" not in idp.hits


async def test_oidc_unknown_kid_is_refused(
    oidc_verifier: TokenVerifier, idp: FakeIdentityProvider
) -> None:
    assert await _rejected(oidc_verifier, idp.token(kid="rotated-away")) == (
        "unknown signing key (kid)"
    )


async def test_oidc_a_remembered_token_is_refused_once_its_key_left_the_jwks(
    oidc_verifier: TokenVerifier, idp: FakeIdentityProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = idp.token(sub="rotating")
    await oidc_verifier.verify(token)  # discovers the provider
    checked = _count_decodes(monkeypatch)
    await oidc_verifier.verify(token)
    await oidc_verifier.verify(token)
    assert checked == [token]  # remembered while the JWKS stays the same

    client = oidc_verifier._jwks_client
    assert client is not None
    monkeypatch.setattr(idp, "kid", "kid-2")  # the provider rotates its key id away
    await asyncio.to_thread(client.fetch_data)  # what the JWKS client does after 5 minutes
    assert await _rejected(oidc_verifier, token) == "unknown signing key (kid)"


async def test_oidc_token_without_kid_is_refused(
    oidc_verifier: TokenVerifier, idp: FakeIdentityProvider
) -> None:
    token = jwt.encode(_claims(iss=idp.issuer), idp.key, "RS256")
    assert "kid" in await _rejected(oidc_verifier, token)


async def test_oidc_token_from_another_key_with_known_kid(
    oidc_verifier: TokenVerifier, idp: FakeIdentityProvider
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(_claims(iss=idp.issuer), other, "RS256", headers={"kid": idp.kid})
    assert await _rejected(oidc_verifier, token) == "signature invalid"


async def test_oidc_local_token_is_refused(
    oidc_verifier: TokenVerifier, key_paths: tuple[Path, Path]
) -> None:
    token = mint_token(key_paths[0], role="state_coordinator")
    detail = await _rejected(oidc_verifier, token)
    assert "kid" in detail  # local tokens carry no key id of the provider


async def test_oidc_unreachable_provider() -> None:
    verifier = TokenVerifier(issuer="http://127.0.0.1:9/realms/none", audience="schulerfolg")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(_claims(iss=verifier.issuer), rsa_key, "RS256", headers={"kid": "k"})
    assert "unavailable" in await _rejected(verifier, token)


# --------------------------------------------------------------------------- FastAPI


NetworkOffice = Annotated[Principal, Depends(require_roles("network_office"))]


@pytest.fixture
def app(verifier: TokenVerifier) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.token_verifier = verifier

    @app.get("/office")
    async def office(principal: NetworkOffice) -> dict:
        return {"sub": principal.sub, "regions": sorted(principal.regions)}

    @app.get("/public")
    async def public(principal: OptionalPrincipal) -> dict:
        return {"sub": principal.sub if principal else None}

    return app


@pytest.fixture
async def client(app: FastAPI) -> Any:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_http_without_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/office")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["detail"] == "a bearer token is required"


async def test_http_bad_token(client: httpx.AsyncClient, private_key: Any) -> None:
    response = await client.get("/office", headers=_bearer("not-a-token"))
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert 'error="invalid_token"' in response.headers["www-authenticate"]

    expired = jwt.encode(_claims(exp=1_000_000), private_key, "EdDSA")
    response = await client.get("/office", headers=_bearer(expired))
    assert response.status_code == 401
    assert response.json()["detail"] == "token expired"


async def test_http_not_bearer(client: httpx.AsyncClient) -> None:
    response = await client.get("/office", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert response.status_code == 401
    response = await client.get("/public", headers={"Authorization": "Bearer "})
    assert response.status_code == 401


async def test_http_wrong_role(client: httpx.AsyncClient, key_paths: tuple[Path, Path]) -> None:
    token = mint_token(key_paths[0], role="school", school_id="s-1")
    response = await client.get("/office", headers=_bearer(token))
    assert response.status_code == 403
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert "network_office" in response.json()["detail"]


async def test_http_right_role(client: httpx.AsyncClient, key_paths: tuple[Path, Path]) -> None:
    token = mint_token(key_paths[0], role="network_office", regions=["harz"])
    response = await client.get("/office", headers=_bearer(token))
    assert response.status_code == 200
    assert response.json() == {"sub": "local-network_office", "regions": ["harz"]}


async def test_http_optional_principal(
    client: httpx.AsyncClient, key_paths: tuple[Path, Path]
) -> None:
    response = await client.get("/public")
    assert response.status_code == 200
    assert response.json() == {"sub": None}

    response = await client.get("/public", headers=_bearer("garbage"))
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM_JSON)

    token = mint_token(key_paths[0], role="partner", organization_id="o-1")
    response = await client.get("/public", headers=_bearer(token))
    assert response.status_code == 200
    assert response.json() == {"sub": "local-partner"}


async def test_http_without_configured_verifier(
    app: FastAPI, client: httpx.AsyncClient, key_paths: tuple[Path, Path]
) -> None:
    app.state.token_verifier = None
    token = mint_token(key_paths[0], role="network_office", regions=["harz"])
    response = await client.get("/office", headers=_bearer(token))
    assert response.status_code == 401
    assert (await client.get("/office")).status_code == 401
    assert (await client.get("/public")).status_code == 200


def test_require_roles_rejects_unknown_roles() -> None:
    with pytest.raises(ValueError):
        require_roles("netwrok_office")
    with pytest.raises(ValueError):
        require_roles()
