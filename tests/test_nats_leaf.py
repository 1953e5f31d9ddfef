"""The shipped NATS configs: a state hub and a regional leaf node, federated by stream sourcing.

Two real nats-server processes run ``deploy/nats/hub.conf`` and ``deploy/nats/leaf.conf`` (their
settings come from environment variables, as in a deployment); ``deploy/nats/federate.py``
connects their JetStream domains. Events cross in both directions to durable consumers, also
while and after the link is cut (either side killed and started again), and none is lost or
delivered twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import signal
import subprocess
import sys
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nats
import pytest
from nats.js import api

from schulerfolg.messaging.broker import StreamSpec, declare_stream
from schulerfolg_dev.processes import LOCALHOST, find_nats_server, free_port, log_tail, spawn

ROOT = Path(__file__).resolve().parents[1]
NATS_DIR = ROOT / "deploy" / "nats"
REGION = "boerde"
PASSWORD = "leaf-secret"

spec = importlib.util.spec_from_file_location("federate", NATS_DIR / "federate.py")
assert spec is not None and spec.loader is not None
federate = importlib.util.module_from_spec(spec)
sys.modules["federate"] = federate
spec.loader.exec_module(federate)


@dataclass
class Site:
    """A nats-server with a shipped config, restartable with the same storage."""

    name: str
    config: Path
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    monitor: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{LOCALHOST}:{self.port}"

    def start(self) -> None:
        binary = find_nats_server()
        assert binary, "nats-server not found"
        env = {
            **self.env,
            "NATS_SERVER_NAME": self.name,
            "NATS_PORT": str(self.port),
            "NATS_MONITOR_PORT": str(self.monitor),
        }
        with self.log.open("ab") as log:
            self.proc = spawn([binary, "-c", str(self.config)], log=log, env=env)

    def kill(self) -> None:
        """Cut the link the hard way: SIGKILL, no goodbye."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
            self.proc = None

    def healthy(self, *, leaf: bool = False) -> bool:
        """JetStream answers; with ``leaf``, the leaf connection is up too."""
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"{self.name} exited:\n{log_tail(self.log)}")
        url = f"http://{LOCALHOST}:{self.monitor}/healthz?js-enabled-only=true"
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status != 200:
                    return False
            if leaf:
                with urllib.request.urlopen(f"http://{LOCALHOST}:{self.monitor}/leafz") as r:
                    return json.loads(r.read())["leafnodes"] == 1
        except OSError:
            return False
        return True


async def wait_until(check, what: str, timeout: float = 30.0) -> None:  # noqa: ANN001
    """Poll ``check`` until true, else fail naming ``what``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


@pytest.fixture
def sites(tmp_path: Path) -> Iterator[tuple[Site, Site]]:
    """The hub and a regional leaf node with the shipped configs (not started)."""
    hub = Site(
        "hub-0",
        NATS_DIR / "hub.conf",
        {
            "NATS_STORE_DIR": str(tmp_path / "hub"),
            "NATS_LEAFNODE_PASSWORD": PASSWORD,
        },
        tmp_path / "hub.log",
    )
    hub.env["NATS_LEAFNODE_PORT"] = str(free_port())
    leaf = Site(
        f"{REGION}-0",
        NATS_DIR / "leaf.conf",
        {
            "NATS_STORE_DIR": str(tmp_path / "leaf"),
            "NATS_JETSTREAM_DOMAIN": REGION,
            "NATS_HUB_URLS": (
                f"[nats-leaf://leaf:{PASSWORD}@{LOCALHOST}:{hub.env['NATS_LEAFNODE_PORT']}]"
            ),
        },
        tmp_path / "leaf.log",
    )
    try:
        yield hub, leaf
    finally:
        leaf.stop()
        hub.stop()


@contextlib.asynccontextmanager
async def connected(site: Site) -> AsyncIterator[object]:
    """A JetStream context on ``site``."""
    nc = await nats.connect(site.url, allow_reconnect=False)
    try:
        yield nc.jetstream()
    finally:
        await nc.close()


async def publish(site: Site, subject: str, event_id: str) -> api.PubAck:
    """Publish an event as a service's outbox relay does (acked, with ``Nats-Msg-Id``)."""
    async with connected(site) as js:
        return await js.publish(  # type: ignore[attr-defined]
            subject, event_id.encode(), headers={"Nats-Msg-Id": event_id}, timeout=10
        )


async def drain(site: Site, stream: str, durable: str, subject: str, count: int) -> list[str]:
    """Fetch and ack until ``count`` messages came from the durable consumer; their ids."""
    received: list[str] = []
    loop = asyncio.get_running_loop()
    # Sourcing across the link resumes by the server's own retries: about 20 s after the leaf
    # node restarts; about 40 s after the hub restarts (its first request for the source
    # consumer goes out before the leaf node is back, and the server waits 30 s for an answer).
    deadline = loop.time() + 150
    async with connected(site) as js:
        sub = await js.pull_subscribe(subject, durable=durable, stream=stream)  # type: ignore[attr-defined]
        while len(received) < count:
            if loop.time() > deadline:
                raise AssertionError(f"{durable} got only {received}, expected {count}")
            try:
                messages = await sub.fetch(count - len(received), timeout=1)
            except nats.errors.TimeoutError:
                continue
            for message in messages:
                received.append(message.data.decode())
                await message.ack_sync()
        with contextlib.suppress(nats.errors.TimeoutError):  # nothing more, no duplicates
            extra = await sub.fetch(1, timeout=1)
            received += [m.data.decode() for m in extra]
    return received


