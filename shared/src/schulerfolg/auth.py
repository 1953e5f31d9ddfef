"""Bearer-token authentication and role/region checks shared by every service.

Two modes, chosen by the settings (see ``TokenVerifier.from_settings``):

* OIDC: tokens come from an identity provider (e.g. Keycloak); their signatures are checked
  against the provider's JWKS, found through ``{issuer}/.well-known/openid-configuration``
  unless a JWKS URL is configured.
* Local (one machine): ``schulerfolg up`` writes an Ed25519 key pair with
  ``generate_signing_key``; ``schulerfolg token`` mints tokens with ``mint_token`` and the
  services verify them with the public key and the issuer ``LOCAL_ISSUER``.

Only asymmetric algorithms are accepted (``ALLOWED_ALGORITHMS``); ``alg=none`` and the HS*
family are refused before anything else is looked at. Nothing here logs names or e-mail
addresses.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import time
import urllib.request
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlparse

import jwt
import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from fastapi import Depends, Request

from schulerfolg.http.problems import Forbidden, Unauthorized

log = structlog.get_logger("schulerfolg.auth")

ROLES = ("state_coordinator", "network_office", "steering_member", "school", "partner", "admin")
LOCAL_ISSUER = "schulerfolg-local"
DEFAULT_AUDIENCE = "schulerfolg"
ALLOWED_ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA")  # never "none", never HS*

PRIVATE_KEY_FILE = "signing-key.pem"
PUBLIC_KEY_FILE = "signing-key.pub.pem"
REQUIRED_CLAIMS = ("exp", "iat", "sub", "iss", "aud")
MAX_TOKEN_LENGTH = 16 * 1024  # larger headers are refused unparsed
DISCOVERY_TIMEOUT = 10.0
DISCOVERY_RETRY_AFTER = 10.0  # seconds a failed discovery is not retried
JWKS_TIMEOUT = 5.0
VERIFIED_TOKENS_CACHED = 4096  # verified tokens kept (least recently used go first)
REALM = "schulerfolg"

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_REGION_READERS = frozenset({"network_office", "steering_member"})


# --------------------------------------------------------------------------- principal


def _strings(value: Any) -> list[str]:
    """A claim that may be one string or a list of strings, as a list of non-empty strings."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple | set | frozenset):
        return []
    return [item.strip() for item in value if isinstance(item, str) and item.strip()]


def _optional_str(value: Any) -> str | None:
    """A scalar claim as a string, or None when absent or empty."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: who it is, its roles and the regions its roles apply to."""

    sub: str
    name: str | None = field(default=None, repr=False)  # personal data: kept out of repr/logs
    email: str | None = field(default=None, repr=False)
    roles: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    school_id: str | None = None
    organization_id: str | None = None

    def has_role(self, *roles: str) -> bool:
        """Whether the caller has at least one of ``roles``."""
        return any(role in self.roles for role in roles)

    def may_manage_region(self, region: str | None) -> bool:
        """Whether the caller may change a region's data (``None``: state-level data)."""
        if self.has_role("state_coordinator"):
            return True
        return region is not None and self.has_role("network_office") and region in self.regions

    def may_read_region(self, region: str | None) -> bool:
        """Whether the caller may read a region's non-public data (``None``: state level)."""
        if self.has_role("state_coordinator"):
            return True
        return (
            region is not None
            and any(role in _REGION_READERS for role in self.roles)
            and region in self.regions
        )

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        """Build a principal from verified token claims; unknown roles are dropped."""
        sub = _optional_str(claims.get("sub"))
        if sub is None:
            raise ValueError("the token has no subject (sub)")
        raw_roles = claims.get("roles")
        if raw_roles is None:
            realm_access = claims.get("realm_access")
            raw_roles = realm_access.get("roles") if isinstance(realm_access, dict) else None
        return cls(
            sub=sub,
            name=_optional_str(claims.get("name")),
            email=_optional_str(claims.get("email")),
            roles=frozenset(role for role in _strings(raw_roles) if role in ROLES),
            regions=frozenset(_strings(claims.get("regions"))),
            school_id=_optional_str(claims.get("school_id")),
            organization_id=_optional_str(claims.get("organization_id")),
        )


# --------------------------------------------------------------------------- verification


def _algorithms_for(key: Any) -> tuple[str, ...]:
    """The allowed algorithms that can be verified with ``key``."""
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return ("EdDSA",)
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return ("RS256", "PS256")
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return ("ES256",) if isinstance(key.curve, ec.SECP256R1) else ()
    return ()


def _load_public_key(public_key: Any) -> Any:
    """A public key object from a key object, PEM text/bytes or a path to a PEM file."""
    if isinstance(public_key, Path):
        public_key = public_key.read_bytes()
    if isinstance(public_key, str):
        public_key = public_key.encode()
    if isinstance(public_key, bytes):
        public_key = serialization.load_pem_public_key(public_key)
    if not _algorithms_for(public_key):
        raise ValueError("the verification key must be an Ed25519, RSA or P-256 public key")
    return public_key


