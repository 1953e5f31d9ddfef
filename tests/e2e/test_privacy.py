"""Issue 15's "must show", against the running suite on SQLite files (as ``schulerfolg up`` runs
it) with its own NATS store directory: own data per service, the audit log, erasure reaching
every copy (byte search of every database file, WAL and the NATS store), and retention on a
moved clock — the figures (statistics, registration counts) staying equal throughout.

One suite start and one shared setup for the module; the tests run in file order (the erasure
and the retention change what the earlier ones read).

The people have distinctive names, addresses and phone numbers, so that a byte search for them
means something (it is shown to find them before they are erased).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e.flow import Flow, Network, ok, set_up_network, until
from suite_support import Suite, running_suite, sqlite_databases

from schulerfolg_dev.testing.servers import NatsServer

pytestmark = pytest.mark.timeout(900)

REGION = "boerde"


@dataclass(frozen=True)
class Someone:
    """A person of the test, with what must not survive their erasure."""

    name: str
    email: str
    phone: str
    sub: str = field(default_factory=lambda: f"u-{uuid.uuid4().hex[:12]}")

    @property
    def needles(self) -> dict[str, bytes]:
        """What a byte search looks for (lower-cased; the files are searched lower-cased)."""
        digits = "".join(c for c in self.phone if c.isdigit())
        return {
            "name": self.name.lower().encode(),
            "e-mail address": self.email.lower().encode(),
            "phone number": self.phone.encode(),
            "phone number (digits)": digits.encode(),
        }

    def auth(self, suite: Suite) -> dict[str, str]:
        """Signed in as this person (an account of the identity provider)."""
        return suite.auth("partner", sub=self.sub, email=self.email, name=self.name)


# A: a registry person, committee member, registrant (signed in and not), application contact
# and inbox recipient; erased with DELETE /persons/{id}.
HILDEGARD = Someone(
    "Hildegard Zwetschkenbaum", "hildegard.zwetschkenbaum@loeschprobe.example", "0391 7345981"
)
# B: known only by e-mail (application contact, registrant without an account); erased by request.
OTTOKAR = Someone(
    "Ottokar Brennnesselhuber", "ottokar.brennnesselhuber@elternrat.example", "0392 6647213"
)
# C and D: registry persons with overlapping activity (own data); C's data ages (retention).
MECHTHILD = Someone(
    "Mechthild Kornblumenfeld", "mechthild.kornblumenfeld@sozialarbeit.example", "03931 582274"
)
WENDELIN = Someone(
    "Wendelin Haselnussberger", "wendelin.haselnussberger@traeger-sued.example", "03943 691128"
)
# E: known only by e-mail, contact of a completed application and registrant: retention.
ROSAMUNDE = Someone(
    "Rosamunde Pfefferminzler", "rosamunde.pfefferminzler@foerderverein.example", "039401 77315"
)
# F: registrant of an event years ahead, whose retention has not ended even on the moved clock.
LEOPOLDINE = Someone(
    "Leopoldine Sauerampfer", "leopoldine.sauerampfer@zukunft.example", "03904 118822"
)

EVERYONE = (HILDEGARD, OTTOKAR, MECHTHILD, WENDELIN, ROSAMUNDE, LEOPOLDINE)
RETENTION_OFFSET_DAYS = 6 * 366  # past every retention: 12 months, 5 years after completion
RETENTION_NEAR_DAYS = 400  # past 12 months after the events of the next weeks, not 5 years


# --------------------------------------------------------------------------- the suite


@pytest.fixture(scope="module")
def privacy_suite(
    module_nats: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Suite]:
    """The four services on SQLite files under ``<tmp>/data`` (logs beside, not inside)."""
    root = tmp_path_factory.mktemp("privacy")
    with running_suite(sqlite_databases(root / "data"), module_nats.url, root) as suite:
        yield suite


@dataclass
class World:
    """What the shared setup made: the network, the people's records, events, applications."""

    suite: Suite
    nats: NatsServer
    net: Network
    persons: dict[str, dict[str, Any]] = field(default_factory=dict)  # by e-mail address
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # soon, later, far
    registrations: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    flows: dict[str, Flow] = field(default_factory=dict)  # by contact e-mail address

    @property
    def data_dir(self) -> Path:
        return Path(
            self.suite.services["registry"].env["REGISTRY_DATABASE_URL"].split("///")[1]
        ).parent

    def database_files(self) -> list[Path]:
        """Every database file, WAL and rollback journal of the four services."""
        return sorted(
            p for p in self.data_dir.iterdir() if p.name.endswith((".db", "-wal", "-journal"))
        )

    def nats_files(self) -> list[Path]:
        """Every file of the NATS server's store directory."""
        return sorted(p for p in self.nats.store_dir.rglob("*") if p.is_file())

    @property
    def admin(self) -> dict[str, str]:
        return self.suite.auth("admin", sub="admin-1")

    @property
    def state(self) -> dict[str, str]:
        return self.suite.auth("state_coordinator", sub="state-1")


