"""Whole flows under an open-loop load, for ``bench.py``: submit (offers) → agenda item
(meetings) → decision (meetings) → approved (offers) → inbox entry (notifications), started at a
fixed rate whatever the suite's pace, at rising rates until saturation.

A flow waits for each hop's effect without polling the services: a core NATS subscription sees
the events as the relays publish them (``agenda.item_added`` carries the item to decide,
``application.approved`` the approval), and one poller reads new inbox entries from the
notifications database. Each hop's time comes from the events' own timestamps (written where
the change commits), the inbox entry's ``created_at`` for the last.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import nats
from loadgen import Step, percentile, ramp
from suite_support import Suite, application_body

from schulerfolg.events import decode_event

SUBJECTS = {
    "submitted": "sfs.*.offers.application.submitted",
    "item": "sfs.*.meetings.agenda.item_added",
    "decided": "sfs.*.meetings.decision.recorded",
    "approved": "sfs.*.offers.application.approved",
}
HOPS = (
    ("submit → agenda item", "submitted", "item"),
    ("decision → approved", "decided", "approved"),
    ("decision → inbox entry", "decided", "inbox"),
)


@dataclass
class Watcher:
    """What happened to each application (by id), when, and futures that wait for it."""

    times: dict[str, dict[str, datetime]] = field(default_factory=dict)
    items: dict[str, str] = field(default_factory=dict)
    waiting: dict[tuple[str, str], asyncio.Future[None]] = field(default_factory=dict)

    def seen(self, app_id: str, what: str, at: datetime) -> None:
        self.times.setdefault(app_id, {}).setdefault(what, at)
        future = self.waiting.pop((app_id, what), None)
        if future is not None and not future.done():
            future.set_result(None)

    async def wait(self, app_id: str, what: str) -> None:
        if what in self.times.get(app_id, {}):
            return
        future = self.waiting.setdefault((app_id, what), asyncio.get_running_loop().create_future())
        await future

    def on_event(self, what: str, data: bytes) -> None:
        event = decode_event(data)
        app_id = getattr(event.data, "application_id", None) or event.data.id
        if what == "item":
            self.items.setdefault(str(app_id), str(event.data.id))
        self.seen(str(app_id), what, event.time)


@contextlib.asynccontextmanager
async def watching(suite: Suite, inbox_of: dict[str, str]) -> AsyncIterator[Watcher]:
    """Subscribe to the flow's events and poll the inbox entries (``inbox_of``: contact e-mail
    → application id) while the ``async with`` runs."""
    watcher = Watcher()
    nc = await nats.connect(suite.nats_url)
    for what, subject in SUBJECTS.items():

        async def handler(msg: Any, what: str = what) -> None:
            watcher.on_event(what, msg.data)

        await nc.subscribe(subject, cb=handler)
    url = suite.services["notifications"].env["NOTIFICATIONS_DATABASE_URL"]
    db = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    stop = asyncio.Event()

    async def poll_inbox() -> None:
        last = datetime(2000, 1, 1).astimezone()
        while not stop.is_set():
            rows = await db.fetch(
                "SELECT email, created_at FROM notifications WHERE created_at > $1"
                " AND kind LIKE '%approved%' ORDER BY created_at",
                last,
            )
            for row in rows:
                last = max(last, row["created_at"])
                app_id = inbox_of.get(row["email"])
                if app_id is not None:
                    watcher.seen(app_id, "inbox", row["created_at"])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.02)

    poller = asyncio.create_task(poll_inbox())
    try:
        yield watcher
    finally:
        stop.set()
        await poller
        await db.close()
        await nc.close()


@dataclass
class FlowRun:
    """The steps of a ramp and the hop times of every flow."""

    steps: list[Step]
    apps_per_step: list[list[str]]
    watcher: Watcher

    def hops(self, index: int) -> dict[str, list[float]]:
        """Milliseconds per hop of the flows of step ``index``."""
        result: dict[str, list[float]] = {}
        for label, start, end in HOPS:
            deltas = []
            for app_id in self.apps_per_step[index]:
                times = self.watcher.times.get(app_id, {})
                if start in times and end in times:
                    deltas.append((times[end] - times[start]).total_seconds() * 1000)
            result[label] = deltas
        return result

    def chosen(self, wanted: float) -> tuple[int, str]:
        """The step to report the hops of: ``wanted`` flows/s if it did not saturate, else the
        highest rate below saturation (else the lowest), with a note saying which."""
        calm = [i for i, s in enumerate(self.steps) if not s.saturated]
        for i in calm:
            if self.steps[i].rate == wanted:
                return i, f"at {wanted:g} flows/s"
        if calm:
            i = calm[-1]
            note = f"at {self.steps[i].rate:g} flows/s, the highest rate below saturation"
            return i, note + f" ({wanted:g} flows/s is beyond it)"
        return 0, f"at {self.steps[0].rate:g} flows/s, which already saturates"


def flow_body(net: Any, school: int, contact: str) -> dict[str, Any]:
    return application_body(
        fund_id=net.fund["id"],
        school_id=net.schools[school]["id"],
        provider_id=net.provider["id"],
        contact_email=contact,
    )


def ok(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in (statuses or (200,)), response.text
    result: dict[str, Any] = response.json()
    return result


async def run_flows(
    suite: Suite, rates: list[float], *, seconds: float, drain: float, schools: int = 4
) -> FlowRun:
    """Set up a network (schools, a steering group with members and a session, a fund large
    enough for every flow), then ramp whole flows through the rates."""
    from e2e.flow import set_up_network, until

    net = await set_up_network(suite, schools=schools)
    async with suite.client("offers") as offers:
        big = {
            "name": f"Benchmark-Fonds {uuid.uuid4().hex[:6]}",
            "kind": "school_project",
            "region": net.region,
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "budget_cents": 10**12,
            "max_per_school_per_year_cents": None,
            "deciding_committee_id": net.committee["id"],
        }
        net.fund = ok(await offers.post("/funds", json=big, headers=net.office), 201)
    inbox_of: dict[str, str] = {}
    apps: dict[int, str] = {}
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with (
        watching(suite, inbox_of) as watcher,
        httpx.AsyncClient(
            base_url=f"{suite.url('offers')}/api/v1", timeout=120, limits=limits
        ) as offers,
        httpx.AsyncClient(
            base_url=f"{suite.url('meetings')}/api/v1", timeout=120, limits=limits
        ) as meetings,
    ):
        session = f"/meetings/{net.session['id']}"
        ok(
            await meetings.post(
                f"{session}/attendance",
                json={"person_ids": [m["id"] for m in net.members]},
                headers=net.office,
            )
        )

        async def flow(i: int) -> None:
            school = i % schools
            contact = f"kontakt-{i}-{uuid.uuid4().hex[:6]}@schule.example"
            auth = net.school_auth(school)

            async def drafted() -> dict[str, Any] | None:
                response = await offers.post(
                    "/applications", json=flow_body(net, school, contact), headers=auth
                )
                if response.status_code == 422 and response.json().get("rule") in (
                    "unknown-school",
                    "unknown-organization",
                ):
                    return None  # offers has not read the registry's events yet
                return ok(response, 201)

            app = await until(drafted, timeout=180, interval=0.5)
            apps[i] = app_id = app["id"]
            inbox_of[contact] = app_id
            ok(
                await offers.post(
                    f"/applications/{app_id}/consultation",
                    json={"date": "2026-11-20", "notes": "Beratung erfolgt"},
                    headers=net.office,
                )
            )
            ok(await offers.post(f"/applications/{app_id}/submit", headers=auth))
            await watcher.wait(app_id, "item")
            body = {
                "outcome": "approved",
                "votes": {"yes": 3, "no": 0, "abstain": 0},
                "approved_cents": 140_000,
                "conditions": "Fotodokumentation beifügen",
            }
            item = watcher.items[app_id]
            response = await meetings.post(
                f"{session}/agenda/{item}/decision", json=body, headers=net.office
            )
            ok(response, 200, 201)
            await watcher.wait(app_id, "approved")
            await watcher.wait(app_id, "inbox")

        steps = await ramp(flow, rates, seconds=seconds, drain=drain, label="flows")
    per_step, first = [], 0
    for step in steps:
        per_step.append([apps[i] for i in range(first, first + step.started) if i in apps])
        first += step.started
    return FlowRun(steps, per_step, watcher)


def hop_percentiles(deltas: list[float]) -> tuple[float, float]:
    return percentile(deltas, 50), percentile(deltas, 99)