def _fetch_json(url: str, timeout: float) -> dict[str, Any]:
    """GET a JSON object over http(s) (blocking; call it in a thread)."""
    if urlparse(url).scheme not in ("http", "https"):
        raise ValueError("only http(s) URLs are fetched")
    with urllib.request.urlopen(url, timeout=timeout) as response:
        data = json.loads(response.read(1024 * 1024))
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def _invalid(reason: str) -> Unauthorized:
    """A 401 for a token that is present but not acceptable."""
    log.info("auth.token_rejected", reason=reason)
    description = re.sub(r'[^\x20-\x7e]|["\\]', "", reason)  # a valid quoted-string
    return Unauthorized(
        reason,
        headers={
            "WWW-Authenticate": (
                f'Bearer realm="{REALM}", error="invalid_token", error_description="{description}"'
            )
        },
    )


_JWT_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.ImmatureSignatureError, "token not yet valid"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.InvalidSignatureError, "signature invalid"),
    (jwt.InvalidAlgorithmError, "algorithm not allowed"),
    (jwt.InvalidIssuedAtError, "malformed token: iat is not a number"),
    (jwt.InvalidKeyError, "signature invalid"),
    (jwt.DecodeError, "malformed token"),
)


class TokenVerifier:
    """Verifies bearer JWTs: signature, exp/nbf/iat, issuer, audience; returns a Principal."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        public_key: Any = None,
        jwks_url: str | None = None,
        leeway: float = 30.0,
    ) -> None:
        if not issuer:
            raise ValueError("an issuer is required")
        self.issuer = issuer
        self.audience = audience or DEFAULT_AUDIENCE
        self.leeway = leeway
        self._public_key = _load_public_key(public_key) if public_key is not None else None
        self._jwks_url = jwks_url
        self._jwks_client: jwt.PyJWKClient | None = None
        self._discovery_lock = asyncio.Lock()
        self._discovery_failed_at: float | None = None
        # sha256(token) → (principal, its exp, the key material it was verified against)
        self._verified: OrderedDict[bytes, tuple[Principal, float, object]] = OrderedDict()
        if jwks_url:
            self._jwks_client = self._make_jwks_client(jwks_url)

    @property
    def is_local(self) -> bool:
        """Whether tokens are checked against a fixed public key (one-machine mode)."""
        return self._public_key is not None

    @classmethod
    def from_settings(cls, settings: Any) -> TokenVerifier | None:
        """The verifier the settings ask for: OIDC, local key, or None (no auth configured)."""
        audience = getattr(settings, "auth_audience", None) or DEFAULT_AUDIENCE
        issuer = getattr(settings, "auth_issuer", None)
        if issuer:
            return cls(issuer=issuer, audience=audience, jwks_url=settings.auth_jwks_url or None)
        key_file = getattr(settings, "auth_local_public_key_file", None)
        if key_file:
            path = Path(key_file)
            if not path.is_file():
                raise FileNotFoundError(f"auth_local_public_key_file does not exist: {path}")
            return cls(issuer=LOCAL_ISSUER, audience=audience, public_key=path)
        return None

    @staticmethod
    def _make_jwks_client(url: str) -> jwt.PyJWKClient:
        """A caching JWKS client (keys are re-fetched every 5 minutes or on an unknown kid)."""
        return jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=300, timeout=JWKS_TIMEOUT)

    async def _jwks(self) -> jwt.PyJWKClient:
        """The JWKS client, discovering the JWKS URL from the issuer on first use."""
        if self._jwks_client is not None:
            return self._jwks_client
        async with self._discovery_lock:
            if self._jwks_client is not None:
                return self._jwks_client
            failed_at = self._discovery_failed_at
            if failed_at is not None and time.monotonic() - failed_at < DISCOVERY_RETRY_AFTER:
                raise _invalid("the identity provider's signing keys are unavailable")
            url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            try:
                document = await asyncio.to_thread(_fetch_json, url, DISCOVERY_TIMEOUT)
                if str(document.get("issuer", "")).rstrip("/") != self.issuer.rstrip("/"):
                    raise ValueError("the discovery document names another issuer")
                jwks_uri = document.get("jwks_uri")
                if not isinstance(jwks_uri, str) or urlparse(jwks_uri).scheme not in (
                    "http",
                    "https",
                ):
                    raise ValueError("the discovery document has no http(s) jwks_uri")
                self._jwks_client = self._make_jwks_client(jwks_uri)
            except Exception as exc:
                self._discovery_failed_at = time.monotonic()
                log.warning("auth.discovery_failed", url=url, error=type(exc).__name__)
                raise _invalid("the identity provider's signing keys are unavailable") from exc
            self._discovery_failed_at = None
            return self._jwks_client

    async def _key_for(self, header: dict[str, Any]) -> tuple[Any, tuple[str, ...]]:
        """The key that must have signed the token and the algorithms it may be used with."""
        if self._public_key is not None:
            return self._public_key, _algorithms_for(self._public_key)
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise _invalid("the token names no signing key (kid)")
        client = await self._jwks()
        try:
            signing_key = await asyncio.to_thread(client.get_signing_key, kid)
        except (jwt.PyJWKClientConnectionError, ValueError) as exc:  # unreachable or not JSON
            log.warning("auth.jwks_unavailable", url=client.uri, error=type(exc).__name__)
            raise _invalid("the identity provider's signing keys are unavailable") from exc
        except (jwt.PyJWKClientError, jwt.PyJWKSetError, jwt.PyJWKError) as exc:
            raise _invalid("unknown signing key (kid)") from exc
        return signing_key, (signing_key.algorithm_name,)

    def _key_material(self) -> object | None:
        """What tokens are verified against right now, without I/O: the fixed public key, or
        the JWK set the JWKS client holds (a new object after every fetch; None when it holds
        none or its set expired)."""
        material: object | None = self._public_key
        client = self._jwks_client
        if material is None and client is not None and client.jwk_set_cache is not None:
            material = client.jwk_set_cache.get()
        return material

    async def verify(self, token: str) -> Principal:
        """Check a bearer token and return its principal; raise Unauthorized with the reason.

        A verified token is remembered (by its hash, never the token) until its ``exp`` while
        the keys it was checked against stay the same: a JWKS fetched anew (every 5 minutes, or
        for an unknown kid) checks every token again, so a key removed by the provider is
        refused as soon as it would be without the cache."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise _invalid("malformed token")
        digest = hashlib.sha256(token.encode()).digest()
        cached = self._verified.get(digest)
        if cached is not None:
            principal, expires, material = cached
            if time.time() < expires and material is self._key_material():
                self._verified.move_to_end(digest)
                return principal
            del self._verified[digest]
        material = self._key_material()  # before the key is looked up: a refresh misses
        principal, claims = await self._verify(token)
        if material is not None:
            self._verified[digest] = (principal, float(claims["exp"]), material)
            if len(self._verified) > VERIFIED_TOKENS_CACHED:
                self._verified.popitem(last=False)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, dict[str, Any]]:
        """The full check of a token: header, key, signature and claims."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise _invalid("malformed token") from exc
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in ALLOWED_ALGORITHMS:
            shown = alg if isinstance(alg, str) and re.fullmatch(r"[A-Za-z0-9]{1,16}", alg) else "?"
            raise _invalid(f"algorithm not allowed: {shown}")
        key, algorithms = await self._key_for(header)
        if alg not in algorithms:
            raise _invalid(f"algorithm not allowed for this key: {alg}")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=list(algorithms),
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": list(REQUIRED_CLAIMS), "enforce_minimum_key_length": True},
            )
        except jwt.MissingRequiredClaimError as exc:
            raise _invalid(f"token lacks the required claim {exc.claim}") from exc
        except jwt.PyJWTError as exc:
            for error_type, reason in _JWT_ERRORS:
                if isinstance(exc, error_type):
                    raise _invalid(reason) from exc
            raise _invalid("invalid token") from exc
        try:
            return Principal.from_claims(claims), claims
        except ValueError as exc:
            raise _invalid(f"malformed token: {exc}") from exc


# --------------------------------------------------------------------------- local keys and tokens


def generate_signing_key(directory: Path) -> tuple[Path, Path]:
    """Create the local Ed25519 key pair under ``directory`` unless it exists; return the paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    private_path = directory / PRIVATE_KEY_FILE
    public_path = directory / PUBLIC_KEY_FILE

    if not private_path.exists():
        pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # Written to a private temporary file first, then linked into place: the key is never
        # readable by others, and of two concurrent callers exactly one key wins.
        temporary = directory / f".{PRIVATE_KEY_FILE}.{uuid.uuid4().hex}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
            with contextlib.suppress(FileExistsError):
                os.link(temporary, private_path)
        finally:
            temporary.unlink(missing_ok=True)
    if private_path.stat().st_mode & 0o077:
        private_path.chmod(0o600)

    private_key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if not public_path.exists() or public_path.read_bytes() != public_pem:
        temporary = directory / f".{PUBLIC_KEY_FILE}.{uuid.uuid4().hex}"
        temporary.write_bytes(public_pem)
        temporary.chmod(0o644)
        os.replace(temporary, public_path)
    return private_path, public_path


