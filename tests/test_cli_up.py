"""End-to-end test of ``schulerfolg up`` and ``schulerfolg token``: real processes, real ports."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from contract_facts import CONTRACT_REGIONS

STARTUP_TIMEOUT = 240.0  # four services, migrated and started one after another
EXIT_TIMEOUT = 30.0
RESTART_TIMEOUT = 30.0  # a killed service answers again within this


# Variables of the user's environment that would change what `up` starts or where it connects.
SERVICE_NAMES = ("registry", "offers", "meetings", "notifications", "planning", "web")
_SHARED_VARS = ("NATS_URL", "SMTP_HOST", "SMTP_PORT", "AUTH_ISSUER", "AUTH_JWKS_URL")
_SHARED_VARS += ("AUTH_LOCAL_PUBLIC_KEY_FILE", "DATABASE_URL")
_PREFIXES = ("REGISTRY_", "OFFERS_", "MEETINGS_", "NOTIFICATIONS_", "GATEWAY_")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def accepts(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without settings that would redirect `up`, plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _SHARED_VARS and not key.startswith(_PREFIXES)
    }
    env.update(extra)
    return env


def cli(*args: str) -> list[str]:
    """The command line of ``schulerfolg <args>`` with this interpreter."""
    return [sys.executable, "-m", "schulerfolg_dev.cli", *args]


# --------------------------------------------------------------------------- /proc


def start_time(pid: int) -> str | None:
    """The process's start time (field 22 of /proc/<pid>/stat): tells a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return fields[19] if fields[0] != "Z" else None  # a zombie counts as gone


