"""Sign-in at an OpenID Connect provider: the authorization code flow with PKCE (S256), done with
Authlib's OAuth 2.0 client; the ID token is checked (signature by the issuer's JWKS, issuer,
audience, nonce) with PyJWT."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client

from web.auth.schemas import Tokens
from web.config import WebSettings


class SignInFailed(Exception):
    """The provider's answer could not be accepted (reason for the log, not for the page)."""


@dataclass(frozen=True)
class Pending:
    """What the browser keeps (signed) between leaving for the provider and coming back."""

    state: str
    verifier: str
    nonce: str
    next: str


class OidcClient:
    def __init__(self, settings: WebSettings) -> None:
        assert settings.auth_issuer
        self.settings = settings
        self.issuer = settings.auth_issuer.rstrip("/")
        self.redirect_uri = settings.public_base_url.rstrip("/") + "/anmelden/rueckkehr"
        self._metadata: dict[str, Any] | None = None
        self._jwks: jwt.PyJWKClient | None = None
        self._lock = asyncio.Lock()

    def _client(self) -> AsyncOAuth2Client:
        secret = self.settings.auth_client_secret
        return AsyncOAuth2Client(
            client_id=self.settings.auth_client_id,
            client_secret=secret.get_secret_value() if secret else None,
            scope=self.settings.auth_scopes,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic" if secret else "none",
            timeout=10,
        )

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (fetched once)."""
        async with self._lock:
            if self._metadata is None:
                async with httpx.AsyncClient(timeout=10) as client:
                    response = await client.get(self.issuer + "/.well-known/openid-configuration")
                    response.raise_for_status()
                    document = response.json()
                if str(document.get("issuer", "")).rstrip("/") != self.issuer:
                    raise SignInFailed("the discovery document names another issuer")
                self._metadata = document
                self._jwks = jwt.PyJWKClient(document["jwks_uri"], cache_jwk_set=True, lifespan=300)
            return self._metadata

    async def start(self, next_path: str) -> tuple[str, Pending]:
        """The provider's authorization URL and what to keep until the browser returns."""
        meta = await self.metadata()
        pending = Pending(
            state=secrets.token_urlsafe(24),
            verifier=generate_token(64),
            nonce=secrets.token_urlsafe(24),
            next=next_path,
        )
        extra = {"resource": self.settings.auth_resource} if self.settings.auth_resource else {}
        async with self._client() as client:
            url, _ = client.create_authorization_url(
                meta["authorization_endpoint"],
                state=pending.state,
                code_verifier=pending.verifier,
                nonce=pending.nonce,
                **extra,
            )
        return url, pending

    async def finish(self, pending: Pending, code: str) -> Tokens:
        """Exchange the code (with the PKCE verifier) and check the ID token."""
        meta = await self.metadata()
        extra = {"resource": self.settings.auth_resource} if self.settings.auth_resource else {}
        async with self._client() as client:
            try:
                token = await client.fetch_token(
                    meta["token_endpoint"], code=code, code_verifier=pending.verifier, **extra
                )
            except Exception as exc:  # authlib raises OAuthError and httpx errors
                raise SignInFailed(f"token exchange refused: {type(exc).__name__}") from exc
        id_token = token.get("id_token")
        if not id_token:
            raise SignInFailed("no id_token")
        await self._check_id_token(id_token, pending.nonce)
        return Tokens(
            access_token=token["access_token"],
            expires_in=float(token.get("expires_in") or 300),
            refresh_token=token.get("refresh_token"),
            id_token=id_token,
        )

    async def refresh(self, refresh_token: str) -> Tokens:
        meta = await self.metadata()
        async with self._client() as client:
            try:
                token = await client.refresh_token(
                    meta["token_endpoint"], refresh_token=refresh_token
                )
            except Exception as exc:
                raise SignInFailed(f"refresh refused: {type(exc).__name__}") from exc
        return Tokens(
            access_token=token["access_token"],
            expires_in=float(token.get("expires_in") or 300),
            refresh_token=token.get("refresh_token") or refresh_token,
            id_token=token.get("id_token"),
        )

    async def _check_id_token(self, id_token: str, nonce: str) -> None:
        assert self._jwks is not None
        try:
            key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, id_token)
            claims = jwt.decode(
                id_token,
                key,
                algorithms=["RS256", "PS256", "ES256", "EdDSA"],
                audience=self.settings.auth_client_id,
                issuer=self.issuer,
                leeway=30,
            )
        except jwt.PyJWTError as exc:
            raise SignInFailed(f"id_token refused: {type(exc).__name__}") from exc
        if claims.get("nonce") != nonce:
            raise SignInFailed("id_token nonce does not match")

    async def end_session_url(self, id_token: str | None) -> str | None:
        """Where the browser signs out at the provider too (when it offers that)."""
        meta = await self.metadata()
        endpoint = meta.get("end_session_endpoint")
        if not endpoint:
            return None
        params = {
            "client_id": self.settings.auth_client_id,
            "post_logout_redirect_uri": self.settings.public_base_url.rstrip("/") + "/",
        }
        if id_token:
            params["id_token_hint"] = id_token
        return str(httpx.URL(endpoint, params=params))
