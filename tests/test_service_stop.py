"""A service that consumes stops promptly on SIGTERM (a deploy, `up`'s Ctrl-C, a scale-down).

Found when `up` was taught to restart services: offers, meetings and notifications waited out
nats-py's 30 s drain timeout on every stop, because the pull subscriptions were left open.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request

import nats

from schulerfolg_dev.testing.live import LiveService
from schulerfolg_dev.testing.servers import NatsServer


async def _declare_upstream_streams(url: str) -> None:
    """The streams offers reads, as registry and meetings declare them."""
    nc = await nats.connect(url)
    try:
        for name in ("REGISTRY", "MEETINGS"):
            await nc.jetstream().add_stream(name=name, subjects=[f"sfs.*.{name.lower()}.>"])
    finally:
        await nc.close()


def _consumers_waiting(url: str) -> list[str]:
    with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:  # noqa: S310 - local
        return json.loads(response.read())["consumers_waiting"]


def test_a_consuming_service_stops_within_seconds_on_sigterm(tmp_path):
    with NatsServer(store_dir=tmp_path / "nats") as server:
        asyncio.run(_declare_upstream_streams(server.url))
        env = {
            "OFFERS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'offers.db'}",
            "NATS_URL": server.url,
        }
        service = LiveService("offers", env=env, log_dir=tmp_path)
        service.migrate()
        service.start()
        try:
            deadline = time.monotonic() + 30
            while _consumers_waiting(service.url) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert _consumers_waiting(service.url) == []
            time.sleep(3)  # idle pulls have come and gone
            assert service.process is not None
            began = time.monotonic()
            service.process.terminate()
            service.process.wait(timeout=60)
            took = time.monotonic() - began
        finally:
            service.kill()
        log = service.log_path.read_text(errors="replace")
        assert "DrainTimeoutError" not in log
        assert took < 10, f"offers took {took:.1f} s to stop"
        assert "service.stopped" in log
