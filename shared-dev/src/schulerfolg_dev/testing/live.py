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
from pathlib import Path

from schulerfolg_dev.processes import free_port, log_tail, spawn


class LiveService:
    """A service process (``python -m <name>``) on a fixed port, which a test may kill (SIGKILL)
    and start again on the same port, database and settings."""

    def __init__(
        self, name: str, *, env: dict[str, str], log_dir: Path, timeout: float = 90.0
    ) -> None:
        self.name = name
        self.port = free_port()
        prefix = f"{name.upper()}_"
        self.env = {
            **os.environ,
            **env,
            f"{prefix}PORT": str(self.port),
            f"{prefix}HOST": "127.0.0.1",
        }
        self.log_path = log_dir / f"{name}.log"
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        """The running process's id, if it runs."""
        return self.process.pid if self.process and self.process.poll() is None else None

    def migrate(self) -> None:
        """Apply the service's migrations (``python -m <name> migrate``)."""
        with self.log_path.open("ab") as log:
            migrate = spawn([sys.executable, "-m", self.name, "migrate"], log=log, env=self.env)
            if migrate.wait(timeout=120) != 0:
                raise RuntimeError(f"{self.name} migrate failed:\n{log_tail(self.log_path)}")

    def start(self, *, wait: bool = True) -> None:
        """Start the process and (unless ``wait`` is false) wait until ``/readyz`` answers 200."""
        with self.log_path.open("ab") as log:
            self.process = spawn([sys.executable, "-m", self.name], log=log, env=self.env)
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        """Wait until ``/readyz`` answers 200; fail with the log's tail if the process ends."""
        assert self.process is not None, "not started"
        deadline = time.monotonic() + self.timeout
        while not _ready(self.url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not become ready:\n{log_tail(self.log_path)}")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks run (a crash)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM and wait (a clean shutdown); SIGKILL after 15 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=1) as response:  # noqa: S310 - local
            status: int = response.status
            return status == 200
    except OSError:
        return False


@contextmanager
def live_service(
    name: str, *, env: dict[str, str], log_dir: Path, timeout: float = 90.0
) -> Iterator[LiveService]:
    """Migrate and start ``python -m <name>`` on a free port; stop it afterwards."""
    service = LiveService(name, env=env, log_dir=log_dir, timeout=timeout)
    service.migrate()
    try:
        service.start()
        yield service
    finally:
        service.stop()


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
