"""End to end, about people: registrations with a waiting list (and their e-mails), the erasure
of a person reaching every service, and no personal data in any service's log."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from e2e.flow import Flow, ok, set_up_network, until
from suite_support import SERVICES, Suite


async def test_registrations_fill_places_then_the_waiting_list(suite: Suite):
    net = await set_up_network(suite)
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
    async with suite.client("meetings") as meetings:
        event = ok(
            await meetings.post(
                "/meetings",
                json={
                    "kind": "training",
                    "title": "Fortbildung Kinderschutz für Schulsozialarbeit",
                    "region": "boerde",
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(hours=3)).isoformat(),
                    "location": "Oschersleben",
                    "capacity": 2,
                    "public": True,
                },
                headers=net.office,
            ),
            201,
        )
        people = [
            (f"Teilnehmerin {i}", f"teilnahme{i}-{uuid.uuid4().hex[:6]}@traeger.example")
            for i in range(3)
        ]
        registrations = []
        for name, address in people:
            registrations.append(
                ok(
                    await meetings.post(
                        f"/meetings/{event['id']}/registrations",
                        json={"name": name, "email": address, "organization": "AWO"},
                    ),
                    201,
                )
            )
        assert [r["status"] for r in registrations] == ["confirmed", "confirmed", "waitlisted"]
        response = await meetings.delete(
            f"/meetings/{event['id']}/registrations/{registrations[0]['id']}"
        )
        assert response.status_code == 204, response.text

    def mails(address: str) -> list[str]:
        return [m["Subject"] for m in suite.mail.to(address)]

    await until(lambda: _async(len(mails(people[2][1])) >= 2), timeout=60)
    await until(lambda: _async(len(mails(people[1][1])) >= 1), timeout=60)
    waitlisted, promoted = mails(people[2][1])
    assert "Warteliste" in waitlisted
    assert "Fortbildung Kinderschutz" in promoted
    assert all("Warteliste" not in s for s in mails(people[1][1]))


async def _async(value):
    return value


async def test_an_erasure_reaches_every_service(suite: Suite):
    net = await set_up_network(suite)
    flow = Flow(net)
    person = net.members[0]
    address = f"mitglied0-{person['name'].split()[-1]}@boerde.example"
    async with (
        suite.client("registry") as registry,
        suite.client("offers") as offers,
        suite.client("meetings") as meetings,
    ):
        await flow.draft_and_submit(offers)
        await flow.wait_for_agenda_item(meetings)
        # the member is in meetings' and notifications' read models by now (the session was mailed)
        await until(lambda: _async(bool(suite.mail.to(address))), timeout=60)
        response = await registry.delete(f"/persons/{person['id']}", headers=net.office)
        assert response.status_code == 204, response.text
        assert (
            await registry.get(f"/persons/{person['id']}", headers=net.office)
        ).status_code == 410

    async def nowhere() -> bool:
        for name in SERVICES:
            if await _rows_mentioning(
                suite.services[name].env[f"{name.upper()}_DATABASE_URL"], [address, person["name"]]
            ):
                return False
        return True

    await until(nowhere, timeout=60)
    mailed_before = len(suite.mail.to(address))
    async with suite.client("meetings") as meetings:
        ok(
            await meetings.patch(
                f"/meetings/{net.session['id']}",
                json={"location": "Wanzleben, Rathaus"},
                headers=net.office,
            )
        )
        members = ok(
            await meetings.get(f"/committees/{net.committee['id']}/members", headers=net.office)
        )
    assert person["name"] not in str(members)
    other = net.members[1]
    other_address = f"mitglied1-{other['name'].split()[-1]}@boerde.example"
    await until(lambda: _async(len(suite.mail.to(other_address)) >= 2), timeout=60)
    assert len(suite.mail.to(address)) == mailed_before  # nothing more for the erased person


async def _rows_mentioning(url: str, needles: list[str]) -> list[str]:
    """Tables of a service's database with a row whose text contains one of ``needles``."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        tables = await connection.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        found = []
        for (table,) in tables:
            for needle in needles:
                hit = await connection.fetchval(
                    f'SELECT count(*) FROM "{table}" t WHERE t::text ILIKE $1', f"%{needle}%"
                )
                if hit:
                    found.append(f"{table}: {needle}")
        return found
    finally:
        await connection.close()


EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# German numbers as people write them: area code, a space or slash, the number (ids and
# timestamps in logs are digit runs without that separator)
PHONE = re.compile(r"(?<![\w.:-])0\d{2,5}[ /]\d{3,8}(?![\w.:-])")
PHONES_USED = ("039209 1234",)  # what the flows put into applications (e2e/flow.py)


async def test_no_log_holds_an_email_address_or_phone_number(suite: Suite):
    """Runs after the flows above in this module: every log line the four services wrote."""
    net = await set_up_network(suite)
    flow = Flow(net)
    async with suite.client("offers") as offers, suite.client("meetings") as meetings:
        await flow.draft_and_submit(offers)
        await flow.wait_for_agenda_item(meetings)
    for name, service in suite.services.items():
        text = service.log_path.read_text(errors="replace")
        assert text, name
        emails = {m for m in EMAIL.findall(text) if not m.endswith((".py", ".example.invalid"))}
        assert not emails, f"{name} logged e-mail addresses: {sorted(emails)[:5]}"
        phones = PHONE.findall(text) + [p for p in PHONES_USED if p in text]
        assert not phones, f"{name} logged phone numbers: {phones[:5]}"