def found_in(files: list[Path], people: tuple[Someone, ...]) -> list[str]:
    """``file: whose what`` for every needle of ``people`` found in ``files`` (byte search)."""
    hits = []
    for path in files:
        try:
            data = path.read_bytes().lower()
        except FileNotFoundError:  # a journal or WAL that went away meanwhile
            continue
        for person in people:
            hits += [
                f"{path}: {person.name}'s {what}"
                for what, needle in person.needles.items()
                if needle in data
            ]
    return hits


async def nothing_found(files: Any, people: tuple[Someone, ...], timeout: float = 20) -> None:
    """Poll (checkpoints and the NATS store's writes follow the commit) until no file holds
    anything of ``people``; fail naming the files that still do."""
    try:
        await until(lambda: _now(not found_in(files(), people)), timeout=timeout, interval=0.5)
    except AssertionError:
        hits = found_in(files(), people)
        raise AssertionError("still found after the erasure:\n" + "\n".join(hits)) from None


async def _now(value: Any) -> Any:
    return value


@pytest.fixture(scope="module")
async def world(privacy_suite: Suite, module_nats: NatsServer) -> World:
    suite = privacy_suite
    net = await set_up_network(suite, schools=2)
    w = World(suite, module_nats, net)
    async with (
        suite.client("registry") as registry,
        suite.client("meetings") as meetings,
        suite.client("offers") as offers,
    ):
        for person in (HILDEGARD, MECHTHILD, WENDELIN):
            w.persons[person.email] = ok(
                await registry.post(
                    "/persons",
                    json={
                        "name": person.name,
                        "function": "school_social_worker",
                        "email": person.email,
                        "phone": person.phone,
                        "organization_id": net.youth_office["id"],
                        "user_sub": person.sub,
                    },
                    headers=net.office,
                ),
                201,
            )
            await until(lambda p=w.persons[person.email]: _join(meetings, net, p), timeout=60)
        # committee members are told of the changed session (inbox and e-mail)
        ok(
            await meetings.patch(
                f"/meetings/{net.session['id']}",
                json={"location": "Haldensleben, Kreishaus Raum 2"},
                headers=net.office,
            )
        )
        now = datetime.now(UTC).replace(microsecond=0)
        for key, title, starts in (
            ("soon", "Fortbildung Datenschutz in der Schulsozialarbeit", now + timedelta(days=20)),
            ("later", "Fachaustausch Übergang Schule–Beruf", now + timedelta(days=25)),
            ("far", "Netzwerktreffen 2033", now + timedelta(days=7 * 366)),
        ):
            w.events[key] = ok(
                await meetings.post(
                    "/meetings",
                    json={
                        "kind": "training",
                        "title": title,
                        "region": REGION,
                        "starts_at": starts.isoformat(),
                        "ends_at": (starts + timedelta(hours=3)).isoformat(),
                        "location": "Oschersleben",
                        "capacity": 50,
                        "public": True,
                    },
                    headers=net.office,
                ),
                201,
            )
        for event, person, signed_in in (
            ("soon", HILDEGARD, True),
            ("later", HILDEGARD, False),
            ("soon", MECHTHILD, True),
            ("soon", WENDELIN, True),
            ("soon", OTTOKAR, False),
            ("soon", ROSAMUNDE, False),
            ("far", LEOPOLDINE, False),
        ):
            # Ottokar writes his address capitalised here (addresses match case-insensitively)
            address = person.email.title() if person is OTTOKAR else person.email
            w.registrations[event, person.email] = ok(
                await meetings.post(
                    f"/meetings/{w.events[event]['id']}/registrations",
                    json={"name": person.name, "email": address, "organization": "AWO"},
                    headers=(person.auth(suite) if signed_in else {}) | _idempotent(),
                ),
                201,
            )
        contacts = (HILDEGARD, OTTOKAR, MECHTHILD, WENDELIN, ROSAMUNDE)
        for i, person in enumerate(contacts):
            flow = Flow(net, school=i % 2, contact_email=person.email)
            flow.app = await submit_application(offers, flow, person)
            w.flows[person.email] = flow
        for flow in w.flows.values():
            await flow.wait_for_agenda_item(meetings)
        for flow in w.flows.values():
            await flow.decide(meetings, approved_cents=100_000)
        for flow in w.flows.values():
            await flow.wait_for_status(offers, "approved")
        rosamunde = w.flows[ROSAMUNDE.email]
        ok(
            await offers.post(
                f"/applications/{rosamunde.app['id']}/report",
                json={
                    "actual_participants": {"pupils": 18},
                    "actual_cost_cents": 90_000,
                    "summary": "Zwölf Streitschlichter ausgebildet.",
                },
                headers=net.school_auth(rosamunde.school),
            )
        )
        ok(  # closing needs the proof of use (filled by the report) accepted
            await offers.post(
                f"/applications/{rosamunde.app['id']}/proof-of-use/accept",
                json={"accepted_cents": 90_000},
                headers=net.office,
            )
        )
        ok(await offers.post(f"/applications/{rosamunde.app['id']}/close", headers=net.office))
    # every contact was e-mailed the decision; the members the changed session
    for person in contacts:
        await until(lambda p=person: _now(_mailed(suite, p, "bewilligt")), timeout=90)
    for person in (HILDEGARD, MECHTHILD, WENDELIN):
        await until(lambda p=person: _now(len(suite.mail.to(p.email)) >= 3), timeout=90)
    async with suite.client("notifications") as notifications:
        for person in (HILDEGARD, MECHTHILD, WENDELIN, OTTOKAR, ROSAMUNDE):
            await until(lambda p=person: _inbox_has(notifications, suite, p), timeout=90)
    return w


