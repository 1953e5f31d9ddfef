"""Stopping the sender in the middle of a round: notifications runs as its own process on
PostgreSQL with a real NATS server and a real SMTP server (aiosmtpd) that counts what arrives.
A round of 200 e-mails (one meeting, 200 committee members) is interrupted at random points with
SIGTERM (a clean stop: nothing is sent twice) or SIGKILL (a crash: only a delivery the service
recorded as in doubt may arrive twice, at most one per kill)."""

from __future__ import annotations

import asyncio
import os
import random
import signal
from collections import Counter
from email.utils import parseaddr
from pathlib import Path

import httpx
import pytest
from notifications_support import (
    Mailbox,
    _Handler,
    declare_producer_streams,
    m,
    meeting_fields,
    member,
    new_id,
    person,
    publish,
)
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from notifications.models import CommitteeMember, Delivery
from schulerfolg.auth import generate_signing_key, mint_token
from schulerfolg_dev.testing.live import LiveService
from schulerfolg_dev.testing.plugin import eventually

ROUND = 200
KILLS = 3
LEASE = 3.0  # seconds a claimed e-mail is reserved for its sender (in doubt after a crash)


class Live:
    """The live process, its database (read directly) and the SMTP server's mailbox."""

    def __init__(self, service: LiveService, database_url: str, mailbox: Mailbox, key) -> None:
        self.service = service
        self.engine = create_async_engine(database_url)
        self.mailbox = mailbox
        self.key = key

    async def scalar(self, statement):
        async with self.engine.connect() as connection:
            return await connection.scalar(statement)

    async def deliveries(self) -> list[Delivery]:
        async with self.engine.connect() as connection:
            return list((await connection.execute(select(Delivery))).all())

    def received(self) -> Counter[str]:
        return Counter(
            parseaddr(str(message["To"]))[1].lower() for message in self.mailbox.messages
        )

    async def wait_received(self, count: int) -> None:
        async def enough() -> bool:
            return len(self.mailbox.messages) >= count

        await eventually(enough, timeout=120)


@pytest.fixture
def mailbox_for():
    """``mailbox_for(handler)``: an SMTP server with that handler, stopped afterwards."""
    boxes: list[Mailbox] = []

    def start(handler: _Handler | None = None) -> Mailbox:
        box = Mailbox()
        if handler is not None:
            box.handler = handler
        box.start()
        boxes.append(box)
        return box

    yield start
    for box in boxes:
        box.stop()


@pytest.fixture
async def live_for(new_database, nats_url: str, tmp_path: Path):
    """``await live_for(mailbox)``: notifications as its own process, sending to ``mailbox``."""
    started: list[Live] = []
    private_key, public_key = generate_signing_key(tmp_path / "auth")
    await declare_producer_streams(nats_url)

    async def start(mailbox: Mailbox) -> Live:
        url = await new_database("postgresql")
        env = {
            "NOTIFICATIONS_DATABASE_URL": url,
            "NATS_URL": nats_url,
            "AUTH_LOCAL_PUBLIC_KEY_FILE": str(public_key),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(mailbox.port),
            "SMTP_TIMEOUT": "1",
            "NOTIFICATIONS_DELIVERY_POLL_INTERVAL": "0.2",
            "NOTIFICATIONS_DELIVERY_LEASE_SECONDS": str(LEASE),
            "NOTIFICATIONS_PUBLIC_BASE_URL": "https://portal.test",
            "LOG_LEVEL": "WARNING",
        }
        service = LiveService("notifications", env=env, log_dir=tmp_path)
        service.migrate()
        service.start()
        live = Live(service, url, mailbox, private_key)
        started.append(live)
        return live

    yield start
    for live in started:
        live.service.stop()
        await live.engine.dispose()


def addresses() -> list[str]:
    return [f"mitglied.{i:03d}@schule.test" for i in range(ROUND)]


async def schedule_round(live: Live, nats_url: str) -> None:
    """200 committee members (registry persons), then one meeting for them: 200 e-mails created
    in one transaction, which the sender works through."""
    committee = new_id()
    people = [person(name=f"Mitglied {i}", email=a) for i, a in enumerate(addresses())]
    await publish(nats_url, *people)
    await publish(
        nats_url, *(member(committee, p.id, committee_version=i + 2) for i, p in enumerate(people))
    )

    async def members_known() -> bool:
        return await live.scalar(select(func.count()).select_from(CommitteeMember)) == ROUND

    await eventually(members_known, timeout=60)
    await publish(nats_url, m.MeetingScheduled(**meeting_fields(committee_id=committee)))


