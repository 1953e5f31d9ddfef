"""The web pages' front-end assets: KERN UX's stylesheet and fonts, our layout glue, site.js.

They are built with npm from ``services/web/`` (``package.json``, ``scripts/build.mjs``,
``assets/``) into ``web/static/dist/`` in this package, or into ``WEB_STATIC_DIR`` when that is
set (the container image builds them in a Node stage and sets it). ``schulerfolg up`` calls
``build_assets`` so that a fresh clone needs nothing but Node.js ≥ 20 besides Python and uv.
See ``services/web/ASSETS.md`` for what the files hold and which classes the templates use.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

MIN_NODE_MAJOR = 20
# site.css and site.js are what pages link; the manifest is written last by the build.
BUILT_FILES = ("site.css", "site.js", "manifest.json")
# services/web/ in a checkout (src/web/assets/service.py -> assets -> web -> src -> services/web).
SOURCE_DIR = Path(__file__).resolve().parents[3]
# What the build reads: a change to any of these makes the built assets stale.
SOURCES = ("package.json", "package-lock.json", "scripts", "assets")
TIMEOUT_SECONDS = 600

NODE_NEEDED = (
    "Für die Web-Oberfläche wird Node.js ab Version {minimum} (mit npm) gebraucht{found}. "
    "Bitte installieren Sie Node.js ≥ {minimum}, z. B. unter Debian/Ubuntu mit "
    "„apt-get install nodejs npm“, und starten Sie erneut. / "
    "The web interface's assets are built with Node.js {minimum} or later (with npm){found_en}: "
    "please install Node.js ≥ {minimum} and start again."
)


def dist_dir() -> Path:
    """Where the built assets are: ``WEB_STATIC_DIR`` when set, else ``web/static/dist/``."""
    configured = os.environ.get("WEB_STATIC_DIR", "").strip()
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[1] / "static" / "dist"


def _newest_source_mtime() -> float | None:
    """The newest modification time among the build's sources, or None without sources
    (an installed package: nothing to compare with)."""
    times = []
    for name in SOURCES:
        path = SOURCE_DIR / name
        if path.is_file():
            times.append(path.stat().st_mtime)
        elif path.is_dir():
            times.extend(p.stat().st_mtime for p in path.rglob("*") if p.is_file())
    return max(times) if times else None


def _files_present() -> bool:
    return all((dist_dir() / name).is_file() for name in BUILT_FILES)


def assets_built() -> bool:
    """Whether the built assets are there, and no older than their sources (in a checkout)."""
    if not _files_present():
        return False
    newest = _newest_source_mtime()
    return newest is None or newest <= (dist_dir() / "manifest.json").stat().st_mtime


def _node_major(node: str) -> int | None:
    """The major version ``node --version`` reports (``v20.11.1`` -> 20), None if unreadable."""
    try:
        result = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return None
    match = re.match(r"v?(\d+)\.", result.stdout.strip())
    return int(match.group(1)) if result.returncode == 0 and match else None


def _require_npm() -> str:
    """The npm executable, after checking that node (≥ 20) and npm are there."""
    node, npm = shutil.which("node"), shutil.which("npm")
    major = _node_major(node) if node else None
    if major is not None and major >= MIN_NODE_MAJOR and npm is not None:
        return npm
    if major is None:
        found, found_en = "", ""
    elif major < MIN_NODE_MAJOR:
        found, found_en = f" (gefunden: Version {major})", f" (found: version {major})"
    else:
        found, found_en = " (npm fehlt)", " (npm is missing)"
    raise RuntimeError(NODE_NEEDED.format(minimum=MIN_NODE_MAJOR, found=found, found_en=found_en))


def _run(command: list[str], log: Callable[[str], object]) -> None:
    log(f"web assets: npm {' '.join(command[1:3])} …")
    try:
        result = subprocess.run(
            command,
            cwd=SOURCE_DIR,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise RuntimeError(
            f"„{' '.join(command)}“ in {SOURCE_DIR} brauchte länger als {TIMEOUT_SECONDS} s "
            f"/ took longer than {TIMEOUT_SECONDS} s"
        ) from error
    if result.returncode != 0:
        output = (result.stdout + result.stderr)[-4000:]
        raise RuntimeError(
            f"„{' '.join(command)}“ in {SOURCE_DIR} ist fehlgeschlagen / failed "
            f"(exit {result.returncode}):\n{output}"
        )


def build_assets(log: Callable[[str], object] = print) -> None:
    """Build the assets into ``dist_dir()`` unless they are built and current: ``npm ci``
    (when the installed packages are missing or older than the lockfile), then
    ``npm run build``. Raises RuntimeError with a German and English message when Node.js ≥ 20
    or npm is missing, when there are no sources to build from, or when a step fails."""
    if assets_built():
        return
    if not (SOURCE_DIR / "package.json").is_file():
        raise RuntimeError(
            f"Die Web-Oberfläche hat keine gebauten Dateien in {dist_dir()} und keine Quellen "
            "zum Bauen: WEB_STATIC_DIR auf die gebauten Dateien setzen. / "
            f"No built assets in {dist_dir()} and no sources to build them from: set "
            "WEB_STATIC_DIR to the built assets."
        )
    npm = _require_npm()
    log("web assets: building KERN UX styles and site.js with npm (once)")
    installed = SOURCE_DIR / "node_modules" / ".package-lock.json"
    lockfile = SOURCE_DIR / "package-lock.json"
    if not installed.is_file() or installed.stat().st_mtime < lockfile.stat().st_mtime:
        _run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], log)
    _run([npm, "run", "build", "--", str(dist_dir())], log)
    if not _files_present():
        raise RuntimeError(
            f"npm run build lief, aber in {dist_dir()} fehlen Dateien / ran, but files are "
            f"missing in {dist_dir()}: {', '.join(BUILT_FILES)}"
        )
    log(f"web assets: built in {dist_dir()}")
