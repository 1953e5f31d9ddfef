"""Helpers for the meetings service's tests: the service as the shared tests see it, a migrated
database, the running app, tokens, test data."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import nats

from meetings.config import MeetingsSettings
from meetings.main import definition
from meetings.models import Person
from schulerfolg.events.base import CloudEvent
from schulerfolg.events.offers import ApplicationSubmitted, Contact, FundCreated, FundUpdated
from schulerfolg.events.registry import PersonCreated, PersonUpdated
from schulerfolg.messaging.broker import StreamSpec, declare_stream
from schulerfolg_dev.testing.plugin import eventually
from schulerfolg_dev.testing.service import ServiceUnderTest, wrap
from schulerfolg_dev.testing.service_suite import ServiceCase


async def declare_upstream_streams(nats_url: str) -> None:
    """Declare the REGISTRY and OFFERS streams (as their producers would) so the consumers start."""
    connection = await nats.connect(nats_url)
    try:
        js = connection.jetstream()
        for producer in ("registry", "offers"):
            await declare_stream(js, StreamSpec.for_service(producer))
    finally:
        await connection.close()


MEETINGS = ServiceCase(
    definition=definition,
    settings_cls=MeetingsSettings,
    read_path="/api/v1/meetings",
    callers=(
        {"role": "network_office", "regions": ["boerde"]},
        {"role": "state_coordinator"},
    ),
    max_examples=6,
    upstream=declare_upstream_streams,
)

migrate = MEETINGS.migrate
start_meetings = MEETINGS.start


# ----------------------------------------------------------------------------- test data

OFFICE = ("network_office", "boerde")
BERLIN = ZoneInfo("Europe/Berlin")


def in_days(days: float, hour: int = 10) -> datetime:
    """A Berlin wall-clock time ``days`` from now at ``hour`` o'clock, timezone-aware."""
    day = (datetime.now(BERLIN) + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN)


async def create_committee(
    service: ServiceUnderTest, role: tuple[str, ...] = OFFICE, **fields: Any
) -> dict[str, Any]:
    """A steering group in Börde, created by the Börde office (or ``role``)."""
    body = {"name": "Steuergruppe Börde", "kind": "steering_group", "region": "boerde"} | fields
    response = await service.client.post(
        "/api/v1/committees", json=body, headers=service.auth(*role)
    )
    assert response.status_code == 201, response.text
    return response.json()


async def add_member(
    service: ServiceUnderTest, committee_id: str, person_id: str, **fields: Any
) -> dict[str, Any]:
    """Seat a person in a committee."""
    response = await service.client.post(
        f"/api/v1/committees/{committee_id}/members",
        json={"person_id": person_id, "role": "member", "voting": True} | fields,
        headers=service.auth(*OFFICE),
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


async def create_meeting(
    service: ServiceUnderTest, role: tuple[str, ...] = OFFICE, **fields: Any
) -> dict[str, Any]:
    """A public training in Börde in two weeks, unless ``fields`` say otherwise (by ``role``)."""
    starts = fields.pop("starts_at", in_days(14))
    body = {
        "kind": "training",
        "title": "Fortbildung Mediation",
        "region": "boerde",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "public": True,
    } | fields
    response = await service.client.post("/api/v1/meetings", json=body, headers=service.auth(*role))
    assert response.status_code == 201, response.text
    return response.json()


async def create_session(
    service: ServiceUnderTest,
    committee_id: str,
    days: float = 14,
    role: tuple[str, ...] = OFFICE,
    **fields: Any,
) -> dict[str, Any]:
    """A non-public session of the committee ``days`` from now."""
    return await create_meeting(
        service,
        role,
        kind="committee_session",
        committee_id=committee_id,
        title="Sitzung der Steuergruppe",
        starts_at=in_days(days),
        public=False,
        **fields,
    )


def person_event(
    *,
    person_id: str | None = None,
    name: str = "Anna Müller",
    organization_id: str | None = None,
    user_sub: str | None = None,
    version: int = 1,
    created: bool = True,
) -> CloudEvent[Any]:
    """A ``registry.person.created``/``updated`` event as the registry sends it."""
    cls = PersonCreated if created else PersonUpdated
    payload = cls(
        version=version,
        id=person_id or str(uuid.uuid4()),
        name=name,
        function="provider_contact",
        email=f"{uuid.uuid4().hex[:8]}@example.org",
        organization_id=organization_id,
        region="boerde",
        user_sub=user_sub,
    )
    return wrap(payload, entity_id=payload.id, region="boerde")


def submitted_event(
    committee_id: str,
    *,
    application_id: str | None = None,
    version: int = 2,
    applicant_organization_id: str | None = None,
    partner_organization_ids: list[str] | None = None,
    resubmission: bool = False,
    requested_cents: int = 250_000,
    fund_id: str | None = None,
    region: str = "boerde",
) -> CloudEvent[Any]:
    """An ``offers.application.submitted`` event as offers sends it."""
    payload = ApplicationSubmitted(
        version=version,
        id=application_id or str(uuid.uuid4()),
        fund_id=fund_id or str(uuid.uuid4()),
        fund_name="Bildungsbezogene Angebote Börde 2027",
        fund_kind="school_project",
        deciding_committee_id=committee_id,
        region=region,
        school_ids=[str(uuid.uuid4())],
        applicant_organization_id=applicant_organization_id,
        partner_organization_ids=partner_organization_ids or [],
        title="Zirkusprojekt Klasse 5",
        status="submitted",
        requested_cents=requested_cents,
        start_date=date(2027, 2, 1),
        end_date=date(2027, 6, 30),
        contact=Contact(name="Petra Schulz", email="petra.schulz@example.org"),
        resubmission=resubmission,
    )
    return wrap(payload, entity_id=payload.id, region=region)


def fund_event(
    committee_id: str | None,
    *,
    fund_id: str | None = None,
    version: int = 1,
    region: str | None = "boerde",
) -> CloudEvent[Any]:
    """An ``offers.fund.created`` (version 1) or ``offers.fund.updated`` event."""
    payload = (FundCreated if version == 1 else FundUpdated)(
        version=version,
        id=fund_id or str(uuid.uuid4()),
        name="Bildungsbezogene Angebote Börde 2027",
        kind="school_project",
        region=region,
        period_start=date(2027, 1, 1),
        period_end=date(2027, 12, 31),
        budget_cents=5_000_000,
        approved_cents=0,
        deciding_committee_id=committee_id,
    )
    return wrap(payload, entity_id=payload.id, region=region)


async def known_person(service: ServiceUnderTest, person_id: str) -> Any:
    """Wait until the persons read model holds the person (its row)."""

    async def check() -> Any:
        async with service.runtime.db.transaction(readonly=True) as session:
            return await session.get(Person, uuid.UUID(person_id))

    return await eventually(check)


async def agenda(
    service: ServiceUnderTest, meeting_id: str, role: tuple[str, ...] = OFFICE
) -> list[dict[str, Any]]:
    """The meeting's agenda as the office (or ``role``) sees it."""
    response = await service.client.get(
        f"/api/v1/meetings/{meeting_id}/agenda", headers=service.auth(*role)
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def pending(
    service: ServiceUnderTest, committee_id: str, role: tuple[str, ...] = OFFICE
) -> list[dict[str, Any]]:
    """The committee's pending list as the office (or ``role``) sees it."""
    response = await service.client.get(
        f"/api/v1/committees/{committee_id}/pending", headers=service.auth(*role)
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]
