"""A service running as its own process (``python -m <service>``), for tests that need a real
HTTP server: schemathesis runs, end-to-end flows, fault tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from schulerfolg.processes import free_port, log_tail, spawn


@dataclass
class LiveService:
    """A running service process and where it answers."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        return f"http://127.0.0.1:{self.port}"


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=1) as response:  # noqa: S310 - local
            return response.status == 200
    except OSError:
        return False


@contextmanager
def live_service(
    name: str, *, env: dict[str, str], log_dir: Path, timeout: float = 90.0
) -> Iterator[LiveService]:
    """Migrate and start ``python -m <name>`` on a free port; stop it afterwards."""
    prefix = f"{name.upper()}_"
    port = free_port()
    full_env = {**os.environ, **env, f"{prefix}PORT": str(port), f"{prefix}HOST": "127.0.0.1"}
    log_path = log_dir / f"{name}.log"
    with log_path.open("ab") as log:
        migrate = spawn([sys.executable, "-m", name, "migrate"], log=log, env=full_env)
        if migrate.wait(timeout=120) != 0:
            raise RuntimeError(f"{name} migrate failed:\n{log_tail(log_path)}")
        process = spawn([sys.executable, "-m", name], log=log, env=full_env)
    service = LiveService(name, port, process, log_path)
    try:
        deadline = time.monotonic() + timeout
        while not _ready(service.url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not become ready:\n{log_tail(log_path)}")
            time.sleep(0.2)
        yield service
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def run_schemathesis(
    schema_url: str, *, headers: Sequence[str] = (), max_examples: int = 10, seed: int = 1
) -> subprocess.CompletedProcess[str]:
    """Run schemathesis against a live OpenAPI document; only server errors fail the run."""
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        schema_url,
        "--checks",
        "not_a_server_error",
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--request-timeout",
        "20",
        "--suppress-health-check",
        "all",
    ]
    for header in headers:
        command += ["--header", header]
    return subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
