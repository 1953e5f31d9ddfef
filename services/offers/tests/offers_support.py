"""Helpers for the offers service's tests: the service as the shared tests see it, a migrated
database, the running app, tokens, scenarios."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from offers.config import OffersSettings
from offers.main import definition
from offers.models import CommitteeView, OrganizationView, SchoolView
from schulerfolg.events.meetings import CommitteeCreated
from schulerfolg.events.privacy import ErasureRequested
from schulerfolg.events.registry import OrganizationCreated, SchoolCreated
from schulerfolg_dev.testing.events import collect_events
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import ServiceUnderTest, publish_events, wrap
from schulerfolg_dev.testing.service_suite import ServiceCase

OFFERS = ServiceCase(
    definition=definition,
    settings_cls=OffersSettings,
    read_path="/api/v1/topics",
    callers=(
        {"role": "state_coordinator"},
        {"role": "school", "school_id": str(uuid.uuid4())},
    ),
    live_env=lambda tmp: {"OFFERS_ATTACHMENTS_DIR": str(tmp / "attachments")},
    # In-process services keep uploaded files out of the checkout (a test may pass its own).
    test_settings={"attachments_dir": tempfile.mkdtemp(prefix="offers-attachments-")},
)

migrate = OFFERS.migrate
start_offers = OFFERS.start


# --------------------------------------------------------------------------- scenario helpers


def school_event(
    region: str,
    *,
    name: str = "Sekundarschule",
    school_type: str = "sekundarschule",
    version: int = 1,
    school_id: str | None = None,
) -> Any:
    """A ``registry.school.created`` event as the registry sends it."""
    school_id = school_id or str(uuid.uuid4())
    payload = SchoolCreated(
        version=version,
        id=school_id,
        school_number=str(uuid.uuid4().int)[:8],
        name=name,
        school_type=school_type,
        region=region,
    )
    return wrap(payload, entity_id=school_id, region=region)


def organization_event(region: str | None, *, name: str = "AWO Kreisverband e.V.") -> Any:
    """A ``registry.organization.created`` event as the registry sends it."""
    org_id = str(uuid.uuid4())
    payload = OrganizationCreated(
        version=1, id=org_id, name=name, kind="free_youth_welfare", region=region
    )
    return wrap(payload, entity_id=org_id, region=region)


def committee_event(
    region: str | None, *, name: str = "Steuergruppe", version: int = 1, committee_id: str = ""
) -> Any:
    """A ``meetings.committee.created`` event as meetings sends it (region None: state level)."""
    committee_id = committee_id or str(uuid.uuid4())
    payload = CommitteeCreated(
        version=version, id=committee_id, name=name, kind="steering_group", region=region, quorum=0
    )
    return wrap(payload, entity_id=committee_id, region=region)


async def feed_directory(service: ServiceUnderTest, nats_url: str, events: list[Any]) -> None:
    """Publish registry and committee events and wait until offers' read models hold them all."""
    await publish_events(nats_url, events)
    wanted = [
        (view, {e.data.id for e in events if isinstance(e.data, created)})
        for view, created in (
            (SchoolView, SchoolCreated),
            (OrganizationView, OrganizationCreated),
            (CommitteeView, CommitteeCreated),
        )
    ]

    async def arrived() -> bool:
        async with service.runtime.db.transaction(readonly=True) as session:
            for view, ids in wanted:
                got = await session.scalar(select(func.count()).where(view.id.in_(ids)))
                if got != len(ids):
                    return False
        return True

    await eventually(arrived, timeout=20)