def mint_token(
    private_key_path: Path,
    *,
    role: str,
    regions: Sequence[str] = (),
    school_id: str | None = None,
    organization_id: str | None = None,
    email: str | None = None,
    sub: str | None = None,
    name: str | None = None,
    audience: str = DEFAULT_AUDIENCE,
    ttl: timedelta = timedelta(hours=12),
) -> str:
    """A token for ``role`` signed with the local key, accepted by services in local mode."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of: {', '.join(ROLES)}")
    if isinstance(regions, str):
        regions = [regions]
    bad = [region for region in regions if not _SLUG.match(region)]
    if bad:
        raise ValueError(f"not a region slug (like 'harz' or 'halle-saale'): {', '.join(bad)}")
    if ttl <= timedelta(0):
        raise ValueError("ttl must be positive")
    private_key = serialization.load_pem_private_key(
        Path(private_key_path).read_bytes(), password=None
    )
    algorithms = _algorithms_for(private_key)
    signing = ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if not algorithms or not isinstance(private_key, signing):
        raise ValueError("the signing key must be an Ed25519, RSA or P-256 private key")

    now = datetime.now(UTC).replace(microsecond=0)
    claims: dict[str, Any] = {
        "iss": LOCAL_ISSUER,
        "sub": sub or f"local-{role}",
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
        "roles": [role],
        "regions": list(dict.fromkeys(regions)),
    }
    optional = {
        "school_id": school_id,
        "organization_id": organization_id,
        "email": email,
        "name": name,
    }
    claims.update({key: value for key, value in optional.items() if value is not None})
    return jwt.encode(claims, private_key, algorithm=algorithms[0])


# --------------------------------------------------------------------------- FastAPI dependencies

_SCOPE_KEY = "schulerfolg.principal"
_ANONYMOUS = object()


async def optional_principal(request: Request) -> Principal | None:
    """The caller, or None without an Authorization header; a bad header is a 401."""
    cached = request.scope.get(_SCOPE_KEY)
    if cached is not None:
        return None if cached is _ANONYMOUS else cached
    header = request.headers.get("authorization")
    if header is None:
        request.scope[_SCOPE_KEY] = _ANONYMOUS
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _invalid("the Authorization header must be 'Bearer <token>'")
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        raise _invalid("authentication is not configured on this service")
    principal = await verifier.verify(token)
    request.scope[_SCOPE_KEY] = principal
    return principal


async def current_principal(request: Request) -> Principal:
    """The authenticated caller; a missing token is a 401."""
    principal = await optional_principal(request)
    if principal is None:
        raise Unauthorized(
            "a bearer token is required",
            headers={"WWW-Authenticate": f'Bearer realm="{REALM}"'},
        )
    return principal


def route_needs_token(route: Any) -> bool:
    """Whether a route's dependencies include ``current_principal`` (401 without a token)."""
    dependant = getattr(route, "dependant", None)
    return dependant is not None and _depends_on_principal(dependant)


