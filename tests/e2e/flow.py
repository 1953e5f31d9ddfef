"""One funding flow through the public HTTP APIs of the four services, step by step, so the
end-to-end, fault and benchmark tests drive the same thing."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from suite_support import Suite, application_body

REGION = "boerde"


async def until(check: Any, *, timeout: float = 60.0, interval: float = 0.05) -> Any:
    """Poll ``check()`` until it answers something truthy."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"not reached within {timeout}s (last: {last!r})")


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
    )
    return response.json() if response.content else {}


@dataclass
class Network:
    """What an office sets up once: provider, schools, persons, a steering group and fund."""

    suite: Suite
    region: str = REGION
    provider: dict[str, Any] = field(default_factory=dict)
    youth_office: dict[str, Any] = field(default_factory=dict)
    schools: list[dict[str, Any]] = field(default_factory=list)
    office_person: dict[str, Any] = field(default_factory=dict)
    members: list[dict[str, Any]] = field(default_factory=list)
    committee: dict[str, Any] = field(default_factory=dict)
    session: dict[str, Any] = field(default_factory=dict)
    fund: dict[str, Any] = field(default_factory=dict)

    @property
    def office(self) -> dict[str, str]:
        return self.suite.auth("network_office", self.region, name="Netzwerkstelle", sub="office-1")

    def school_auth(self, index: int = 0) -> dict[str, str]:
        return self.suite.auth("school", school_id=self.schools[index]["id"], sub=f"school-{index}")


async def set_up_network(
    suite: Suite,
    *,
    schools: int = 1,
    committee_kind: str = "steering_group",
    fund_kind: str = "school_project",
    suffix: str = "",
) -> Network:
    net = Network(suite)
    tag = suffix or uuid.uuid4().hex[:6]
    async with suite.client("registry") as registry:
        net.provider = ok(
            await registry.post(
                "/organizations",
                json={
                    "name": f"AWO Kreisverband Börde e.V. {tag}",
                    "kind": "free_youth_welfare",
                    "region": REGION,
                },
                headers=net.office,
            ),
            201,
        )
        net.youth_office = ok(
            await registry.post(
                "/organizations",
                json={
                    "name": f"Landkreis Börde, Jugendamt {tag}",
                    "kind": "public_youth_welfare",
                    "region": REGION,
                },
                headers=net.office,
            ),
            201,
        )
        for i in range(schools):
            net.schools.append(
                ok(
                    await registry.post(
                        "/schools",
                        json={
                            "school_number": f"{uuid.uuid4().int % 10**8:08d}",
                            "name": f"Sekundarschule Wanzleben {tag}-{i}",
                            "school_type": "sekundarschule",
                            "region": REGION,
                            "city": "Wanzleben-Börde",
                        },
                        headers=net.office,
                    ),
                    201,
                )
            )
        net.office_person = ok(
            await registry.post(
                "/persons",
                json={
                    "name": "Petra Schäfer",
                    "function": "network_office_staff",
                    "email": f"netzwerkstelle-{tag}@boerde.example",
                    "organization_id": net.provider["id"],
                    "user_sub": f"office-{tag}",
                },
                headers=net.office,
            ),
            201,
        )
        for i in range(3):
            net.members.append(
                ok(
                    await registry.post(
                        "/persons",
                        json={
                            "name": f"Mitglied {i} {tag}",
                            "function": "other",
                            "email": f"mitglied{i}-{tag}@boerde.example",
                            "user_sub": f"member-{i}-{tag}",
                            "organization_id": net.youth_office["id"],
                        },
                        headers=net.office,
                    ),
                    201,
                )
            )
    async with suite.client("meetings") as meetings:
        net.committee = ok(
            await meetings.post(
                "/committees",
                json={
                    "name": f"Steuergruppe Börde {tag}",
                    "kind": committee_kind,
                    "region": REGION,
                },
                headers=net.office,
            ),
            201,
        )
        for member in net.members:
            await until(
                lambda m=member: _add_member(meetings, net, m),
                timeout=30,
            )
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
        net.session = ok(
            await meetings.post(
                "/meetings",
                json={
                    "kind": "committee_session"
                    if committee_kind == "steering_group"
                    else "jury_session",
                    "committee_id": net.committee["id"],
                    "title": "Sitzung der Steuergruppe",
                    "region": REGION,
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(hours=2)).isoformat(),
                    "location": "Haldensleben, Landratsamt",
                },
                headers=net.office,
            ),
            201,
        )
    async with suite.client("offers") as offers:
        fund = {
            "name": f"Bildungsbezogene Angebote {tag}",
            "kind": fund_kind,
            "region": REGION,
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "budget_cents": 10_000_000,
            "max_per_school_per_year_cents": None,
            "deciding_committee_id": net.committee["id"],
        }
        net.fund = await until(lambda: _open_fund(offers, net, fund), timeout=30)
    return net