async def _join(meetings: httpx.AsyncClient, net: Network, person: dict[str, Any]) -> bool:
    """A member without a vote (the quorum stays the network's three), once meetings knows her."""
    response = await meetings.post(
        f"/committees/{net.committee['id']}/members",
        json={"person_id": person["id"], "role": "member", "voting": False},
        headers=net.office,
    )
    assert response.status_code in (200, 201, 404, 409, 422), response.text
    return response.status_code in (200, 201)


def _idempotent() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def _mailed(suite: Suite, person: Someone, subject_part: str) -> bool:
    return any(subject_part in str(m["Subject"]).lower() for m in suite.mail.to(person.email))


async def _inbox_has(notifications: httpx.AsyncClient, suite: Suite, person: Someone) -> bool:
    items = ok(await notifications.get("/inbox", headers=person.auth(suite)))["items"]
    return any("approved" in n["kind"] for n in items)


async def submit_application(offers: httpx.AsyncClient, flow: Flow, contact: Someone) -> dict:
    """Draft, advise and submit an application with ``contact`` as its contact person."""
    net = flow.net
    body = {
        "fund_id": net.fund["id"],
        "school_ids": [net.schools[flow.school]["id"]],
        "partner_organization_ids": [net.provider["id"]],
        "title": f"Streitschlichtung an der Schule, Jahrgang {uuid.uuid4().int % 90 + 5}",
        "summary": "Schülerinnen und Schüler werden zu Streitschlichtern ausgebildet.",
        "goals": "Konflikte friedlich lösen.",
        "topics": ["mediation"],
        "target_groups": ["pupils"],
        "planned_participants": {"pupils": 20},
        "start_date": "2027-03-01",
        "end_date": "2027-06-30",
        "budget_lines": [{"category": "fees", "description": "Trainerin", "amount_cents": 100_000}],
        "contact": {"name": contact.name, "email": contact.email, "phone": contact.phone},
    }
    school = net.school_auth(flow.school)
    key = _idempotent()  # the stored response holds the contact: a copy an erasure must reach

    async def drafted() -> dict[str, Any] | None:
        response = await offers.post("/applications", json=body, headers=school | key)
        if response.status_code == 422 and response.json().get("rule") in (
            "unknown-school",
            "unknown-organization",
        ):
            return None  # offers has not read the registry's events yet
        return ok(response, 201)

    app = await until(drafted, timeout=120, interval=0.5)
    ok(
        await offers.post(
            f"/applications/{app['id']}/consultation",
            json={"date": "2026-11-20", "notes": "Beratung erfolgt"},
            headers=net.office,
        )
    )
    return ok(await offers.post(f"/applications/{app['id']}/submit", headers=school))