def _depends_on_principal(dependant: Any) -> bool:
    return any(
        sub.call is current_principal or _depends_on_principal(sub)
        for sub in dependant.dependencies
    )


def roleless_refusal(request: Request) -> Forbidden | None:
    """The 403 for a caller whose valid token carries no known role, on a route that needs a
    token, where the service would hide the resource (404). Such a caller's role allows nothing
    the service could hide, so the contract's answer is 403 (what anonymous callers may read,
    and what every signed-in user or a seat holder may do, is answered as for anyone)."""
    principal = request.scope.get(_SCOPE_KEY)
    if not isinstance(principal, Principal) or principal.roles:
        return None
    if not route_needs_token(request.scope.get("route")):
        return None
    return Forbidden("your sign-in carries no role that allows this")


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


def require_roles(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency returning the caller if it has one of ``roles`` (401 without token, 403)."""
    unknown = [role for role in roles if role not in ROLES]
    if not roles or unknown:
        raise ValueError(f"require_roles needs known roles, got: {', '.join(roles) or 'none'}")

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if not principal.has_role(*roles):
            raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")
        return principal

    dependency.__name__ = f"require_roles_{'_'.join(roles)}"
    return dependency


def ensure_may_manage_region(principal: Principal, region: str | None) -> None:
    """Raise Forbidden unless the caller may change data of ``region`` (None: state level)."""
    if principal.may_manage_region(region):
        return
    if region is None:
        raise Forbidden("only the state coordinator may change state-level data")
    raise Forbidden(f"you may not manage the region '{region}'")


__all__ = [
    "ALLOWED_ALGORITHMS",
    "DEFAULT_AUDIENCE",
    "LOCAL_ISSUER",
    "ROLES",
    "CurrentPrincipal",
    "OptionalPrincipal",
    "Principal",
    "TokenVerifier",
    "current_principal",
    "ensure_may_manage_region",
    "generate_signing_key",
    "mint_token",
    "optional_principal",
    "require_roles",
    "roleless_refusal",
    "route_needs_token",
]