@dataclass
class World:
    """An offers service with schools and partners of two regions, and tokens for every role."""

    service: ServiceUnderTest
    nats_url: str
    schools: dict[str, list[str]] = field(default_factory=dict)  # region → school ids
    partners: dict[str, str] = field(default_factory=dict)  # region → organisation id
    committees: dict[str | None, str] = field(default_factory=dict)  # region (None: state) → id

    @property
    def committee_id(self) -> str:
        """The Börde steering group (the deciding committee of ``fund()``'s Börde funds)."""
        return self.committees["boerde"]

    @property
    def client(self) -> Any:
        return self.service.client

    def office(self, region: str = "boerde") -> dict[str, str]:
        return self.service.auth("network_office", region, name="Netzwerkstelle")

    def state(self) -> dict[str, str]:
        return self.service.auth("state_coordinator", name="Landeskoordinierung")

    def school(self, region: str = "boerde", index: int = 0) -> dict[str, str]:
        return self.service.auth("school", school_id=self.schools[region][index])

    def partner(self, region: str = "boerde") -> dict[str, str]:
        return self.service.auth("partner", organization_id=self.partners[region])

    def steering(self, region: str = "boerde") -> dict[str, str]:
        return self.service.auth("steering_member", region)

    async def fund(self, region: str | None = "boerde", **fields: Any) -> dict[str, Any]:
        body = {
            "name": "Bildungsbezogene Angebote 2027",
            "kind": "school_project",
            "region": region,
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "budget_cents": 5_000_000,
            "deciding_committee_id": self.committees[region],
            **fields,
        }
        headers = self.office(region) if region else self.state()
        response = await self.client.post("/api/v1/funds", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return response.json()

    def draft_body(
        self, fund: dict[str, Any], region: str = "boerde", **fields: Any
    ) -> dict[str, Any]:
        return {
            "fund_id": fund["id"],
            "school_ids": [self.schools[region][0]],
            "partner_organization_ids": [self.partners[region]],
            "title": "Erlebnispädagogik für die Klassen 5",
            "summary": "Drei Tage Klassenfahrt mit erlebnispädagogischen Übungen.",
            "goals": "Klassengemeinschaft stärken, Konflikte fair lösen.",
            "topics": ["experiential-education", "violence-prevention"],
            "target_groups": ["pupils", "teachers"],
            "planned_participants": {"pupils": 48, "teachers": 4},
            "start_date": "2027-03-01",
            "end_date": "2027-03-03",
            "budget_lines": [
                {"category": "fees", "description": "Honorar Trainerin", "amount_cents": 90_000},
                {
                    "category": "materials",
                    "description": "Seile und Karten",
                    "amount_cents": 10_000,
                },
            ],
            "contact": {
                "name": "Anna Müller",
                "email": "anna.mueller@schule.example",
                "phone": "03904 1234",
            },
            **fields,
        }

    async def draft(
        self,
        fund: dict[str, Any],
        region: str = "boerde",
        headers: dict[str, str] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        response = await self.client.post(
            "/api/v1/applications",
            json=self.draft_body(fund, region, **fields),
            headers=headers or self.school(region),
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def act(
        self,
        app: dict[str, Any],
        action: str,
        headers: dict[str, str],
        body: Any = None,
        *,
        expect: int = 200,
    ) -> dict[str, Any]:
        response = await self.client.post(
            f"/api/v1/applications/{app['id']}/{action}", json=body, headers=headers
        )
        assert response.status_code == expect, response.text
        return response.json()

    async def submitted(
        self, fund: dict[str, Any], region: str = "boerde", **fields: Any
    ) -> dict[str, Any]:
        app = await self.draft(fund, region, **fields)
        if fund["requires_consultation"]:
            await self.act(
                app, "consultation", self.office(region), {"date": "2026-11-20", "notes": "Beraten"}
            )
        return await self.act(app, "submit", self.school(region))


async def make_world(
    service: ServiceUnderTest, nats_url: str, *, schools_per_region: int = 3
) -> World:
    """Schools and a partner in Börde and Harz, known to offers through registry events, and a
    steering group per region and one at the state level, known through meetings events."""
    world = World(service=service, nats_url=nats_url)
    events = []
    for region in ("boerde", "harz", None):
        committee = committee_event(region, name=f"Steuergruppe {region or 'Land'}")
        world.committees[region] = str(committee.data.id)
        events.append(committee)
    for region in ("boerde", "harz"):
        school_events = [
            school_event(region, name=f"Schule {i} {region}") for i in range(schools_per_region)
        ]
        partner = organization_event(region, name=f"Träger {region}")
        world.schools[region] = [str(e.data.id) for e in school_events]
        world.partners[region] = str(partner.data.id)
        events += [*school_events, partner]
    await feed_directory(service, nats_url, events)
    return world


async def request_erasure(world: World, email: str) -> list[Any]:
    """Publish an erasure request as the registry does; offers' answers to it."""
    request = ErasureRequested(id=uuid.uuid4(), email=email)
    await publish_events(world.nats_url, [wrap(request, entity_id=str(request.id), region=None)])
    return await collect_events(
        world.nats_url,
        stream="OFFERS",
        subject="sfs.*.offers.erasure.completed",
        where=lambda e: e.data.request_id == request.id,
        timeout=30,
        settle=0.5,
    )