async def figures(w: World) -> dict[str, Any]:
    """What must stay equal: the offers statistics and every event's registration counts."""
    async with w.suite.client("offers") as offers, w.suite.client("meetings") as meetings:
        statistics = ok(await offers.get("/statistics", params={"region": REGION}, headers=w.state))
        counts = {}
        for key, event in w.events.items():
            meeting = ok(await meetings.get(f"/meetings/{event['id']}", headers=w.net.office))
            counts[key] = (meeting["confirmed"], meeting["waitlisted"])
    return {"statistics": statistics, "registrations": counts}


# --------------------------------------------------------------------------- own data


@pytest.mark.parametrize(
    ("mine", "theirs"),
    [(MECHTHILD, WENDELIN), (ROSAMUNDE, OTTOKAR), (OTTOKAR, ROSAMUNDE)],
    ids=["registry person", "known by e-mail only", "registered with capitals"],
)
async def test_own_data_holds_the_callers_records_and_nothing_of_anyone_else(
    world: World, mine: Someone, theirs: Someone
):
    """Two people with the same activity (members, registrants of one event, contacts of
    applications in one fund, inbox recipients); each one's /me/data shows only their own."""
    suite = world.suite
    person = world.persons.get(mine.email)
    own_records = {
        "registry": [person["id"]] if person else [],
        "offers": [world.flows[mine.email].app["id"]],
        "meetings": [world.registrations["soon", mine.email]["id"]],
        "notifications": [],
    }
    their_records = [
        world.flows[theirs.email].app["id"],
        world.registrations["soon", theirs.email]["id"],
        theirs.sub,
    ] + ([world.persons[theirs.email]["id"]] if theirs.email in world.persons else [])
    for service, expected in own_records.items():
        async with suite.client(service) as client:
            assert (await client.get("/me/data")).status_code == 401, service
            answer = ok(await client.get("/me/data", headers=mine.auth(suite)))
        text = str(answer).lower()
        assert answer["service"] == service
        assert (answer["sub"], answer["email"]) == (mine.sub, mine.email)
        if service != "registry" or person:
            assert any(answer["data"].values()), f"{service} holds nothing about {mine.name}"
            assert mine.email in text, f"{service}: the caller's own address is not in the data"
        missing = [r for r in expected if r.lower() not in text]
        assert not missing, f"{service} /me/data of {mine.name} lacks {missing}: {answer}"
        leaked = [
            f"{p.name}'s {what}"
            for p in EVERYONE
            if p is not mine
            for what, needle in p.needles.items()
            if needle.decode() in text
        ]
        assert not leaked, f"{service} /me/data of {mine.name} shows {leaked}"
        assert not [r for r in their_records if r.lower() in text], (
            f"{service} /me/data of {mine.name} shows {theirs.name}'s records: {answer}"
        )