def descendants(root: int) -> dict[int, str]:
    """Every living descendant of ``root``: pid -> command line."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                with contextlib.suppress(OSError):
                    found[pid] = (
                        Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                    )
                frontier.append(pid)
    return found


# --------------------------------------------------------------------------- the launcher


@dataclass
class Launcher:
    """A running ``schulerfolg up`` and what it printed."""

    proc: subprocess.Popen[str]
    data_dir: Path
    ports: dict[str, int]
    gateway_port: int
    lines: list[str] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)

    def read_output(self) -> None:
        """Collect stdout lines (thread target); set ``ready`` at the Ctrl-C hint."""
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if "Press Ctrl-C" in line:
                self.ready.set()
        self.ready.set()  # ended: let the waiter look

    @property
    def output(self) -> str:
        """Everything printed so far."""
        return "".join(self.lines)

    def port_after(self, pattern: str) -> int:
        """The port printed after ``pattern`` (like ``nats://127.0.0.1:``)."""
        match = re.search(re.escape(pattern) + r"(\d+)", self.output)
        assert match, f"{pattern!r} not in the output:\n{self.output}"
        return int(match.group(1))

    def token(self, *args: str) -> str:
        """A token printed by ``schulerfolg token`` for this data dir."""
        result = subprocess.run(
            cli("token", *args, "--data-dir", str(self.data_dir)),
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert result.stdout.count("\n") == 1, result.stdout
        return result.stdout.strip()


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[Launcher]:
    """``schulerfolg up`` on a fresh data dir and a free registry port, up and ready."""
    ports = {name: free_port() for name in SERVICE_NAMES}
    gateway_port = free_port()
    proc = subprocess.Popen(
        cli("up", "--data-dir", str(tmp_path / "data")),
        env=clean_env(
            **{f"{name.upper()}_PORT": str(port) for name, port in ports.items()},
            GATEWAY_PORT=str(gateway_port),
            PYTHONUNBUFFERED="1",
        ),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    running = Launcher(proc, tmp_path / "data", ports, gateway_port)
    reader = threading.Thread(target=running.read_output, daemon=True)
    reader.start()
    try:
        running.ready.wait(STARTUP_TIMEOUT)
        assert "Press Ctrl-C" in running.output, f"not ready:\n{running.output}"
        yield running
    finally:
        if proc.poll() is None:  # the test failed before stopping it
            left = descendants(proc.pid)
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=EXIT_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()  # its children get SIGKILL too (PR_SET_PDEATHSIG)
                proc.wait(timeout=10)
                for pid in left:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
        reader.join(timeout=10)


def test_up_serves_registry_and_stops_cleanly(launcher: Launcher) -> None:
    """Regions are loaded, local tokens work, mail is stored and Ctrl-C leaves nothing behind."""
    base = f"http://127.0.0.1:{launcher.ports['registry']}"
    smtp_port = launcher.port_after("SMTP 127.0.0.1:")
    assert f"{base}/docs" in launcher.output
    for name, port in launcher.ports.items():
        shown = f"http://127.0.0.1:{port}" + ("  (pages)" if name == "web" else "/docs")
        assert shown in launcher.output, name
        assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code == 200, name
    assert "sync_interval: always" in (launcher.data_dir / "nats.conf").read_text()

    with httpx.Client(base_url=base, timeout=10) as client:
        assert client.get("/readyz").status_code == 200
        response = client.get("/api/v1/regions", params={"limit": 500})
        assert response.status_code == 200
        items = response.json()["items"]
        assert {item["slug"]: item["district_key"] for item in items} == CONTRACT_REGIONS
        assert len(items) == 14

        office = {"name": "Netzwerkstelle Börde", "phone": "03904 123456"}
        own = launcher.token("--role", "network_office", "--region", "boerde")
        response = client.put(
            "/api/v1/regions/boerde/office", json=office, headers={"Authorization": f"Bearer {own}"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["office"]["phone"] == "03904 123456"

        other = launcher.token("--role", "network_office", "--region", "harz")
        response = client.put(
            "/api/v1/regions/boerde/office",
            json=office,
            headers={"Authorization": f"Bearer {other}"},
        )
        assert response.status_code == 403, response.text

        pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        upload = client.post(
            "/api/v1/materials",
            data={"title": "Kontaktliste Börde", "region": "boerde"},
            files={"file": ("kontaktliste.pdf", pdf, "application/pdf")},
            headers={"Authorization": f"Bearer {own}"},
        )
        assert upload.status_code == 201, upload.text
        assert client.get(upload.json()["download_url"]).content == pdf
        assert list((launcher.data_dir / "materials").rglob("*"))  # stored under the data dir

    # The gateway serves every service on one port: the registry's and offers' paths alike.
    gateway = f"http://127.0.0.1:{launcher.gateway_port}"
    assert f"{gateway}/api/v1/" in launcher.output
    with httpx.Client(base_url=gateway, timeout=10) as client:
        regions = client.get("/api/v1/regions", params={"limit": 500})
        assert regions.status_code == 200, regions.text
        assert len(regions.json()["items"]) == 14
        office = client.get("/api/v1/regions/boerde")
        assert office.json()["office"]["phone"] == "03904 123456"  # written above, directly
        topics = client.get("/api/v1/topics")
        assert topics.status_code == 200, topics.text
        assert topics.json()["items"]  # offers' topic vocabulary
        unknown = client.get("/api/v1/no-such-resource")
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == "application/problem+json"
        page = client.get("/")  # the web service's start page, through the gateway
        assert page.status_code == 200, page.text
        assert page.headers["content-type"].startswith("text/html")
        assert "Schulerfolg sichern" in page.text
        assert "Börde" in page.text  # the regions, from the registry
        sign_in = client.get("/anmelden")  # one machine, no issuer: the development sign-in
        assert sign_in.status_code == 200
        assert "Entwicklungsanmeldung" in sign_in.text
        assert "frame-ancestors 'none'" in sign_in.headers["content-security-policy"]
        assert client.get("/static/site.css").status_code == 200  # built by up (npm) when missing
        too_big = client.post("/api/v1/organizations", content=b"a" * (1024 * 1024 + 1))
        assert too_big.status_code == 413
        assert too_big.headers["content-type"] == "application/problem+json"
    assert (launcher.data_dir / "caddy.json").is_file()  # generated from the routing table

    message = "Subject: Test\r\n\r\nGr\u00fc\u00dfe aus der B\u00f6rde\r\n".encode()
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
        smtp.sendmail("sender@example.org", ["office@example.org"], message)
    stored = list((launcher.data_dir / "mail").glob("*.eml"))
    assert [path.read_bytes() for path in stored] == [message]

    children = descendants(launcher.proc.pid)
    commands = " | ".join(children.values())
    assert "nats-server" in commands and "-m registry" in commands, commands
    assert "caddy run --config" in commands, commands
    assert "-m aiosmtpd" in commands, commands
    stop_and_check_nothing_left(launcher, children)


def test_token_is_refused_in_oidc_mode(tmp_path: Path) -> None:
    """With AUTH_ISSUER set, `token` exits 2 with a message and writes no key."""
    result = subprocess.run(
        cli("token", "--role", "network_office", "--region", "boerde", "--data-dir", str(tmp_path)),
        env=clean_env(AUTH_ISSUER="https://login.example.org/realms/schulerfolg"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "AUTH_ISSUER" in result.stderr
    assert not (tmp_path / "auth").exists()


def stop_and_check_nothing_left(launcher: Launcher, children: dict[int, str]) -> None:
    """SIGINT to `up`: it exits 0, none of ``children`` runs any more, no port answers."""
    nats_port = launcher.port_after("nats://127.0.0.1:")
    smtp_port = launcher.port_after("SMTP 127.0.0.1:")
    started = {pid: start_time(pid) for pid in children}

    launcher.proc.send_signal(signal.SIGINT)
    assert launcher.proc.wait(timeout=EXIT_TIMEOUT) == 0, launcher.output

    alive = [pid for pid, began in started.items() if began and start_time(pid) == began]
    assert not alive, f"left behind: {[children[pid] for pid in alive]}"
    for port in (*launcher.ports.values(), launcher.gateway_port, nats_port, smtp_port):
        assert not accepts(port), f"port {port} still accepts connections"
    assert not list((launcher.data_dir / "run").iterdir())  # no stale pid files


def wait_until(check: Callable[[], bool], timeout: float) -> bool:
    """Poll ``check`` until true or ``timeout`` seconds passed; whether it became true."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def answers(url: str) -> bool:
    """Whether a GET of ``url`` answers 200."""
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_up_restarts_a_killed_service_and_keeps_the_others_running(launcher: Launcher) -> None:
    """SIGKILL to the registry: `up` says so and restarts it; the others answer all along."""
    run_dir = launcher.data_dir / "run"
    pids = {path.stem: int(path.read_text()) for path in run_dir.glob("*.pid")}
    assert set(pids) == {*SERVICE_NAMES, "gateway", "nats", "smtp"}, pids
    children = descendants(launcher.proc.pid)
    assert "-m registry" in children[pids["registry"]], children
    others = {name: pid for name, pid in pids.items() if name != "registry"}
    began = {name: start_time(pid) for name, pid in others.items()}

    # Requests to every other service (and through the gateway) keep going during it all.
    urls = [
        f"http://127.0.0.1:{port}/readyz" for name, port in launcher.ports.items() if name in others
    ]
    urls.append(f"http://127.0.0.1:{launcher.gateway_port}/api/v1/topics")  # offers, routed
    failures: list[str] = []
    rounds = [0]
    stop = threading.Event()

    def poll() -> None:
        with httpx.Client(timeout=5) as client:
            while not stop.is_set():
                for url in urls:
                    try:
                        status = client.get(url).status_code
                    except httpx.HTTPError as exc:
                        failures.append(f"{url}: {exc!r}")
                    else:
                        if status != 200:
                            failures.append(f"{url}: {status}")
                rounds[0] += 1

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        assert wait_until(lambda: rounds[0] > 0, 10)
        os.kill(pids["registry"], signal.SIGKILL)
        rounds_at_kill = rounds[0]
        registry = f"http://127.0.0.1:{launcher.ports['registry']}"
        assert wait_until(lambda: answers(f"{registry}/healthz"), RESTART_TIMEOUT), launcher.output
        assert wait_until(lambda: "registry is ready again" in launcher.output, RESTART_TIMEOUT)
        assert answers(f"{registry}/readyz")
        gateway = f"http://127.0.0.1:{launcher.gateway_port}"
        assert answers(f"{gateway}/api/v1/regions"), "the gateway reaches the new registry"
        assert wait_until(lambda: rounds[0] > rounds_at_kill + 1, 10)
    finally:
        stop.set()
        poller.join(timeout=10)
    assert not failures, failures[:10]

    assert "registry exited unexpectedly (signal SIGKILL)" in launcher.output, launcher.output
    new_pid = int((run_dir / "registry.pid").read_text())
    assert new_pid != pids["registry"]
    assert f"Restarted registry (pid {new_pid})" in launcher.output, launcher.output
    assert {name: start_time(pid) for name, pid in others.items()} == began  # never restarted

    # Caddy is supervised like the services: killed, it is restarted and routes again.
    os.kill(pids["gateway"], signal.SIGKILL)
    assert wait_until(lambda: "gateway is ready again" in launcher.output, RESTART_TIMEOUT)
    assert answers(f"{gateway}/api/v1/regions"), launcher.output

    stop_and_check_nothing_left(launcher, descendants(launcher.proc.pid))
