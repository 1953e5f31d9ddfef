"""Sessions: opened at sign-in (a new key every time), found again by the cookie, renewed with
the provider's refresh token, ended at sign-out or when they expire; and the development
sign-in of one machine."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog
from itsdangerous import BadSignature, URLSafeTimedSerializer

from schulerfolg.auth import ROLES, TokenVerifier, mint_token
from schulerfolg.db import Database
from schulerfolg.http.problems import Problem
from web.auth import repository
from web.auth.oidc import OidcClient, Pending, SignInFailed
from web.auth.schemas import Identity, Tokens, User
from web.config import WebSettings
from web.models import WebSession

log = structlog.get_logger("web.auth")

PENDING_MAX_AGE = 600  # seconds between leaving for the provider and coming back
TOUCH_EVERY = timedelta(minutes=1)
REFRESH_BEFORE = timedelta(seconds=30)


def now() -> datetime:
    return datetime.now(UTC)


def session_id_of(cookie_value: str) -> str:
    """The table key of a session: the cookie's value hashed (a stolen table opens nothing)."""
    return hashlib.sha256(cookie_value.encode()).hexdigest()


def safe_next(path: str | None, default: str = "/") -> str:
    """A path on this site to return to after sign-in (never another site)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return default
    if path.startswith(("/anmelden", "/abmelden")):
        return default
    return path


class Sessions:
    def __init__(self, settings: WebSettings, db: Database, secret_key: bytes) -> None:
        self.settings = settings
        self.db = db
        self.verifier = TokenVerifier.from_settings(settings)
        self.oidc = OidcClient(settings) if settings.auth_issuer else None
        self._pending = URLSafeTimedSerializer(secret_key, salt="web.sign-in")

    # ------------------------------------------------------------------ opening and finding

    async def identity(self, access_token: str) -> Identity:
        """Who the token names, checked exactly as the services check it."""
        if self.verifier is None:
            raise SignInFailed("no token verifier configured")
        try:
            principal = await self.verifier.verify(access_token)
        except Problem as exc:
            raise SignInFailed(f"access token refused: {exc.detail}") from exc
        return Identity(
            sub=principal.sub,
            name=principal.name,
            email=principal.email,
            roles=tuple(sorted(principal.roles)),
            regions=tuple(sorted(principal.regions)),
            school_id=principal.school_id,
            organization_id=principal.organization_id,
        )

    async def open(self, tokens: Tokens, *, development: bool, replaces: str | None) -> str:
        """A new session for these tokens; the old one of this browser ends. Returns the cookie
        value."""
        who = await self.identity(tokens.access_token)
        cookie = secrets.token_urlsafe(32)
        at = now()
        record = WebSession(
            id=session_id_of(cookie),
            sub=who.sub,
            name=who.name,
            email=who.email,
            roles=list(who.roles),
            regions=list(who.regions),
            school_id=who.school_id,
            organization_id=who.organization_id,
            access_token=tokens.access_token,
            access_expires_at=at + timedelta(seconds=tokens.expires_in),
            refresh_token=tokens.refresh_token,
            id_token=tokens.id_token,
            development=development,
            created_at=at,
            last_seen_at=at,
            expires_at=at + timedelta(hours=self.settings.session_max_hours),
        )
        async with self.db.transaction() as session:
            if replaces:
                await repository.remove(session, session_id_of(replaces))
            repository.add(session, record)
        log.info("web.signed_in", development=development, roles=list(who.roles))
        return cookie

    async def find(self, cookie_value: str | None) -> User | None:
        """The session of this cookie, if it is one and still valid (renewing its token)."""
        if not cookie_value or len(cookie_value) > 200:
            return None
        key = session_id_of(cookie_value)
        async with self.db.transaction(readonly=True) as session:
            record = await repository.get(session, key)
        if record is None:
            return None
        at = now()
        idle = timedelta(minutes=self.settings.session_idle_minutes)
        if record.expires_at <= at or record.last_seen_at + idle <= at:
            await self.end(cookie_value)
            return None
        if record.access_expires_at - REFRESH_BEFORE <= at:
            record = await self._renew(record)
            if record is None:
                await self.end(cookie_value)
                return None
        if at - record.last_seen_at >= TOUCH_EVERY:
            async with self.db.transaction() as session:
                await repository.touch(session, key, at)
        return User(
            session_id=key,
            sub=record.sub,
            token=record.access_token,
            name=record.name,
            email=record.email,
            roles=tuple(record.roles),
            regions=tuple(record.regions),
            school_id=record.school_id,
            organization_id=record.organization_id,
            development=record.development,
            signed_in_at=record.created_at,
        )

    async def _renew(self, record: WebSession) -> WebSession | None:
        if self.oidc is None or not record.refresh_token:
            return None
        try:
            tokens = await self.oidc.refresh(record.refresh_token)
        except SignInFailed as exc:
            log.info("web.refresh_refused", reason=str(exc))
            return None
        record.access_token = tokens.access_token
        record.access_expires_at = now() + timedelta(seconds=tokens.expires_in)
        record.refresh_token = tokens.refresh_token
        async with self.db.transaction() as session:
            await repository.replace_tokens(
                session,
                record.id,
                access_token=record.access_token,
                access_expires_at=record.access_expires_at,
                refresh_token=record.refresh_token,
            )
        return record

    async def end(self, cookie_value: str) -> WebSession | None:
        """End the session of this cookie; returns what it was (for the provider's sign-out)."""
        key = session_id_of(cookie_value)
        async with self.db.transaction() as session:
            record = await repository.get(session, key)
            await repository.remove(session, key)
        return record

    async def remove_expired(self) -> int:
        """Delete every session past its end or idle too long (with the name and e-mail
        address it held)."""
        idle = timedelta(minutes=self.settings.session_idle_minutes)
        async with self.db.transaction() as session:
            return await repository.remove_expired(session, now(), idle)

    # ------------------------------------------------------------------ the provider's round trip

    def seal(self, pending: Pending) -> str:
        return self._pending.dumps([pending.state, pending.verifier, pending.nonce, pending.next])

    def unseal(self, value: str | None) -> Pending | None:
        if not value:
            return None
        try:
            state, verifier, nonce, next_path = self._pending.loads(value, max_age=PENDING_MAX_AGE)
        except (BadSignature, ValueError, TypeError):
            return None
        return Pending(state=state, verifier=verifier, nonce=nonce, next=next_path)

    # ------------------------------------------------------------------ one machine

    def development_token(
        self,
        *,
        role: str,
        regions: list[str],
        school_id: str | None,
        organization_id: str | None,
        name: str | None,
        email: str | None,
    ) -> Tokens:
        """A token signed with the local key, as `schulerfolg token` makes one."""
        key_file = self.settings.auth_local_private_key_file
        if not self.settings.dev_sign_in or not key_file:
            raise SignInFailed("the development sign-in is off")
        if role not in ROLES:
            raise ValueError(role)
        basis = "|".join(
            [email or "", role, ",".join(regions), school_id or "", organization_id or ""]
        )
        sub = "local-" + hashlib.sha256(basis.encode()).hexdigest()[:20]
        ttl = timedelta(hours=self.settings.session_max_hours)
        token = mint_token(
            Path(key_file),
            role=role,
            regions=regions,
            school_id=school_id,
            organization_id=organization_id,
            email=email,
            sub=sub,
            name=name,
            audience=self.settings.auth_audience,
            ttl=ttl,
        )
        return Tokens(access_token=token, expires_in=ttl.total_seconds())