# --------------------------------------------------------------------------- audit


async def test_every_application_change_and_read_leaves_one_audit_entry(world: World):
    suite, net = world.suite, world.net
    flow = Flow(net, school=1, contact_email=f"audit-{uuid.uuid4().hex[:6]}@schule.example")
    contact = Someone("Auditha Prüfstein", flow.contact_email, "0391 5550123")
    async with suite.client("offers") as offers, suite.client("registry") as registry:
        app = await submit_application(offers, flow, contact)
        decided = ok(
            await offers.post(
                f"/applications/{app['id']}/decision",
                json={"outcome": "approved", "approved_cents": 90_000},
                headers=net.office,
            )
        )
        assert decided["status"] == "approved"
        ok(await offers.get(f"/applications/{app['id']}", headers=net.office))  # the one read

        async def entries() -> list[dict[str, Any]]:
            response = await offers.get(
                "/audit", params={"resource": f"applications/{app['id']}"}, headers=world.admin
            )
            return ok(response)["items"]

        # create, advice, submit, decision, one read — and the grant notice, which offers
        # issues by itself after the approval (actor: system)
        logged = await until(lambda: _at_least(entries, 6), timeout=20)
        notices = [e for e in logged if e["action"] == "application.grant_notice_issued"]
        assert [e["actor"] for e in notices] == ["system"], logged
        items = [e for e in logged if e not in notices]
        # an application decided in the committee's session: each change once, by the system
        decided_in_session = world.flows[WENDELIN.email].app["id"]
        session_log = ok(
            await offers.get(
                "/audit",
                params={"resource": f"applications/{decided_in_session}", "limit": 500},
                headers=world.state,
            )
        )["items"]
        person = ok(
            await registry.post(
                "/persons",
                json={
                    "name": "Gottfried Aktenzeichen",
                    "function": "principal",
                    "email": "g.aktenzeichen@schule-audit.example",
                    "school_id": net.schools[0]["id"],
                },
                headers=net.office,
            ),
            201,
        )
        ok(await registry.get(f"/persons/{person['id']}", headers=net.office))
        person_log = ok(
            await registry.get(
                "/audit", params={"resource": f"persons/{person['id']}"}, headers=world.state
            )
        )["items"]

    actions = [e["action"] for e in items]
    assert len(items) == 5, f"expected create, advice, submit, decision and one read: {actions}"
    assert len(set(actions)) == 5, f"an action recorded twice: {actions}"
    for step in ("creat", ("consult", "advis"), "submit", ("approv", "decid", "decision"), "read"):
        wanted = (step,) if isinstance(step, str) else step
        assert sum(any(w in a for w in wanted) for a in actions) == 1, (step, actions)
    by_action = {e["action"]: e["actor"] for e in items}
    school_sub, office_sub = "school-1", "office-1"
    assert {a: s for a, s in by_action.items() if "read" in a} == {
        next(a for a in actions if "read" in a): office_sub
    }
    assert [s for a, s in by_action.items() if "submit" in a] == [school_sub]
    assert all(e["resource"] == f"applications/{app['id']}" for e in items)
    assert contact.email not in str(items) and contact.name not in str(items)
    changes = [e["action"] for e in session_log if "read" not in e["action"]]
    assert len(changes) == len(set(changes)), f"a change recorded twice: {changes}"
    for step in ("creat", ("consult", "advis"), "submit", "approv"):
        wanted = (step,) if isinstance(step, str) else step
        assert sum(any(w in a for w in wanted) for a in changes) == 1, (step, changes)
    reads = [e for e in person_log if e["action"] == "person.read"]
    assert len(reads) == 1, person_log
    assert reads[0]["actor"] == office_sub
    assert "aktenzeichen" not in str(person_log).lower()