async def wait_all_sent(live: Live) -> list[Delivery]:
    async def done() -> list[Delivery] | None:
        rows = await live.deliveries()
        finished = len(rows) == ROUND and all(r.status == "sent" for r in rows)
        return rows if finished else None

    return await eventually(done, timeout=120, interval=0.2)


def kill_points(seed: int) -> list[int]:
    return sorted(random.Random(seed).sample(range(5, ROUND - 5), KILLS))


@pytest.mark.parametrize("seed", [1, 2])
async def test_sigterm_in_the_middle_of_a_round_sends_nothing_twice(
    live_for, mailbox_for, nats_url, seed
):
    live = await live_for(mailbox_for())
    await schedule_round(live, nats_url)
    for point in kill_points(seed):
        await live.wait_received(point)
        live.service.stop()  # SIGTERM: the mail in flight is finished and marked
        live.service.start()

    rows = await wait_all_sent(live)
    received = live.received()
    assert set(received) == set(addresses())
    assert {a: n for a, n in received.items() if n != 1} == {}
    assert all(r.in_doubt_resends == 0 for r in rows)


@pytest.mark.parametrize("seed", [3, 4])
async def test_sigkill_in_the_middle_of_a_round_resends_only_what_is_in_doubt(
    live_for, mailbox_for, nats_url, seed
):
    live = await live_for(mailbox_for())
    await schedule_round(live, nats_url)
    for point in kill_points(seed):
        await live.wait_received(point)
        live.service.kill()
        live.service.start()

    rows = await wait_all_sent(live)
    received = live.received()
    assert set(received) == set(addresses())  # everyone got it
    twice = {a for a, n in received.items() if n > 1}
    in_doubt = {r.to_address for r in rows if r.in_doubt_resends > 0}
    assert twice <= in_doubt  # a second e-mail only where the service knows it was in doubt
    assert max(received.values()) <= 2
    assert len(in_doubt) <= KILLS  # one e-mail in flight at a time: at most one per kill
    by_address = {a: {str(msg["Message-ID"]) for msg in live.mailbox.to(a)} for a in twice}
    assert all(len(ids) == 1 for ids in by_address.values())  # resent with the same Message-ID


class _CrashAfterAccepting(_Handler):
    """Stores the ``n``-th message, then SIGKILLs the sender before it can read the 250: the
    mail arrived, the service cannot know it."""

    def __init__(self, n: int) -> None:
        super().__init__(())
        self.n = n
        self.pid: int | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        answer = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == self.n and self.pid is not None:
            os.kill(self.pid, signal.SIGKILL)
            await asyncio.sleep(0.2)  # the process is gone before it could see the answer
        return answer


async def test_a_crash_after_the_server_accepted_resends_that_mail_once_and_says_so(
    live_for, mailbox_for, nats_url
):
    handler = _CrashAfterAccepting(n=17)
    live = await live_for(mailbox_for(handler))
    handler.pid = live.service.pid
    await schedule_round(live, nats_url)
    await live.wait_received(17)
    live.service.process.wait(timeout=10)  # killed by the SMTP server's hook
    live.service.start()

    rows = await wait_all_sent(live)
    received = live.received()
    (twice,) = [a for a, n in received.items() if n == 2]
    assert set(received) == set(addresses()) and max(received.values()) == 2
    (doubted,) = [r for r in rows if r.in_doubt_resends > 0]
    assert doubted.to_address == twice and doubted.in_doubt_resends == 1
    first, second = live.mailbox.to(twice)
    assert first["Message-ID"] == second["Message-ID"] == doubted.message_id

    token = mint_token(live.key, role="admin")
    async with httpx.AsyncClient(base_url=live.service.url) as client:
        response = await client.get(
            "/api/v1/deliveries",
            params={"limit": 200},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.text
    shown = {d["to"]: d for d in response.json()["items"]}
    assert shown[twice]["in_doubt_resends"] == 1