async def _open_fund(
    offers: httpx.AsyncClient, net: Network, body: dict[str, Any]
) -> dict[str, Any] | None:
    """Open the fund once offers knows its committee (its read model fills from meetings
    events); until then offers answers 422 ``committee-unknown``."""
    response = await offers.post("/funds", json=body, headers=net.office)
    if response.status_code == 422 and response.json().get("rule") == "committee-unknown":
        return None
    return ok(response, 201)


async def _add_member(meetings: httpx.AsyncClient, net: Network, person: dict[str, Any]) -> bool:
    """Add a member once meetings knows the person (its read model fills from registry events)."""
    response = await meetings.post(
        f"/committees/{net.committee['id']}/members",
        json={"person_id": person["id"], "role": "member", "voting": True},
        headers=net.office,
    )
    if response.status_code in (200, 201):
        return True
    assert response.status_code in (404, 409, 422), response.text
    return False


@dataclass
class Flow:
    """One application from draft to decision (and optionally to completion)."""

    net: Network
    school: int = 0
    contact_email: str = field(
        default_factory=lambda: f"kontakt-{uuid.uuid4().hex[:8]}@schule.example"
    )
    app: dict[str, Any] = field(default_factory=dict)
    item: dict[str, Any] = field(default_factory=dict)
    marks: dict[str, float] = field(default_factory=dict)

    async def draft_and_submit(self, offers: httpx.AsyncClient) -> None:
        await self.draft(offers)
        await self.submit(offers)

    async def draft(self, offers: httpx.AsyncClient) -> None:
        """The school drafts the application and the office records the consultation."""
        net = self.net
        body = application_body(
            fund_id=net.fund["id"],
            school_id=net.schools[self.school]["id"],
            provider_id=net.provider["id"],
            contact_email=self.contact_email,
        )

        async def drafted() -> dict[str, Any] | None:
            response = await offers.post(
                "/applications", json=body, headers=net.school_auth(self.school)
            )
            if response.status_code == 422 and response.json().get("rule") in (
                "unknown-school",
                "unknown-organization",
            ):
                return None  # offers has not read the registry's events yet
            return ok(response, 201)

        # offers learns of new schools from registry events: retry gently until it has
        self.app = await until(drafted, timeout=180, interval=0.5)
        ok(
            await offers.post(
                f"/applications/{self.app['id']}/consultation",
                json={"date": "2026-11-20", "notes": "Beratung erfolgt"},
                headers=net.office,
            )
        )

    async def submit(self, offers: httpx.AsyncClient) -> None:
        """The school submits the drafted application."""
        self.app = ok(
            await offers.post(
                f"/applications/{self.app['id']}/submit",
                headers=self.net.school_auth(self.school),
            )
        )
        self.marks["submitted"] = time.monotonic()

    async def wait_for_agenda_item(self, meetings: httpx.AsyncClient) -> None:
        async def on_agenda() -> dict[str, Any] | None:
            response = await meetings.get(
                f"/meetings/{self.net.session['id']}/agenda", headers=self.net.office
            )
            items = ok(response)["items"]
            return next((i for i in items if i.get("application_id") == self.app["id"]), None)

        self.item = await until(on_agenda, timeout=90)
        self.marks["on_agenda"] = time.monotonic()

    async def decide(
        self, meetings: httpx.AsyncClient, outcome: str = "approved", **extra: Any
    ) -> None:
        net = self.net
        ok(
            await meetings.post(
                f"/meetings/{net.session['id']}/attendance",
                json={"person_ids": [m["id"] for m in net.members]},
                headers=net.office,
            )
        )
        body = {"outcome": outcome, "votes": {"yes": 3, "no": 0, "abstain": 0}, **extra}
        if outcome == "approved":
            body.setdefault("approved_cents", 140_000)
            body.setdefault("conditions", "Fotodokumentation beifügen")
        else:
            body.setdefault("reason", "Beschluss der Steuergruppe")
        response = await meetings.post(
            f"/meetings/{net.session['id']}/agenda/{self.item['id']}/decision",
            json=body,
            headers=net.office,
        )
        assert response.status_code in (200, 201), response.text
        self.marks["decided"] = time.monotonic()

    async def wait_for_status(self, offers: httpx.AsyncClient, status: str) -> dict[str, Any]:
        async def reached() -> dict[str, Any] | None:
            app = ok(await offers.get(f"/applications/{self.app['id']}", headers=self.net.office))
            return app if app["status"] == status else None

        self.app = await until(reached, timeout=90)
        self.marks[status] = time.monotonic()
        return self.app

    async def wait_for_inbox(
        self, notifications: httpx.AsyncClient, kind_contains: str
    ) -> dict[str, Any]:
        headers = self.net.suite.auth(
            "school", sub=f"contact-{self.contact_email}", email=self.contact_email
        )

        async def delivered() -> dict[str, Any] | None:
            items = ok(await notifications.get("/inbox", headers=headers))["items"]
            return next((n for n in items if kind_contains in n["kind"]), None)

        note = await until(delivered, timeout=90)
        self.marks["inbox"] = time.monotonic()
        return note