async def _at_least(entries: Any, n: int) -> list[dict[str, Any]] | None:
    items = await entries()
    return items if len(items) >= n else None


# --------------------------------------------------------------------------- erasure


async def test_an_erasure_reaches_every_copy_and_the_figures_stay(world: World):
    suite, net = world.suite, world.net
    erased = (HILDEGARD, OTTOKAR)
    # the search finds them before: in the services' files and in the streams
    before_db = found_in(world.database_files(), erased)
    for service, person in (("offers", OTTOKAR), ("meetings", HILDEGARD), ("registry", HILDEGARD)):
        assert [h for h in before_db if f"/{service}.db" in h and person.name in h], (
            service,
            before_db,
        )
    assert found_in(world.nats_files(), erased), "the NATS store holds none of them before"
    assert {f.name for f in world.database_files()} >= {f"{s}.db" for s in suite.services}
    before = await figures(world)

    # notifications is down while the erasures are asked for: they wait for its answer
    suite.services["notifications"].stop()
    async with suite.client("registry") as registry:
        hildegard = world.persons[HILDEGARD.email]
        response = await registry.delete(f"/persons/{hildegard['id']}", headers=net.office)
        assert response.status_code == 204, response.text
        response = await registry.post(
            "/erasure-requests",
            json={
                "email": OTTOKAR.email.upper(),  # as the letter wrote it
                "reason": "Antrag auf Löschung per E-Mail vom 1.12.",
            },
            headers=world.state,
        )
        assert response.status_code == 202, response.text
        request = response.json()
        assert response.headers["Location"] == f"/api/v1/erasure-requests/{request['id']}"
        assert OTTOKAR.email not in response.text.lower()
        listed = ok(await registry.get("/erasure-requests", headers=world.admin))["items"]
        by_person = [r for r in listed if r["origin"] == "person_erased"]
        assert len(by_person) == 1, listed
        assert by_person[0]["email_hint"].endswith("@loeschprobe.example"), by_person

        async def completed(request_id: str) -> dict[str, Any] | None:
            answer = ok(await registry.get(f"/erasure-requests/{request_id}", headers=world.admin))
            return answer if answer["status"] == "completed" else None

        async def all_but_notifications(request_id: str) -> dict[str, Any] | None:
            answer = ok(await registry.get(f"/erasure-requests/{request_id}", headers=world.admin))
            done = {s["service"] for s in answer["services"] if s["status"] == "completed"}
            return answer if done == {"registry", "offers", "meetings"} else None

        for r in (request, by_person[0]):
            waiting = await until(lambda r=r: all_but_notifications(r["id"]), timeout=120)
            assert (waiting["status"], waiting["completed_at"]) == ("pending", None), waiting
        suite.services["notifications"].start()
        done = [
            await until(lambda r=r: completed(r["id"]), timeout=120)
            for r in (request, by_person[0])
        ]
        assert (
            await registry.get(f"/persons/{hildegard['id']}", headers=net.office)
        ).status_code == 410
    for answer in done:
        assert [s["service"] for s in answer["services"]] == [
            "registry",
            "offers",
            "meetings",
            "notifications",
        ], answer
        assert all(s["status"] == "completed" for s in answer["services"]), answer
        assert HILDEGARD.email not in str(answer) and OTTOKAR.email not in str(answer)

    await nothing_found(world.database_files, erased)
    await nothing_found(world.nats_files, erased)
    assert await figures(world) == before
    # the others are untouched: still found, still registered
    assert found_in(world.database_files(), (MECHTHILD, ROSAMUNDE))


# --------------------------------------------------------------------------- retention


