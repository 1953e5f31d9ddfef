"""The suite with its web service, and a real Chromium driven by Playwright, for the page tests.

``running_web`` starts the web service (``python -m web``) beside the four services of
``suite_support.running_suite``; ``browser`` launches Debian's Chromium (``/usr/bin/chromium``,
or ``CHROMIUM_PATH``) headless. ``sign_in`` uses the development sign-in of one machine;
``check_accessibility`` runs axe-core on a page and fails on serious or critical violations;
``tab_to`` moves the focus by the keyboard; ``register_for_event`` gives an address an inbox.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from e2e.flow import ok
from suite_support import Suite

from schulerfolg.auth import PUBLIC_KEY_FILE
from schulerfolg_dev.testing.live import LiveService

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    """Debian's Chromium (``.ci/run`` installs it when missing)."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError(
            "Chromium is missing: install Debian's package (apt-get install chromium) "
            "or set CHROMIUM_PATH; .ci/run installs it on a fresh machine"
        )
    return path


@dataclass
class Web:
    """The running web service in front of a running suite."""

    service: LiveService
    suite: Suite
    database: Path

    @property
    def url(self) -> str:
        return self.service.url

    def access_tokens(self) -> list[str]:
        """The access tokens the web service keeps for its sessions (to show none leaks)."""
        with sqlite3.connect(self.database) as connection:
            return [row[0] for row in connection.execute("SELECT access_token FROM web_sessions")]

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        """A plain HTTP client for the pages (no browser), following no redirects."""
        return httpx.AsyncClient(base_url=self.url, timeout=30, **kwargs)


def web_env(suite: Suite, database_url: str, **extra: str) -> dict[str, str]:
    """The web service's settings against ``suite``."""
    return {
        "WEB_DATABASE_URL": database_url,
        "WEB_REGISTRY_URL": suite.url("registry"),
        "WEB_OFFERS_URL": suite.url("offers"),
        "WEB_MEETINGS_URL": suite.url("meetings"),
        "WEB_NOTIFICATIONS_URL": suite.url("notifications"),
        "WEB_PLANNING_URL": suite.url("planning"),
        "WEB_SECRET_KEY": "test-secret-key-for-csrf-and-sign-in-state",
        "WEB_AUTH_LOCAL_PRIVATE_KEY_FILE": str(suite.private_key),
        "AUTH_LOCAL_PUBLIC_KEY_FILE": str(suite.private_key.parent / PUBLIC_KEY_FILE),
        "LOG_LEVEL": "INFO",
        **extra,
    }


def ensure_assets() -> None:
    """Build the pages' styles and scripts once (``python -m web build-assets``; parallel test
    workers take turns through a lock file, the first one builds)."""
    lock_path = Path(tempfile.gettempdir()) / "schulerfolg-web-assets.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = subprocess.run(
            [sys.executable, "-m", "web", "build-assets"],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    assert result.returncode == 0, result.stderr


@contextmanager
def running_web(
    suite: Suite, tmp_path: Path, *, port: int | None = None, **extra: str
) -> Iterator[Web]:
    """Migrate and start the web service (on ``port`` when given, e.g. one an OIDC provider
    already redirects to); its public base URL is its own address."""
    ensure_assets()
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'web.db'}"
    service = LiveService("web", env=web_env(suite, database_url, **extra), log_dir=tmp_path)
    if port is not None:
        service.port = port
        service.env["WEB_PORT"] = str(port)
    service.env["PUBLIC_BASE_URL"] = extra.get("PUBLIC_BASE_URL", service.url)
    service.migrate()
    service.start()
    try:
        yield Web(service=service, suite=suite, database=tmp_path / "web.db")
    finally:
        service.stop()


@asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """A headless Chromium (Playwright's async API)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


async def sign_in(
    page: Any,
    web: Web,
    *,
    role: str,
    region: str = "",
    school: str = "",
    organization: str = "",
    name: str = "",
    email: str = "",
) -> None:
    """Sign in through the development sign-in form at ``/anmelden``."""
    await page.goto(f"{web.url}/anmelden")
    await page.get_by_label("Rolle").select_option(role)
    for field, value in (
        ("region", region),
        ("schule", school),
        ("organisation", organization),
        ("name", name),
        ("email", email),
    ):
        if value:  # by id: the optional fields' labels end in „(optional)“
            await page.locator(f"#feld-{field}").fill(value)
    await page.get_by_role("button", name="Anmelden", exact=True).click()
    await page.wait_for_load_state()


async def check_accessibility(page: Any) -> list[dict[str, Any]]:
    """axe-core on the page as it is now: its serious and critical violations (expected: none)."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    violations = results.response.get("violations", [])
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
        if v.get("impact") in ("serious", "critical")
    ]


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = CSRF_INPUT.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def focused(page: Any) -> dict[str, str]:
    """The focused element's id, first label and text."""
    described: dict[str, str] = await page.evaluate(
        """() => {
            const el = document.activeElement;
            const label = el && el.labels && el.labels.length ? el.labels[0].innerText : "";
            return {id: el.id || "", label: label.trim(), text: (el.innerText || "").trim()};
        }"""
    )
    return described


async def tab_to(page: Any, target: str, *, limit: int = 300) -> None:
    """Press Tab until the focused element has ``target`` as its id, label or text."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if target in (await focused(page)).values():
            return
    raise AssertionError(f"Tab never reached {target!r}")


async def register_for_event(
    suite: Suite, title: str, address: str, *, region: str = "boerde"
) -> dict[str, Any]:
    """A new public event (in 30 days) with ``address`` registered: its confirmation notifies
    them (notifications keeps an inbox for the address)."""
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    async with suite.client("meetings") as meetings:
        event: dict[str, Any] = ok(
            await meetings.post(
                "/meetings",
                json={
                    "kind": "training",
                    "title": title,
                    "region": region,
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(hours=2)).isoformat(),
                    "location": "Haldensleben",
                    "capacity": 50,
                    "public": True,
                },
                headers=suite.auth("network_office", region, sub="office-inbox-tests"),
            ),
            201,
        )
        ok(
            await meetings.post(
                f"/meetings/{event['id']}/registrations",
                json={"name": "Lena Lehrerin", "email": address, "organization": "Grundschule"},
            ),
            201,
        )
    return event