@pytest.mark.slow
async def test_events_cross_between_hub_and_region_and_survive_a_cut_link(sites) -> None:
    hub, leaf = sites
    hub.start()
    leaf.start()
    await wait_until(hub.healthy, "the hub")
    await wait_until(lambda: leaf.healthy(leaf=True), "the leaf node and its link")

    # The services declare their streams where they run: the state's at the hub, the region's
    # offers at the regional site.
    async with connected(hub) as js:
        for service in ("registry", "offers", "meetings"):
            await declare_stream(js, StreamSpec.for_service(service))
    async with connected(leaf) as js:
        for service in ("offers", "meetings"):
            await declare_stream(js, StreamSpec.for_service(service))
    await federate.federate_hub(hub.url, REGION)
    await federate.federate_region(leaf.url, REGION)
    await federate.federate_hub(hub.url, REGION)  # idempotent: no second source
    async with connected(hub) as js:
        await declare_stream(js, StreamSpec.for_service("offers"))  # the state's offers restarts
        sources = (await js.stream_info("OFFERS")).config.sources  # type: ignore[attr-defined]
    assert [(s.name, s.external.api) for s in sources] == [("OFFERS", f"$JS.{REGION}.API")]

    # Region → hub: an application submitted at the regional site reaches the state's
    # notifications; state → region: a school created at the state reaches the regional offers.
    ack = await publish(leaf, f"sfs.{REGION}.offers.application.submitted", "app-1")
    assert ack.domain == REGION  # stored by the region's own stream, not the hub's
    await publish(hub, f"sfs.{REGION}.registry.school.created", "school-1")
    await publish(hub, "sfs.harz.registry.school.created", "school-harz")  # not for this region
    assert await drain(hub, "OFFERS", "notifications", "sfs.*.offers.>", 1) == ["app-1"]
    assert await drain(leaf, "REGISTRY", "offers", "sfs.*.registry.>", 1) == ["school-1"]

    # Cut the link by killing the regional site; the state goes on publishing.
    leaf.kill()
    for n in (2, 3):
        await publish(hub, f"sfs.{REGION}.registry.school.created", f"school-{n}")
    await publish(hub, "sfs.state.registry.region.updated", "state-1")
    leaf.start()
    await wait_until(lambda: leaf.healthy(leaf=True), "the leaf node to reconnect")
    assert await drain(leaf, "REGISTRY", "offers", "sfs.*.registry.>", 3) == [
        "school-2",
        "school-3",
        "state-1",
    ]
    await publish(leaf, f"sfs.{REGION}.offers.application.submitted", "app-2")
    assert await drain(hub, "OFFERS", "notifications", "sfs.*.offers.>", 1) == ["app-2"]

    # Cut it by killing the hub; the region goes on working and publishing locally.
    hub.kill()
    for n in (2, 3, 4):
        ack = await publish(leaf, f"sfs.{REGION}.meetings.decision.recorded", f"decision-{n}")
        assert ack.domain == REGION
    await publish(leaf, f"sfs.{REGION}.offers.application.submitted", "app-3")
    hub.start()
    await wait_until(hub.healthy, "the hub to restart")
    await wait_until(lambda: leaf.healthy(leaf=True), "the leaf node to reconnect")
    assert await drain(hub, "OFFERS", "notifications", "sfs.*.offers.>", 1) == ["app-3"]
    assert await drain(hub, "MEETINGS", "notifications-meetings", "sfs.*.meetings.>", 3) == [
        "decision-2",
        "decision-3",
        "decision-4",
    ]
    # Each event is stored once on each side: no copy came over the plain subjects too.
    async with connected(hub) as js:
        assert (await js.stream_info("OFFERS")).state.messages == 3  # type: ignore[attr-defined]
    async with connected(leaf) as js:
        assert (await js.stream_info("REGISTRY")).state.messages == 4  # type: ignore[attr-defined]


def test_the_configs_parse(tmp_path: Path) -> None:
    """nats-server -t accepts every shipped config with its variables set."""
    binary = find_nats_server()
    assert binary
    env = {
        "NATS_SERVER_NAME": "x",
        "NATS_PORT": "4222",
        "NATS_MONITOR_PORT": "8222",
        "NATS_STORE_DIR": str(tmp_path),
        "NATS_LEAFNODE_PORT": "7422",
        "NATS_LEAFNODE_PASSWORD": "x",
        "NATS_CLUSTER_PORT": "6222",
        "NATS_CLUSTER_ROUTES": "[nats://hub-0:6222, nats://hub-1:6222, nats://hub-2:6222]",
        "NATS_JETSTREAM_DOMAIN": REGION,
        "NATS_HUB_URLS": "[nats-leaf://leaf:x@hub:7422]",
    }
    for name in ("nats.conf", "hub.conf", "hub-cluster.conf", "leaf.conf"):
        result = subprocess.run(
            [binary, "-t", "-c", str(NATS_DIR / name)],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert result.returncode == 0, f"{name}: {result.stdout}{result.stderr}"