async def test_retention_anonymises_on_the_moved_clock_and_the_figures_stay(world: World):
    suite = world.suite
    aged = (ROSAMUNDE,)
    assert found_in(world.database_files(), aged)
    before = await figures(world)
    async with (
        suite.client("meetings") as meetings,
        suite.client("notifications") as notifications,
        suite.client("offers") as offers,
    ):

        async def registrations(event: str) -> list[dict[str, Any]]:
            path = f"/meetings/{world.events[event]['id']}/registrations"
            return ok(await meetings.get(path, headers=world.net.office))["items"]

        async def still_held() -> dict[str, bool]:
            """Where each aged address is still found through the APIs."""
            soon = {r["email"] for r in await registrations("soon")}
            deliveries = ok(
                await notifications.get("/deliveries", params={"limit": 500}, headers=world.admin)
            )["items"]
            held = {}
            for p in (ROSAMUNDE, MECHTHILD):
                inbox = ok(await notifications.get("/inbox", headers=p.auth(suite)))["items"]
                held[f"{p.email}: registration"] = p.email in soon
                held[f"{p.email}: inbox entries"] = bool(inbox)
                held[f"{p.email}: deliveries"] = any(d["to"] == p.email for d in deliveries)
            rosamunde = world.flows[ROSAMUNDE.email].app["id"]
            app = ok(await offers.get(f"/applications/{rosamunde}", headers=world.net.office))
            held[f"{ROSAMUNDE.email}: contact"] = ROSAMUNDE.email in str(app["contact"])
            return held

        held = await still_held()
        assert all(held.values()), f"not there before the clock moved: {held}"
        contact = f"{ROSAMUNDE.email}: contact"

        async def reached(expected: dict[str, bool]) -> None:
            try:
                await until(lambda: _is(still_held(), expected), timeout=60, interval=1)
            except AssertionError:
                raise AssertionError(f"expected {expected}, got {await still_held()}") from None

        # 13 months on: registrations (12 months after the event), inbox entries and deliveries
        # (12 months) are due; the completed application's contact (5 years) is not
        move_clock(suite, RETENTION_NEAR_DAYS)
        await reached({k: k == contact for k in held})
        await asyncio.sleep(3)  # three more rounds: still there
        assert (await still_held())[contact], "a contact anonymised before its 5 years"
        # six years on: the contact too
        move_clock(suite, RETENTION_OFFSET_DAYS)
        await reached(dict.fromkeys(held, False))
        # what is not due stays: a registration for an event years ahead, the contact of an
        # application not completed
        assert [r["email"] for r in await registrations("far")] == [LEOPOLDINE.email]
        wendelin = world.flows[WENDELIN.email].app["id"]
        app = ok(await offers.get(f"/applications/{wendelin}", headers=world.net.office))
        assert app["contact"]["email"] == WENDELIN.email

    # gone from the files too (the streams keep events 30 days, so NATS is not searched here)
    await nothing_found(world.database_files, aged)
    assert await figures(world) == before


def move_clock(suite: Suite, days: int) -> None:
    """Restart the services that keep personal data with the retention clock ``days`` ahead
    and a housekeeping round every second."""
    suite.restart(
        {
            s: {
                f"{s.upper()}_RETENTION_CLOCK_OFFSET_DAYS": str(days),
                f"{s.upper()}_HOUSEKEEPING_INTERVAL": "1",
                # that far on, the platform rows (stored responses, published outbox rows, dead
                # letters) are long gone by their own retention of hours and days
                f"{s.upper()}_OUTBOX_RETENTION_DAYS": "0.00001",
                f"{s.upper()}_IDEMPOTENCY_KEY_TTL_HOURS": "0.0003",
                f"{s.upper()}_DEAD_LETTER_RETENTION_DAYS": "0.00001",
            }
            for s in ("offers", "meetings", "notifications")
        }
    )


async def _is(held: Any, expected: dict[str, bool]) -> bool:
    return await held == expected


async def test_no_log_names_anyone(world: World):
    """Runs last: the erasures, the retention rounds and everything before logged ids only."""
    for name, service in world.suite.services.items():
        text = service.log_path.read_bytes().lower()
        assert text, name
        logged = [
            f"{p.name}'s {what}"
            for p in EVERYONE
            for what, needle in p.needles.items()
            if needle in text
        ]
        assert not logged, f"{name} logged {logged}"
