"""A real OpenID Connect provider for tests: ``tests/oidc/server.mjs`` (npm ``oidc-provider``).

``oidc_provider(redirect_uris, accounts)`` installs the provider's pinned packages with
``npm ci`` when they are missing, starts it with node on a free port of 127.0.0.1 and yields an
``OidcProvider`` with the issuer URL and the client's id and secret; it stops the provider at
the end. The provider:

* has one confidential client (``client_secret_basic``) that must use PKCE with S256;
* issues RS256 JWT access tokens with ``aud`` = ``audience`` (the suite's ``AUTH_AUDIENCE``,
  default ``schulerfolg``) carrying the account's ``roles``, ``regions``, ``name``, ``email``,
  ``school_id`` and ``organization_id``, so the services accept them with
  ``AUTH_ISSUER=<issuer>``; the ID token carries the same claims;
* signs people in with a plain form (``SIGN_IN_SELECTORS``) checked against ``accounts``
  (keyed by login name: ``password``, ``sub`` and the claims above); consent is implied;
* ends sessions at ``end_session_endpoint`` after a confirmation form („Abmelden“ button).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from schulerfolg.auth import DEFAULT_AUDIENCE
from schulerfolg_dev.processes import log_tail, spawn
from schulerfolg_dev.testing.servers import _register, _terminate, _unregister

__all__ = [
    "CLIENT_ID",
    "OIDC_DIR",
    "SIGN_IN_SELECTORS",
    "OidcProvider",
    "ensure_node_packages",
    "oidc_provider",
]

OIDC_DIR = Path(__file__).resolve().parents[4] / "tests" / "oidc"
CLIENT_ID = "schulerfolg-web"
# The provider's sign-in form, for browser tests (labels „Benutzername“, „Passwort“).
SIGN_IN_SELECTORS = {
    "login": 'input[name="login"]',
    "password": 'input[name="password"]',
    "submit": '#login-form button[type="submit"]',  # „Anmelden“
    "error": "#login-error",  # „Benutzername oder Passwort ist falsch.“ (role alert)
    "logout": 'button[name="logout"]',  # „Abmelden“ on the end-session page
}
_READY = re.compile(r"^READY (http://\S+)$", re.MULTILINE)


def ensure_node_packages(directory: Path, timeout: float = 600.0) -> None:
    """Install a Node project's pinned packages (``npm ci``) unless ``node_modules`` exists.

    Parallel test workers take turns through a lock file, so only one of them installs.
    """
    if (directory / "node_modules").is_dir():
        return
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise RuntimeError("Node.js (node and npm, version 20 or later) is needed for this test")
    digest = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:16]
    lock_name = f"schulerfolg-npm-{digest}.lock"
    with (Path(tempfile.gettempdir()) / lock_name).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (directory / "node_modules").is_dir():
            return
        result = subprocess.run(
            [
                "npm",
                "ci",
                "--prefix",
                str(directory),
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"npm ci in {directory} failed:\n{result.stderr[-4000:]}")


@dataclass(frozen=True)
class OidcProvider:
    """A running test provider: where it is and the client the web service signs in with."""

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    audience: str
    accounts: Mapping[str, Mapping[str, Any]] = field(repr=False)
    log_path: Path

    @property
    def discovery_url(self) -> str:
        """The provider's discovery document (``/.well-known/openid-configuration``)."""
        return f"{self.issuer}/.well-known/openid-configuration"

    def log_tail(self) -> str:
        """The end of the provider's output."""
        return log_tail(self.log_path)


class _Process:
    """The node process, stoppable by the servers' atexit hook as well."""

    def __init__(self, args: Sequence[str], env: dict[str, str], log: IO[bytes]) -> None:
        self.proc = spawn(args, log=log, env=env, cwd=OIDC_DIR)

    def close(self) -> None:
        _terminate(self.proc, signal.SIGTERM, 10.0)


def _wait_ready(process: _Process, log_path: Path, timeout: float) -> str:
    """The issuer from the provider's ``READY <issuer>`` line, once it listens."""
    deadline = time.monotonic() + timeout
    while True:
        text = log_path.read_text(errors="replace")
        found = _READY.search(text)
        if found:
            return found.group(1)
        code = process.proc.poll()
        if code is not None:
            raise RuntimeError(f"the OIDC provider exited with code {code}:\n{log_tail(log_path)}")
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"the OIDC provider did not start within {timeout:.0f}s:\n{log_tail(log_path)}"
            )
        time.sleep(0.05)


@contextmanager
def oidc_provider(
    redirect_uris: Sequence[str],
    accounts: Mapping[str, Mapping[str, Any]],
    *,
    post_logout_redirect_uris: Sequence[str] = (),
    access_token_ttl: int = 600,
    id_token_ttl: int = 3600,
    session_ttl: int = 3600,
    client_id: str = CLIENT_ID,
    client_secret: str | None = None,
    audience: str = DEFAULT_AUDIENCE,
    timeout: float = 30.0,
) -> Iterator[OidcProvider]:
    """Run the test OIDC provider for the duration of the block (see the module docstring).

    ``accounts`` maps login names to ``{"password", "sub", "name", "email", "roles",
    "regions", "school_id", "organization_id"}`` (all optional; ``sub`` defaults to the login).
    TTLs are in seconds; a short ``access_token_ttl`` gives tokens that expire during a test.
    """
    ensure_node_packages(OIDC_DIR)
    node = shutil.which("node")
    assert node is not None  # checked by ensure_node_packages
    secret = client_secret or secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "OIDC_PORT": "0",
        "OIDC_CLIENT_ID": client_id,
        "OIDC_CLIENT_SECRET": secret,
        "OIDC_REDIRECT_URIS": json.dumps(list(redirect_uris)),
        "OIDC_POST_LOGOUT_REDIRECT_URIS": json.dumps(list(post_logout_redirect_uris)),
        "OIDC_ACCOUNTS": json.dumps({login: dict(data) for login, data in accounts.items()}),
        "OIDC_AUDIENCE": audience,
        "OIDC_ACCESS_TOKEN_TTL": str(access_token_ttl),
        "OIDC_ID_TOKEN_TTL": str(id_token_ttl),
        "OIDC_SESSION_TTL": str(session_ttl),
    }
    workdir = Path(tempfile.mkdtemp(prefix="schulerfolg-oidc-"))
    log_path = workdir / "oidc-provider.log"
    try:
        with log_path.open("ab") as log:
            process = _Process([node, str(OIDC_DIR / "server.mjs")], env, log)
            _register(process)
            try:
                issuer = _wait_ready(process, log_path, timeout)
                yield OidcProvider(
                    issuer=issuer,
                    client_id=client_id,
                    client_secret=secret,
                    audience=audience,
                    accounts=accounts,
                    log_path=log_path,
                )
            finally:
                process.close()
                _unregister(process)
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(workdir)
